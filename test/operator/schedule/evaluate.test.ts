import { strict as assert } from 'node:assert';
import { DateTime } from 'luxon';
import { desiredAwake, isActiveAt, nextChange, nextTransition } from '../../../operator/schedule/evaluate.js';
import { parseSchedule, parseTimespan, ScheduleSyntaxError } from '../../../operator/schedule/grammar.js';
import { ZoneClock } from '../../../operator/schedule/zone-clock.js';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString().replace(/\.000Z$/, 'Z'));

interface Case {
  name: string;
  spec: string;
  /** Default zone for items that name none. @default "UTC" */
  zone?: string;
  at: string;
  active: boolean;
  /** Expected nextChange, UTC. */
  next: string | null;
}

/**
 * Every expected instant is worked out by hand from the zone's rules in the comment beside it; the 2026
 * changes used are: Berlin 29 Mar 01:00Z (CET→CEST) and 25 Oct 01:00Z (CEST→CET); New York and Port-au-Prince
 * 8 Mar 07:00Z (EST→EDT) and 1 Nov 06:00Z (EDT→EST); Sydney 4 Apr 16:00Z (AEDT→AEST) and 3 Oct 16:00Z
 * (AEST→AEDT); Santiago 5 Apr 03:00Z (-03→-04) and 6 Sep 04:00Z (-04→-03).
 */
const cases: Case[] = [
  // --- plain weekly spans ---
  // Sat 28 Mar 2026 → Mon 30 Mar 07:30 CEST (+2) = 05:30Z.
  {
    name: 'is inactive on a Saturday and changes at 07:30 local on Monday',
    spec: 'Mon-Fri 07:30-20:30 Europe/Berlin',
    at: '2026-03-28T12:00:00Z',
    active: false,
    next: '2026-03-30T05:30:00Z',
  },
  // Fri 27 Mar 20:00 CET (+1) = 19:00Z; the span ends 20:30 CET = 19:30Z.
  {
    name: 'is active on a Friday evening and ends at 20:30 local',
    spec: 'Mon-Fri 07:30-20:30 Europe/Berlin',
    at: '2026-03-27T19:00:00Z',
    active: true,
    next: '2026-03-27T19:30:00Z',
  },
  // End exclusive: Fri 27 Mar 17:00 CET = 16:00Z is already outside; next start Mon 30 Mar 09:00 CEST = 07:00Z.
  {
    name: 'treats the end of a span as outside it and finds the next start after a DST weekend',
    spec: 'Mon-Fri 09:00-17:00 Europe/Berlin',
    at: '2026-03-27T16:00:00Z',
    active: false,
    next: '2026-03-30T07:00:00Z',
  },

  // --- spring forward: Berlin 29 Mar 2026, 02:00 CET → 03:00 CEST at 01:00Z ---
  // 02:30 does not exist; the span starts at the jump, 03:00 CEST = 01:00Z, and ends 03:30 CEST = 01:30Z.
  {
    name: 'starts a span whose start falls in the spring-forward gap at the jump (Berlin)',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-03-29T00:00:00Z',
    active: false,
    next: '2026-03-29T01:00:00Z',
  },
  {
    name: 'is inactive one second before the spring-forward jump and changes exactly at it',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-03-29T00:59:59Z',
    active: false,
    next: '2026-03-29T01:00:00Z',
  },
  {
    name: 'is active from the spring-forward jump until 03:30 summer time (Berlin)',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-03-29T01:00:00Z',
    active: true,
    next: '2026-03-29T01:30:00Z',
  },
  // 02:15-02:45 never shows on the clock that day; next occurrence Sun 5 Apr 02:15 CEST = 00:15Z.
  {
    name: 'skips a span that lies wholly inside the spring-forward gap',
    spec: 'Sun 02:15-02:45 Europe/Berlin',
    at: '2026-03-29T00:00:00Z',
    active: false,
    next: '2026-04-05T00:15:00Z',
  },
  // Starts 01:00 CET = 00:00Z; its end 02:30 is in the gap, so it ends at the jump, 01:00Z.
  {
    name: 'ends a span whose end falls in the spring-forward gap at the jump',
    spec: 'Sun 01:00-02:30 Europe/Berlin',
    at: '2026-03-29T00:30:00Z',
    active: true,
    next: '2026-03-29T01:00:00Z',
  },

  // --- fall back: Berlin 25 Oct 2026, 03:00 CEST → 02:00 CET at 01:00Z; 02:00-02:59 happens twice ---
  // First 02:30 is CEST (+2) = 00:30Z.
  {
    name: 'starts a span at the first occurrence of a repeated fall-back time (Berlin)',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-10-25T00:00:00Z',
    active: false,
    next: '2026-10-25T00:30:00Z',
  },
  // 01:15Z is 02:15 CET, the second pass; the span runs on through the repeat to 03:30 CET = 02:30Z.
  {
    name: 'stays active through the repeated hour until the end in winter time (Berlin)',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-10-25T01:15:00Z',
    active: true,
    next: '2026-10-25T02:30:00Z',
  },
  // Ends at the first 02:30 (00:30Z); the second pass of 02:15 (01:15Z) does not reopen it. Next: Sun 1 Nov 00:00 CET = 31 Oct 23:00Z.
  {
    name: 'does not reopen a span whose end was passed before the clock fell back',
    spec: 'Sun 00:00-02:30 Europe/Berlin',
    at: '2026-10-25T01:15:00Z',
    active: false,
    next: '2026-10-31T23:00:00Z',
  },

  // --- New York: 8 Mar 2026 02:00 EST → 03:00 EDT at 07:00Z; 1 Nov 02:00 EDT → 01:00 EST at 06:00Z ---
  {
    name: 'starts a span in the New York spring-forward gap at the jump',
    spec: 'Sun 02:30-04:00 America/New_York',
    at: '2026-03-08T06:00:00Z',
    active: false,
    next: '2026-03-08T07:00:00Z',
  },
  // 04:00 EDT (-4) = 08:00Z.
  {
    name: 'ends that New York span at 04:00 daylight time',
    spec: 'Sun 02:30-04:00 America/New_York',
    at: '2026-03-08T07:00:00Z',
    active: true,
    next: '2026-03-08T08:00:00Z',
  },
  // First 01:30 is EDT (-4) = 05:30Z.
  {
    name: 'starts a span at the first 01:30 on the New York fall-back day',
    spec: 'Sun 01:30-03:00 America/New_York',
    at: '2026-11-01T05:00:00Z',
    active: false,
    next: '2026-11-01T05:30:00Z',
  },
  // 06:45Z is 01:45 EST (second pass); the span ends 03:00 EST (-5) = 08:00Z.
  {
    name: 'keeps that New York span active in the repeated hour until 03:00 standard time',
    spec: 'Sun 01:30-03:00 America/New_York',
    at: '2026-11-01T06:45:00Z',
    active: true,
    next: '2026-11-01T08:00:00Z',
  },
  // Fri 6 Mar 17:00 EST = 22:00Z (outside); Mon 9 Mar 09:00 EDT = 13:00Z.
  {
    name: 'follows New York office hours across the spring-forward weekend',
    spec: 'Mon-Fri 09:00-17:00 America/New_York',
    at: '2026-03-06T22:00:00Z',
    active: false,
    next: '2026-03-09T13:00:00Z',
  },

  // --- half-hour and 45-minute zones ---
  // Mon 2 Mar 09:00 IST (+05:30) = 03:30Z; 18:00 IST = 12:30Z.
  {
    name: 'starts at 09:00 in Kolkata, which is 03:30 UTC',
    spec: 'Mon-Fri 09:00-18:00 Asia/Kolkata',
    at: '2026-03-02T03:29:59Z',
    active: false,
    next: '2026-03-02T03:30:00Z',
  },
  {
    name: 'ends at 18:00 in Kolkata, which is 12:30 UTC',
    spec: 'Mon-Fri 09:00-18:00 Asia/Kolkata',
    at: '2026-03-02T03:30:00Z',
    active: true,
    next: '2026-03-02T12:30:00Z',
  },
  // Mon 2 Mar 10:00 NPT (+05:45) = 04:15Z; 17:00 NPT = 11:15Z.
  {
    name: 'starts at 10:00 in Kathmandu, which is 04:15 UTC',
    spec: 'Mon-Fri 10:00-17:00 Asia/Kathmandu',
    at: '2026-03-02T00:00:00Z',
    active: false,
    next: '2026-03-02T04:15:00Z',
  },
  {
    name: 'ends at 17:00 in Kathmandu, which is 11:15 UTC',
    spec: 'Mon-Fri 10:00-17:00 Asia/Kathmandu',
    at: '2026-03-02T04:15:00Z',
    active: true,
    next: '2026-03-02T11:15:00Z',
  },

  // --- southern hemisphere ---
  // Sun 4 Oct 2026, Sydney 02:00 AEST → 03:00 AEDT at 3 Oct 16:00Z. 02:30 is skipped: start at the jump; end 03:30 AEDT (+11) = 16:30Z.
  {
    name: 'starts a Sydney span in the October spring-forward gap at the jump',
    spec: 'Sat-Sun 02:30-03:30 Australia/Sydney',
    at: '2026-10-03T15:00:00Z',
    active: false,
    next: '2026-10-03T16:00:00Z',
  },
  {
    name: 'ends that Sydney span at 03:30 daylight time',
    spec: 'Sat-Sun 02:30-03:30 Australia/Sydney',
    at: '2026-10-03T16:00:00Z',
    active: true,
    next: '2026-10-03T16:30:00Z',
  },
  // Sun 5 Apr 2026, Sydney 03:00 AEDT → 02:00 AEST at 4 Apr 16:00Z. First 02:30 is AEDT = 15:30Z; end 03:30 AEST (+10) = 17:30Z.
  {
    name: 'starts a Sydney span at the first 02:30 on the April fall-back day',
    spec: 'Sat-Sun 02:30-03:30 Australia/Sydney',
    at: '2026-04-04T15:00:00Z',
    active: false,
    next: '2026-04-04T15:30:00Z',
  },
  {
    name: 'keeps that Sydney span active for two hours, through the repeat',
    spec: 'Sat-Sun 02:30-03:30 Australia/Sydney',
    at: '2026-04-04T15:30:00Z',
    active: true,
    next: '2026-04-04T17:30:00Z',
  },
  // Santiago skips midnight: Sun 6 Sep 2026 00:00 -04 → 01:00 -03 at 04:00Z. Start at the jump (04:00Z); end 06:00 -03 = 09:00Z.
  {
    name: 'starts a Santiago span at the jump when the spring-forward gap swallows midnight',
    spec: 'Sun 00:00-06:00 America/Santiago',
    at: '2026-09-06T03:00:00Z',
    active: false,
    next: '2026-09-06T04:00:00Z',
  },
  {
    name: 'ends that Santiago span at 06:00 summer time',
    spec: 'Sun 00:00-06:00 America/Santiago',
    at: '2026-09-06T04:00:00Z',
    active: true,
    next: '2026-09-06T09:00:00Z',
  },
  // Santiago repeats Saturday 23:00-23:59 at 5 Apr 03:00Z (-03 → -04). First Sat 23:30 is -03 = 02:30Z; Sun 00:00 is -04 = 04:00Z.
  {
    name: 'runs a Santiago span ending at 24:00 through the repeated last hour of Saturday',
    spec: 'Sat 23:30-24:00 America/Santiago',
    at: '2026-04-05T02:30:00Z',
    active: true,
    next: '2026-04-05T04:00:00Z',
  },

  // --- zone names with - and _ ---
  // Mon 9 Mar 08:00 EDT (-4) = 12:00Z; 17:00 EDT = 21:00Z.
  {
    name: 'evaluates a zone with dashes in its name (Port-au-Prince)',
    spec: 'Mon-Fri 08:00-17:00 America/Port-au-Prince',
    at: '2026-03-09T12:00:00Z',
    active: true,
    next: '2026-03-09T21:00:00Z',
  },
  // Mon 2 Mar 09:00 -03 = 12:00Z.
  {
    name: 'evaluates a zone with underscores in its name (Buenos_Aires)',
    spec: 'Mon-Fri 09:00-18:00 America/Argentina/Buenos_Aires',
    at: '2026-03-02T11:59:00Z',
    active: false,
    next: '2026-03-02T12:00:00Z',
  },

  // --- default zone ---
  // Mon 2 Mar 09:00 IST = 03:30Z.
  {
    name: 'uses the default zone for items that name none',
    spec: 'Mon-Fri 09:00-18:00',
    zone: 'Asia/Kolkata',
    at: '2026-03-02T03:00:00Z',
    active: false,
    next: '2026-03-02T03:30:00Z',
  },
  {
    name: "prefers an item's own zone over the default",
    spec: 'Mon-Fri 09:00-18:00 UTC',
    zone: 'Asia/Kolkata',
    at: '2026-03-02T03:30:00Z',
    active: false,
    next: '2026-03-02T09:00:00Z',
  },

  // --- weekday wrap ---
  {
    name: 'is inactive midweek for Fri-Mon and starts again on Friday',
    spec: 'Fri-Mon 09:00-17:00 UTC',
    at: '2026-03-03T10:00:00Z',
    active: false,
    next: '2026-03-06T09:00:00Z',
  },
  {
    name: 'is active on Monday for Fri-Mon',
    spec: 'Fri-Mon 09:00-17:00 UTC',
    at: '2026-03-02T10:00:00Z',
    active: true,
    next: '2026-03-02T17:00:00Z',
  },
  {
    name: 'runs a Sat-Sun whole-day span straight through Sunday midnight to Monday',
    spec: 'Sat-Sun 00:00-24:00 UTC',
    at: '2026-03-07T10:00:00Z',
    active: true,
    next: '2026-03-09T00:00:00Z',
  },

  // --- overnight ranges ---
  {
    name: 'runs an overnight span from Friday into Saturday morning',
    spec: 'Fri 22:00-06:00 UTC',
    at: '2026-03-07T05:59:59Z',
    active: true,
    next: '2026-03-07T06:00:00Z',
  },
  // Sun 8 Mar 22:00 CET = 21:00Z to Mon 9 Mar 06:00 CET = 05:00Z.
  {
    name: 'runs an overnight span from Sunday across the week end into Monday',
    spec: 'Sun 22:00-06:00 Europe/Berlin',
    at: '2026-03-09T04:00:00Z',
    active: true,
    next: '2026-03-09T05:00:00Z',
  },
  {
    name: "keeps Friday night's Mon-Fri overnight span running into Saturday",
    spec: 'Mon-Fri 22:00-06:00 UTC',
    at: '2026-03-07T03:00:00Z',
    active: true,
    next: '2026-03-07T06:00:00Z',
  },
  {
    name: 'leaves Monday early morning alone for Mon-Fri 22:00-06:00, since Sunday is not listed',
    spec: 'Mon-Fri 22:00-06:00 UTC',
    at: '2026-03-09T03:00:00Z',
    active: false,
    next: '2026-03-09T22:00:00Z',
  },
  // Sat 28 Mar 22:00 CET = 21:00Z to Sun 29 Mar 06:00 CEST = 04:00Z: a 7-hour night.
  {
    name: 'ends an overnight span on the spring-forward night at 06:00 summer time',
    spec: 'Sat 22:00-06:00 Europe/Berlin',
    at: '2026-03-28T21:00:00Z',
    active: true,
    next: '2026-03-29T04:00:00Z',
  },

  // --- comma lists ---
  {
    name: "merges kube-downscaler's split form 20:00-24:00 plus 00:00-08:00 into one night",
    spec: 'Mon-Fri 20:00-24:00 UTC, Mon-Fri 00:00-08:00 UTC',
    at: '2026-03-02T21:00:00Z',
    active: true,
    next: '2026-03-03T08:00:00Z',
  },
  {
    name: 'reports no change where two spans touch',
    spec: 'Mon-Fri 08:00-12:00 UTC, Mon-Fri 12:00-18:00 UTC',
    at: '2026-03-02T09:00:00Z',
    active: true,
    next: '2026-03-02T18:00:00Z',
  },
  {
    name: 'reports no change where two spans overlap',
    spec: 'Mon-Fri 08:00-13:00 UTC, Mon-Fri 12:00-18:00 UTC',
    at: '2026-03-02T09:00:00Z',
    active: true,
    next: '2026-03-02T18:00:00Z',
  },
  // London 09:00-17:00 GMT = 09:00Z-17:00Z; New York 09:00-17:00 EST = 14:00Z-22:00Z; union 09:00Z-22:00Z.
  {
    name: 'unites spans in different zones',
    spec: 'Mon-Fri 09:00-17:00 Europe/London, Mon-Fri 09:00-17:00 America/New_York',
    at: '2026-03-02T09:00:00Z',
    active: true,
    next: '2026-03-02T22:00:00Z',
  },
  {
    name: 'merges a weekly span with an absolute one that starts where it ends',
    spec: 'Mon-Fri 09:00-17:00 UTC, 2026-03-06T17:00:00Z - 2026-03-07T12:00:00Z',
    at: '2026-03-06T16:00:00Z',
    active: true,
    next: '2026-03-07T12:00:00Z',
  },

  // --- absolute ---
  // 1 Apr 00:00 +02:00 = 31 Mar 22:00Z.
  {
    name: 'starts an absolute range at its start, to the second',
    spec: '2026-04-01T00:00:00+02:00 - 2026-04-02T00:00:00+02:00',
    at: '2026-03-31T21:59:59Z',
    active: false,
    next: '2026-03-31T22:00:00Z',
  },
  {
    name: 'includes the start of an absolute range and ends it at its end',
    spec: '2026-04-01T00:00:00+02:00 - 2026-04-02T00:00:00+02:00',
    at: '2026-03-31T22:00:00Z',
    active: true,
    next: '2026-04-01T22:00:00Z',
  },
  {
    name: 'excludes the end of an absolute range and then never changes again',
    spec: '2026-04-01T00:00:00+02:00-2026-04-02T00:00:00+02:00',
    at: '2026-04-01T22:00:00Z',
    active: false,
    next: null,
  },
  {
    name: 'is inactive before "from" and changes at it',
    spec: 'from 2026-06-01T00:00:00Z',
    at: '2026-05-01T00:00:00Z',
    active: false,
    next: '2026-06-01T00:00:00Z',
  },
  {
    name: 'is active from "from" on with no further change',
    spec: 'from 2026-06-01T00:00:00Z',
    at: '2026-06-01T00:00:00Z',
    active: true,
    next: null,
  },
  {
    name: 'is active before "until" and changes at it',
    spec: 'until 2026-06-01T00:00:00Z',
    at: '2026-05-01T00:00:00Z',
    active: true,
    next: '2026-06-01T00:00:00Z',
  },
  {
    name: 'is inactive from "until" on with no further change',
    spec: 'until 2026-06-01T00:00:00Z',
    at: '2026-06-01T00:00:00Z',
    active: false,
    next: null,
  },

  // --- always / never ---
  {
    name: 'is always active for "always" and never changes',
    spec: 'always',
    at: '2026-03-02T00:00:00Z',
    active: true,
    next: null,
  },
  {
    name: 'is never active for "never" and never changes',
    spec: 'never',
    at: '2026-03-02T00:00:00Z',
    active: false,
    next: null,
  },
  {
    name: 'lets "always" win a union',
    spec: 'Mon 09:00-10:00 UTC, always, never',
    at: '2026-03-02T09:30:00Z',
    active: true,
    next: null,
  },
  {
    name: 'ignores "never" in a union',
    spec: 'never, Mon 09:00-10:00 UTC',
    at: '2026-03-02T09:30:00Z',
    active: true,
    next: '2026-03-02T10:00:00Z',
  },

  // --- the horizon ---
  // 31 Mar 2026 + 366 days = 1 Apr 2027, exactly at the horizon: still reported.
  {
    name: 'reports a change exactly 366 days ahead',
    spec: 'from 2027-04-01T00:00:00Z',
    at: '2026-03-31T00:00:00Z',
    active: false,
    next: '2027-04-01T00:00:00Z',
  },
  {
    name: 'reports nothing one second past the 366-day horizon',
    spec: 'from 2027-04-01T00:00:01Z',
    at: '2026-03-31T00:00:00Z',
    active: false,
    next: null,
  },
  {
    name: 'finds no change for whole days every day, across both Berlin DST changes',
    spec: 'Mon-Sun 00:00-24:00 Europe/Berlin',
    at: '2026-01-15T00:00:00Z',
    active: true,
    next: null,
  },
];

describe('isActiveAt', () => {
  for (const c of cases) {
    it(`${c.name} (active at ${c.at}: ${c.active})`, () => {
      assert.equal(isActiveAt(parseTimespan(c.spec), new Date(c.at), c.zone ?? 'UTC'), c.active);
    });
  }

  it('rejects an unknown default zone even when no item uses it', () => {
    assert.throws(
      () => isActiveAt(parseTimespan('always'), new Date('2026-03-02T00:00:00Z'), 'Mars/Base'),
      ScheduleSyntaxError,
    );
  });
});

describe('nextChange', () => {
  for (const c of cases) {
    it(`${c.name} (next change after ${c.at}: ${c.next ?? 'none'})`, () => {
      assert.equal(iso(nextChange(parseTimespan(c.spec), new Date(c.at), c.zone ?? 'UTC')), c.next);
    });
  }

  it('honours a shorter horizon', () => {
    const rules = parseTimespan('from 2026-05-01T00:00:00Z');
    assert.equal(nextChange(rules, new Date('2026-03-31T00:00:00Z'), 'UTC', 30), null);
    assert.equal(iso(nextChange(rules, new Date('2026-03-31T00:00:00Z'), 'UTC', 31)), '2026-05-01T00:00:00Z');
  });

  it('finds changes of sub-second instants at the next whole boundary', () => {
    assert.equal(
      iso(nextChange(parseTimespan('Mon 09:00-10:00 UTC'), new Date('2026-03-02T08:59:59.999Z'), 'UTC')),
      '2026-03-02T09:00:00Z',
    );
  });

  it('searches a 366-day horizon of three zones with no change day by day, not minute by minute', () => {
    const rules = parseTimespan(
      'Mon-Sun 00:00-12:00 Europe/Berlin, Mon-Sun 12:00-24:00 Europe/Berlin, Mon-Fri 10:00-17:00 Asia/Kathmandu, Sat-Sun 22:00-06:00 America/Santiago',
    );
    // Counted, not timed: the work is the wall-clock readings turned into instants.
    const toInstant = Reflect.get<ZoneClock, 'toInstant'>(ZoneClock.prototype, 'toInstant');
    let conversions = 0;
    ZoneClock.prototype.toInstant = function (this: ZoneClock, localMs: number) {
      conversions++;
      return toInstant.call(this, localMs);
    };
    try {
      assert.equal(nextChange(rules, new Date('2026-01-01T00:00:00Z'), 'UTC'), null);
    } finally {
      ZoneClock.prototype.toInstant = toInstant;
    }
    // At most a start and an end per rule per local day of the horizon and its margins (4 × 2 × 371); stepping
    // through the year minute by minute would take some 527,000.
    assert.ok(conversions > 0 && conversions <= 4 * 2 * 371, `${conversions} conversions`);
  });

  it('rejects a negative horizon', () => {
    assert.throws(
      () => nextChange(parseTimespan('always'), new Date(), 'UTC', -1),
      /horizonDays must be a finite number >= 0 \(got -1\)/,
    );
  });
});

describe('desiredAwake', () => {
  const at = (rfc3339: string) => new Date(rfc3339);

  it('is awake inside uptime', () => {
    assert.equal(
      desiredAwake(
        parseSchedule({ uptime: 'Mon-Fri 07:00-20:00', timeZone: 'Europe/Berlin' }),
        at('2026-03-30T05:00:00Z'),
      ),
      true,
    );
  });

  it('is asleep outside uptime', () => {
    assert.equal(
      desiredAwake(
        parseSchedule({ uptime: 'Mon-Fri 07:00-20:00', timeZone: 'Europe/Berlin' }),
        at('2026-03-30T04:59:59Z'),
      ),
      false,
    );
  });

  it('is asleep inside downtime', () => {
    assert.equal(
      desiredAwake(parseSchedule({ downtime: 'Sat-Sun 00:00-24:00 Europe/Berlin' }), at('2026-03-28T12:00:00Z')),
      false,
    );
  });

  it('is awake outside downtime', () => {
    assert.equal(
      desiredAwake(parseSchedule({ downtime: 'Sat-Sun 00:00-24:00 Europe/Berlin' }), at('2026-03-27T12:00:00Z')),
      true,
    );
  });

  it('is awake when neither uptime nor downtime is set', () => {
    assert.equal(desiredAwake(parseSchedule({}), at('2026-03-27T12:00:00Z')), true);
  });

  it('is awake inside uptime only when also outside downtime, as kube-downscaler combines them', () => {
    const schedule = parseSchedule({
      uptime: 'Mon-Fri 07:00-20:00',
      downtime: '2026-03-02T12:00:00Z - 2026-03-02T13:00:00Z',
    });
    assert.equal(desiredAwake(schedule, at('2026-03-02T11:00:00Z')), true);
    assert.equal(desiredAwake(schedule, at('2026-03-02T12:30:00Z')), false);
  });

  it('rejects a hand-built schedule with an unknown zone', () => {
    assert.throws(
      () => desiredAwake({ uptime: parseTimespan('always'), timeZone: 'Mars/Base' }, at('2026-03-02T00:00:00Z')),
      {
        name: 'ScheduleSyntaxError',
        message: /unknown time zone "Mars\/Base"/,
      },
    );
  });
});

describe('nextTransition', () => {
  const at = (rfc3339: string) => new Date(rfc3339);

  const transitions: {
    name: string;
    schedule: Parameters<typeof parseSchedule>[0];
    at: string;
    next: string | null;
  }[] = [
    // Sat 28 Mar → Mon 30 Mar 07:00 CEST = 05:00Z.
    {
      name: 'wakes an uptime schedule on Monday morning after the spring-forward weekend',
      schedule: { uptime: 'Mon-Fri 07:00-20:00', timeZone: 'Europe/Berlin' },
      at: '2026-03-28T12:00:00Z',
      next: '2026-03-30T05:00:00Z',
    },
    // Fri 27 Mar → Sat 28 Mar 00:00 CET = 27 Mar 23:00Z.
    {
      name: 'puts a downtime schedule to sleep at the start of downtime',
      schedule: { downtime: 'Sat-Sun 00:00-24:00 Europe/Berlin' },
      at: '2026-03-27T12:00:00Z',
      next: '2026-03-27T23:00:00Z',
    },
    // Mon 30 Mar 00:00 CEST = 29 Mar 22:00Z: the weekend lost an hour.
    {
      name: 'wakes a downtime schedule at the end of downtime, after a 47-hour weekend',
      schedule: { downtime: 'Sat-Sun 00:00-24:00 Europe/Berlin' },
      at: '2026-03-28T12:00:00Z',
      next: '2026-03-29T22:00:00Z',
    },
    {
      name: 'finds the end of a downtime window cut out of uptime',
      schedule: { uptime: 'Mon-Fri 07:00-20:00', downtime: '2026-03-02T12:00:00Z - 2026-03-02T13:00:00Z' },
      at: '2026-03-02T12:30:00Z',
      next: '2026-03-02T13:00:00Z',
    },
    {
      name: 'never changes with uptime "always"',
      schedule: { uptime: 'always' },
      at: '2026-03-02T00:00:00Z',
      next: null,
    },
    {
      name: 'never changes with downtime "always"',
      schedule: { downtime: 'always' },
      at: '2026-03-02T00:00:00Z',
      next: null,
    },
    {
      name: 'never changes with downtime "never"',
      schedule: { downtime: 'never' },
      at: '2026-03-02T00:00:00Z',
      next: null,
    },
    { name: 'never changes with neither uptime nor downtime', schedule: {}, at: '2026-03-02T00:00:00Z', next: null },
  ];
  for (const t of transitions) {
    it(t.name, () => assert.equal(iso(nextTransition(parseSchedule(t.schedule), at(t.at))), t.next));
  }

  it('alternates sleep and wake when followed from one transition to the next', () => {
    const schedule = parseSchedule({ uptime: 'Mon-Fri 07:00-20:00 Europe/Berlin' });
    const seen: string[] = [];
    let cursor: Date | null = at('2026-03-27T12:00:00Z');
    for (let i = 0; i < 4 && cursor !== null; i++) {
      cursor = nextTransition(schedule, cursor);
      if (cursor !== null) seen.push(`${iso(cursor)} ${desiredAwake(schedule, cursor) ? 'wake' : 'sleep'}`);
    }
    // Fri 20:00 CET = 19:00Z; Mon 07:00 CEST = 05:00Z; Mon 20:00 CEST = 18:00Z; Tue 07:00 CEST = 05:00Z.
    assert.deepEqual(seen, [
      '2026-03-27T19:00:00Z sleep',
      '2026-03-30T05:00:00Z wake',
      '2026-03-30T18:00:00Z sleep',
      '2026-03-31T05:00:00Z wake',
    ]);
  });
});

describe('isActiveAt, cross-checked against the wall clock', () => {
  /**
   * An independent reading: convert the instant to local time with luxon and test weekday and minute, the way
   * kube-downscaler does. The two agree everywhere except in a fall-back repeated hour, where a boundary
   * that falls in it is, by design, taken at its first occurrence; these specs have no boundary there.
   */
  function wallClockSays(
    spec: { weekdays: readonly number[]; startMinute: number; endMinute: number; zone: string },
    epochMs: number,
  ): boolean {
    const local = DateTime.fromMillis(epochMs, { zone: spec.zone });
    const minute = local.hour * 60 + local.minute;
    const yesterday = local.weekday === 1 ? 7 : local.weekday - 1;
    if (spec.endMinute > spec.startMinute)
      return spec.weekdays.includes(local.weekday) && minute >= spec.startMinute && minute < spec.endMinute;
    return (
      (spec.weekdays.includes(local.weekday) && minute >= spec.startMinute) ||
      (spec.weekdays.includes(yesterday) && minute < spec.endMinute)
    );
  }

  const specs = [
    {
      text: 'Mon-Fri 07:30-20:30 Europe/Berlin',
      weekdays: [1, 2, 3, 4, 5],
      startMinute: 450,
      endMinute: 1230,
      zone: 'Europe/Berlin',
    },
    {
      text: 'Fri-Mon 22:00-06:00 America/New_York',
      weekdays: [1, 5, 6, 7],
      startMinute: 1320,
      endMinute: 360,
      zone: 'America/New_York',
    },
    {
      text: 'Sat-Sun 00:00-24:00 Australia/Sydney',
      weekdays: [6, 7],
      startMinute: 0,
      endMinute: 1440,
      zone: 'Australia/Sydney',
    },
    { text: 'Tue 09:15-09:45 Asia/Kathmandu', weekdays: [2], startMinute: 555, endMinute: 585, zone: 'Asia/Kathmandu' },
  ];
  // Four weeks around each 2026 change of Europe, the US and Australia, every 15 minutes.
  const windows = [
    '2026-03-01T00:00:00Z',
    '2026-03-25T00:00:00Z',
    '2026-04-01T00:00:00Z',
    '2026-09-28T00:00:00Z',
    '2026-10-22T00:00:00Z',
    '2026-10-29T00:00:00Z',
  ];
  for (const spec of specs) {
    it(`agrees with a 15-minute reading of the local clock around DST changes for "${spec.text}"`, () => {
      const rules = parseTimespan(spec.text);
      const disagreements: string[] = [];
      for (const window of windows) {
        const from = Date.parse(window);
        for (let t = from; t < from + 7 * 86_400_000; t += 15 * 60_000) {
          if (isActiveAt(rules, new Date(t), 'UTC') !== wallClockSays(spec, t))
            disagreements.push(new Date(t).toISOString());
        }
      }
      assert.deepEqual(disagreements, []);
    });
  }
});
