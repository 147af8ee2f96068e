import { strict as assert } from 'node:assert';
import { assertTimeZone, ZoneClock } from '../../../operator/schedule/zone-clock.js';

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

describe('ZoneClock', () => {
  const segments = (zone: string, from: string, to: string): [string, string, number][] =>
    new ZoneClock(zone)
      .offsetSegments(Date.parse(from), Date.parse(to))
      .map(({ startMs, endMs, offsetMs }) => [iso(startMs), iso(endMs), offsetMs / 60_000]);

  it('cuts a Berlin year at both 2026 changes, with the offset of each piece in minutes', () =>
    assert.deepEqual(segments('Europe/Berlin', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), [
      ['2026-01-01T00:00:00.000Z', '2026-03-29T01:00:00.000Z', 60],
      ['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z', 120],
      ['2026-10-25T01:00:00.000Z', '2027-01-01T00:00:00.000Z', 60],
    ]));

  it("cuts Lord Howe's half-hour shifts (+11 → +10:30 on 5 Apr, back on 4 Oct 2026)", () =>
    assert.deepEqual(segments('Australia/Lord_Howe', '2026-03-01T00:00:00Z', '2026-11-01T00:00:00Z'), [
      ['2026-03-01T00:00:00.000Z', '2026-04-04T15:00:00.000Z', 660],
      ['2026-04-04T15:00:00.000Z', '2026-10-03T15:30:00.000Z', 630],
      ['2026-10-03T15:30:00.000Z', '2026-11-01T00:00:00.000Z', 660],
    ]));

  it('gives one piece for a zone without changes, across a new year', () =>
    assert.deepEqual(segments('Asia/Kolkata', '2026-12-01T00:00:00Z', '2027-02-01T00:00:00Z'), [
      ['2026-12-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z', 330],
    ]));

  it('starts a piece exactly at a change that falls on the lower bound and leaves out one at the upper bound', () =>
    assert.deepEqual(segments('America/New_York', '2026-11-01T06:00:00Z', '2027-03-14T07:00:00Z'), [
      ['2026-11-01T06:00:00.000Z', '2027-03-14T07:00:00.000Z', -300],
    ]));

  it('refuses infinite bounds', () =>
    assert.throws(() => new ZoneClock('UTC').offsetSegments(0, Infinity), RangeError));

  it('gives the local wall time of an instant in either pass of a repeated hour', () => {
    const newYork = new ZoneClock('America/New_York');
    assert.equal(iso(newYork.toLocal(Date.parse('2026-11-01T05:15:00Z'))), '2026-11-01T01:15:00.000Z');
    assert.equal(iso(newYork.toLocal(Date.parse('2026-11-01T06:15:00Z'))), '2026-11-01T01:15:00.000Z');
  });

  it('reports the offset on either side of a change to the second', () => {
    const berlin = new ZoneClock('Europe/Berlin');
    assert.equal(berlin.offsetAt(Date.parse('2026-03-29T00:59:59Z')), 3_600_000);
    assert.equal(berlin.offsetAt(Date.parse('2026-03-29T01:00:00Z')), 7_200_000);
  });

  it('rejects an unknown zone', () => {
    assert.throws(() => new ZoneClock('Mars/Base'), {
      name: 'ScheduleSyntaxError',
      message: 'unknown time zone "Mars/Base": expected an IANA name such as Europe/Berlin',
    });
  });
});

describe('assertTimeZone', () => {
  it('returns a known zone as given', () =>
    assert.equal(assertTimeZone('America/Argentina/Buenos_Aires'), 'America/Argentina/Buenos_Aires'));

  it('names the item an unknown zone came from', () => {
    assert.throws(() => assertTimeZone('Europe/Berlinn', 'Mon 09:00-10:00 Europe/Berlinn'), {
      message:
        'unknown time zone "Europe/Berlinn" in "Mon 09:00-10:00 Europe/Berlinn": expected an IANA name such as Europe/Berlin',
    });
  });
});
