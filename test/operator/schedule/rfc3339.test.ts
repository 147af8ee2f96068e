import { strict as assert } from 'node:assert';
import { formatRfc3339Utc, parseRfc3339 } from '../../../operator/schedule/rfc3339.js';

describe('parseRfc3339', () => {
  const valid: [text: string, utc: string][] = [
    ['2026-03-30T05:00:00Z', '2026-03-30T05:00:00.000Z'],
    ['2026-03-30T07:00:00+02:00', '2026-03-30T05:00:00.000Z'],
    ['2026-03-30T00:15:00+05:45', '2026-03-29T18:30:00.000Z'],
    ['2026-03-29T22:00:00-03:00', '2026-03-30T01:00:00.000Z'],
    ['2024-02-29T00:00:00z', '2024-02-29T00:00:00.000Z'],
  ];
  for (const [text, utc] of valid) {
    it(`reads ${text} as ${utc}`, () => assert.equal(new Date(parseRfc3339(text)).toISOString(), utc));
  }

  it('reads fractional seconds only when allowed', () => {
    assert.equal(
      new Date(parseRfc3339('2026-03-30T05:00:00.250Z', { allowFraction: true })).toISOString(),
      '2026-03-30T05:00:00.250Z',
    );
    assert.throws(() => parseRfc3339('2026-03-30T05:00:00.250Z'), /fractional seconds are not supported/);
  });

  const invalid: [text: string, why: RegExp][] = [
    ['2026-03-30 05:00:00Z', /expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset/],
    ['2026-03-30T05:00Z', /expected YYYY-MM-DDTHH:MM:SS/],
    ['2026-03-30T05:00:00', /missing offset/],
    ['2026-04-31T00:00:00Z', /day 31 does not exist in 2026-04/],
    ['2026-03-30T24:00:00Z', /time 24:00:00 is out of range/],
    ['2026-03-30T23:59:60Z', /time 23:59:60 is out of range/],
    ['2026-03-30T05:00:00+24:00', /offset \+24:00 is out of range/],
  ];
  for (const [text, why] of invalid) {
    it(`rejects ${text}, saying why`, () =>
      assert.throws(() => parseRfc3339(text), { name: 'ScheduleSyntaxError', message: why }));
  }
});

describe('formatRfc3339Utc', () => {
  it('writes UTC with whole seconds and Z', () =>
    assert.equal(formatRfc3339Utc(Date.parse('2026-03-30T05:00:00Z')), '2026-03-30T05:00:00Z'));
});
