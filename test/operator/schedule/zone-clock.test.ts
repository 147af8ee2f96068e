import { strict as assert } from 'node:assert';
import { assertTimeZone, DAY_MS, ZoneClock } from '../../../operator/schedule/zone-clock.js';

/** Local epoch ms of a wall-clock reading: the reading as if it were UTC. */
const wall = (reading: string): number => Date.parse(`${reading}Z`);
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

describe('ZoneClock', () => {
  const cases: { name: string; zone: string; wall: string; instant: string }[] = [
    {
      name: 'maps an ordinary winter time with the winter offset',
      zone: 'Europe/Berlin',
      wall: '2026-01-15T12:00:00',
      instant: '2026-01-15T11:00:00.000Z',
    },
    {
      name: 'maps an ordinary summer time with the summer offset',
      zone: 'Europe/Berlin',
      wall: '2026-07-15T12:00:00',
      instant: '2026-07-15T10:00:00.000Z',
    },
    {
      name: 'maps a time in the spring-forward gap to the jump',
      zone: 'Europe/Berlin',
      wall: '2026-03-29T02:30:00',
      instant: '2026-03-29T01:00:00.000Z',
    },
    {
      name: 'maps the start of the spring-forward gap to the jump',
      zone: 'Europe/Berlin',
      wall: '2026-03-29T02:00:00',
      instant: '2026-03-29T01:00:00.000Z',
    },
    {
      name: 'maps the first time after the gap to the jump, where the clock reads it',
      zone: 'Europe/Berlin',
      wall: '2026-03-29T03:00:00',
      instant: '2026-03-29T01:00:00.000Z',
    },
    {
      name: 'maps a repeated fall-back time to its first occurrence',
      zone: 'Europe/Berlin',
      wall: '2026-10-25T02:30:00',
      instant: '2026-10-25T00:30:00.000Z',
    },
    {
      name: 'maps the first time after the repeat to its only occurrence',
      zone: 'Europe/Berlin',
      wall: '2026-10-25T03:00:00',
      instant: '2026-10-25T02:00:00.000Z',
    },
    {
      name: 'maps a repeated New York 01:30 to daylight time',
      zone: 'America/New_York',
      wall: '2026-11-01T01:30:00',
      instant: '2026-11-01T05:30:00.000Z',
    },
    {
      name: 'maps a Santiago midnight swallowed by the gap to 01:00 summer time',
      zone: 'America/Santiago',
      wall: '2026-09-06T00:00:00',
      instant: '2026-09-06T04:00:00.000Z',
    },
    {
      name: 'maps Kathmandu time with its 45-minute offset',
      zone: 'Asia/Kathmandu',
      wall: '2026-03-02T10:00:00',
      instant: '2026-03-02T04:15:00.000Z',
    },
    {
      name: 'maps a time across a new year, where offsets come from two scanned years',
      zone: 'Australia/Sydney',
      wall: '2027-01-01T00:30:00',
      instant: '2026-12-31T13:30:00.000Z',
    },
  ];
  for (const c of cases) {
    it(`${c.name} (${c.zone} ${c.wall} → ${c.instant})`, () =>
      assert.equal(iso(new ZoneClock(c.zone).toInstant(wall(c.wall))), c.instant));
  }

  it('reports the offset on either side of a change to the second', () => {
    const berlin = new ZoneClock('Europe/Berlin');
    assert.equal(berlin.offsetAt(Date.parse('2026-03-29T00:59:59Z')), 3_600_000);
    assert.equal(berlin.offsetAt(Date.parse('2026-03-29T01:00:00Z')), 7_200_000);
  });

  it('gives the local day of an instant', () => {
    // 23:30Z on 31 Dec 2026 is already 1 Jan 2027 in Berlin.
    assert.equal(
      new ZoneClock('Europe/Berlin').localDayOf(Date.parse('2026-12-31T23:30:00Z')),
      Date.parse('2027-01-01T00:00:00Z') / DAY_MS,
    );
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
