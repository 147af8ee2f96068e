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
  // The first pass of 02:30-02:59 (CEST) ends when the clock falls back to 02:00 CET at 01:00Z.
  {
    name: 'leaves a span when the clock falls back out of it (Berlin)',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-10-25T00:30:00Z',
    active: true,
    next: '2026-10-25T01:00:00Z',
  },
  // 01:15Z is 02:15 CET, the second pass, before the start; the second 02:30 is CET = 01:30Z.
  {
    name: 'enters the span again at the second 02:30 (Berlin)',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-10-25T01:15:00Z',
    active: false,
    next: '2026-10-25T01:30:00Z',
  },
  // From the second 02:30 the span runs to 03:30 CET = 02:30Z.
  {
    name: 'runs from the second 02:30 to the end in winter time (Berlin)',
    spec: 'Sun 02:30-03:30 Europe/Berlin',
    at: '2026-10-25T01:30:00Z',
    active: true,
    next: '2026-10-25T02:30:00Z',
  },
  // Ends at the first 02:30 (00:30Z); the clock reads 02:00 again at 01:00Z (CET), inside 00:00-02:30, until 02:30 CET = 01:30Z.
  {
    name: 'reopens a span for the second pass of the repeated hour, as the wall clock is inside it again',
    spec: 'Sun 00:00-02:30 Europe/Berlin',
    at: '2026-10-25T00:30:00Z',
    active: false,
    next: '2026-10-25T01:00:00Z',
  },
  {
    name: 'ends the reopened span at the second 02:30',
    spec: 'Sun 00:00-02:30 Europe/Berlin',
    at: '2026-10-25T01:15:00Z',
    active: true,
    next: '2026-10-25T01:30:00Z',
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
  // 06:00Z: the clock falls back from 02:00 EDT to 01:00 EST, before the start; the second 01:30 is EST = 06:30Z.
  {
    name: 'leaves that New York span when the clock falls back to 01:00',
    spec: 'Sun 01:30-03:00 America/New_York',
    at: '2026-11-01T05:30:00Z',
    active: true,
    next: '2026-11-01T06:00:00Z',
  },
  {
    name: 'enters that New York span again at the second 01:30',
    spec: 'Sun 01:30-03:00 America/New_York',
    at: '2026-11-01T06:00:00Z',
    active: false,
    next: '2026-11-01T06:30:00Z',
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
  // At 16:00Z the clock falls back from 03:00 AEDT to 02:00 AEST, before the start; the second 02:30 is 16:30Z.
  {
    name: 'leaves that Sydney span when the clock falls back',
    spec: 'Sat-Sun 02:30-03:30 Australia/Sydney',
    at: '2026-04-04T15:30:00Z',
    active: true,
    next: '2026-04-04T16:00:00Z',
  },
  {
    name: 'runs that Sydney span again from the second 02:30 to 03:30 standard time',
    spec: 'Sat-Sun 02:30-03:30 Australia/Sydney',
    at: '2026-04-04T16:30:00Z',
    active: true,
    next: '2026-04-04T17:30:00Z',
  },

  // --- Lord Howe: 30-minute shifts. 5 Apr 2026 02:00 +11 → 01:30 +10:30 at 4 Apr 15:00Z; 4 Oct 02:00 +10:30 → 02:30 +11 at 3 Oct 15:30Z ---
  // First 01:45 is +11 = 4 Apr 14:45Z; at 15:00Z the clock reads 01:30 again, inside; 02:00 +10:30 = 15:30Z ends it.
  {
    name: 'keeps a Lord Howe span through both passes of the repeated half hour',
    spec: 'Sun 01:30-02:00 Australia/Lord_Howe',
    at: '2026-04-04T14:45:00Z',
    active: true,
    next: '2026-04-04T15:30:00Z',
  },
  // 01:45-02:15: first pass 14:45Z-15:00Z; the clock reads 01:30 at 15:00Z (outside), 01:45 again at 15:15Z, 02:15 +10:30 at 15:45Z.
  {
    name: 'leaves a Lord Howe span for the quarter hour the clock shows 01:30-01:45 again',
    spec: 'Sun 01:45-02:15 Australia/Lord_Howe',
    at: '2026-04-04T14:50:00Z',
    active: true,
    next: '2026-04-04T15:00:00Z',
  },
  {
    name: 'enters that Lord Howe span again at the second 01:45 and ends it at 02:15 standard time',
    spec: 'Sun 01:45-02:15 Australia/Lord_Howe',
    at: '2026-04-04T15:15:00Z',
    active: true,
    next: '2026-04-04T15:45:00Z',
  },
  // 4 Oct: 02:00-02:29 never shows. 02:00-02:30 does not happen; next Sunday 11 Oct 02:00 +11 = 10 Oct 15:00Z.
  {
    name: 'skips a Lord Howe span that lies wholly in the 30-minute spring-forward gap',
    spec: 'Sun 02:00-02:30 Australia/Lord_Howe',
    at: '2026-10-03T15:00:00Z',
    active: false,
    next: '2026-10-10T15:00:00Z',
  },
  // 01:45 +10:30 = 15:15Z; at 15:30Z the clock jumps to 02:30 +11, inside 01:45-02:45 until 02:45 +11 = 15:45Z.
  {
    name: 'runs a Lord Howe span across the 30-minute jump without a break',
    spec: 'Sun 01:45-02:45 Australia/Lord_Howe',
    at: '2026-10-03T15:15:00Z',
    active: true,
    next: '2026-10-03T15:45:00Z',
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
  // Santiago repeats Saturday 23:00-23:59 at 5 Apr 03:00Z (-03 → -04). First Sat 23:30 is -03 = 02:30Z; at 03:00Z the
  // clock reads 23:00 again (outside); the second 23:30 is -04 = 03:30Z, and Sun 00:00 -04 = 04:00Z ends it.
  {
    name: 'leaves a Santiago span ending at 24:00 when the clock falls back to 23:00',
    spec: 'Sat 23:30-24:00 America/Santiago',
    at: '2026-04-05T02:30:00Z',
    active: true,
    next: '2026-04-05T03:00:00Z',
  },
  {
    name: 'runs that Santiago span again from the second 23:30 to midnight',
    spec: 'Sat 23:30-24:00 America/Santiago',
    at: '2026-04-05T03:30:00Z',
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

  // --- overnight ranges: kube-downscaler's reading (local weekday and time of day checked apart) ---
  // Fri 22:00-06:00 is Friday 00:00-06:00 and 22:00-24:00; Saturday morning is outside. Next: Fri 13 Mar 00:00Z.
  {
    name: 'leaves Saturday morning alone for Fri 22:00-06:00, since Saturday is not listed',
    spec: 'Fri 22:00-06:00 UTC',
    at: '2026-03-07T05:59:59Z',
    active: false,
    next: '2026-03-13T00:00:00Z',
  },
  {
    name: 'ends Friday night at 24:00 for Fri 22:00-06:00',
    spec: 'Fri 22:00-06:00 UTC',
    at: '2026-03-06T23:00:00Z',
    active: true,
    next: '2026-03-07T00:00:00Z',
  },
  {
    name: 'covers Friday early morning for Fri 22:00-06:00',
    spec: 'Fri 22:00-06:00 UTC',
    at: '2026-03-06T03:00:00Z',
    active: true,
    next: '2026-03-06T06:00:00Z',
  },
  {
    name: 'leaves Saturday early morning alone for Mon-Fri 22:00-06:00 and starts again at Monday 00:00',
    spec: 'Mon-Fri 22:00-06:00 UTC',
    at: '2026-03-07T03:00:00Z',
    active: false,
    next: '2026-03-09T00:00:00Z',
  },
  {
    name: 'covers Monday early morning for Mon-Fri 22:00-06:00, since Monday is listed',
    spec: 'Mon-Fri 22:00-06:00 UTC',
    at: '2026-03-09T03:00:00Z',
    active: true,
    next: '2026-03-09T06:00:00Z',
  },
  // Tue 00:00-06:00 and Mon 22:00-24:00 touch at midnight: one night Mon 22:00 → Tue 06:00.
  {
    name: 'joins one listed evening to the next listed morning',
    spec: 'Mon-Fri 22:00-06:00 UTC',
    at: '2026-03-09T22:00:00Z',
    active: true,
    next: '2026-03-10T06:00:00Z',
  },
  // Sat 28 Mar 22:00 CET = 21:00Z to Sat 24:00 = Sun 00:00 CET = 23:00Z.
  {
    name: 'ends a reversed range at 24:00 on the listed day before the spring-forward night',
    spec: 'Sat 22:00-06:00 Europe/Berlin',
    at: '2026-03-28T21:00:00Z',
    active: true,
    next: '2026-03-28T23:00:00Z',
  },

  // --- overnight ranges with "+1": each night belongs to the day it starts ---
  {
    name: 'runs a "+1" span from Friday into Saturday morning',
    spec: 'Fri 22:00-06:00+1 UTC',
    at: '2026-03-07T05:59:59Z',
    active: true,
    next: '2026-03-07T06:00:00Z',
  },
  {
    name: 'leaves Friday early morning alone for Fri 22:00-06:00+1',
    spec: 'Fri 22:00-06:00+1 UTC',
    at: '2026-03-06T03:00:00Z',
    active: false,
    next: '2026-03-06T22:00:00Z',
  },
  // Sun 8 Mar 22:00 CET = 21:00Z to Mon 9 Mar 06:00 CET = 05:00Z.
  {
    name: 'runs a "+1" span from Sunday across the week end into Monday',
    spec: 'Sun 22:00-06:00+1 Europe/Berlin',
    at: '2026-03-09T04:00:00Z',
    active: true,
    next: '2026-03-09T05:00:00Z',
  },
  {
    name: "keeps Friday night's Mon-Fri 22:00-06:00+1 running into Saturday",
    spec: 'Mon-Fri 22:00-06:00+1 UTC',
    at: '2026-03-07T03:00:00Z',
    active: true,
    next: '2026-03-07T06:00:00Z',
  },
  {
    name: 'leaves Monday early morning alone for Mon-Fri 22:00-06:00+1, since Sunday is not listed',
    spec: 'Mon-Fri 22:00-06:00+1 UTC',
    at: '2026-03-09T03:00:00Z',
    active: false,
    next: '2026-03-09T22:00:00Z',
  },
  // Sat 28 Mar 22:00 CET = 21:00Z to Sun 29 Mar 06:00 CEST = 04:00Z: a 7-hour night.
  {
    name: 'ends a "+1" span on the spring-forward night at 06:00 summer time',
    spec: 'Sat 22:00-06:00+1 Europe/Berlin',
    at: '2026-03-28T21:00:00Z',
    active: true,
    next: '2026-03-29T04:00:00Z',
  },
  // Mon 2 Mar 09:00Z to Tue 3 Mar 09:00Z, then Tue's own span runs on to Wed 09:00Z.
  {
    name: 'makes 24 hours of a "+1" span with equal times, and joins consecutive days',
    spec: 'Mon-Tue 09:00-09:00+1 UTC',
    at: '2026-03-02T09:00:00Z',
    active: true,
    next: '2026-03-04T09:00:00Z',
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

  it('searches a 366-day horizon of three zones with no change offset piece by offset piece, not minute by minute', () => {
    const rules = parseTimespan(
      'Mon-Sun 00:00-12:00 Europe/Berlin, Mon-Sun 12:00-24:00 Europe/Berlin, Mon-Fri 10:00-17:00 Asia/Kathmandu, Sat-Sun 22:00-06:00 America/Santiago',
    );
    // Counted, not timed: the zone work is one cut of the window into offset pieces per weekly item.
    const offsetSegments = Reflect.get<ZoneClock, 'offsetSegments'>(ZoneClock.prototype, 'offsetSegments');
    let pieces = 0;
    ZoneClock.prototype.offsetSegments = function (this: ZoneClock, fromMs: number, toMs: number) {
      const found = offsetSegments.call(this, fromMs, toMs);
      pieces += found.length;
      return found;
    };
    try {
      assert.equal(nextChange(rules, new Date('2026-01-01T00:00:00Z'), 'UTC'), null);
    } finally {
      ZoneClock.prototype.offsetSegments = offsetSegments;
    }
    // Berlin and Santiago change twice a year, Kathmandu never: at most 3 + 3 + 1 + 3 pieces, plus one per
    // rule if the window's margins reach a further change. Stepping minute by minute would take some 527,000.
    assert.ok(pieces > 0 && pieces <= 14, `${pieces} pieces`);
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

describe('isActiveAt and nextChange, cross-checked against the wall clock', () => {
  interface OracleSpec {
    text: string;
    weekdays: readonly number[];
    startMinute: number;
    endMinute: number;
    /** Written `…+1`: the span ends on the day after a listed day. */
    endsNextDay?: boolean;
    zone: string;
  }

  /**
   * An independent reading, kube-downscaler's: convert the instant to local time with luxon and test the local
   * weekday and local minute of the day, each on its own (GoKubeDownscaler's isTimeInSpan; py-kube-downscaler's
   * _matches_recurring_time_spec for ranges that do not wrap). A `+1` span instead asks whether the local
   * reading lies between the start on a listed day and the end on the day after.
   */
  function wallClockSays(spec: OracleSpec, epochMs: number): boolean {
    const local = DateTime.fromMillis(epochMs, { zone: spec.zone });
    const minute = local.hour * 60 + local.minute;
    const today = spec.weekdays.includes(local.weekday);
    if (spec.endsNextDay) {
      const yesterday = spec.weekdays.includes(local.weekday === 1 ? 7 : local.weekday - 1);
      return (today && minute >= spec.startMinute) || (yesterday && minute < spec.endMinute);
    }
    if (spec.endMinute > spec.startMinute) return today && minute >= spec.startMinute && minute < spec.endMinute;
    return today && (minute >= spec.startMinute || minute < spec.endMinute);
  }

  const specs: OracleSpec[] = [
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
      text: 'Mon-Fri 20:00-08:00 Europe/Berlin',
      weekdays: [1, 2, 3, 4, 5],
      startMinute: 1200,
      endMinute: 480,
      zone: 'Europe/Berlin',
    },
    {
      text: 'Sat-Sun 00:00-24:00 Australia/Sydney',
      weekdays: [6, 7],
      startMinute: 0,
      endMinute: 1440,
      zone: 'Australia/Sydney',
    },
    { text: 'Tue 09:15-09:45 Asia/Kathmandu', weekdays: [2], startMinute: 555, endMinute: 585, zone: 'Asia/Kathmandu' },
    // Boundaries inside the repeated and the skipped hours.
    {
      text: 'Mon-Sun 01:00-01:30 America/New_York',
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      startMinute: 60,
      endMinute: 90,
      zone: 'America/New_York',
    },
    { text: 'Sun 02:30-03:30 Europe/Berlin', weekdays: [7], startMinute: 150, endMinute: 210, zone: 'Europe/Berlin' },
    {
      text: 'Sat-Sun 01:45-02:15 Australia/Lord_Howe',
      weekdays: [6, 7],
      startMinute: 105,
      endMinute: 135,
      zone: 'Australia/Lord_Howe',
    },
    {
      text: 'Sun 02:15-01:45 Australia/Lord_Howe',
      weekdays: [7],
      startMinute: 135,
      endMinute: 105,
      zone: 'Australia/Lord_Howe',
    },
    {
      text: 'Mon-Fri 20:00-08:00+1 America/New_York',
      weekdays: [1, 2, 3, 4, 5],
      startMinute: 1200,
      endMinute: 480,
      endsNextDay: true,
      zone: 'America/New_York',
    },
    {
      text: 'Sat-Sun 01:45-01:30+1 Australia/Lord_Howe',
      weekdays: [6, 7],
      startMinute: 105,
      endMinute: 90,
      endsNextDay: true,
      zone: 'Australia/Lord_Howe',
    },
  ];
  // Five days from two days before each 2026 change of Europe, the US and Australia (Sydney and Lord Howe change
  // on the same days), plus a week with no change.
  const windows = [
    '2026-03-06T00:00:00Z',
    '2026-03-27T00:00:00Z',
    '2026-04-02T00:00:00Z',
    '2026-10-01T00:00:00Z',
    '2026-10-23T00:00:00Z',
    '2026-10-30T00:00:00Z',
    '2026-06-10T00:00:00Z',
  ];
  const STEP_MS = 15 * 60_000; // every boundary here is a multiple of 15 minutes in UTC
  const WINDOW_MS = 5 * 86_400_000;
  const HORIZON_DAYS = 3;

  for (const spec of specs) {
    it(`agrees with the local clock read every 15 minutes around DST changes for "${spec.text}"`, () => {
      const rules = parseTimespan(spec.text);
      const disagreements: string[] = [];
      for (const window of windows) {
        const from = Date.parse(window);
        const until = from + WINDOW_MS + HORIZON_DAYS * 86_400_000;
        const says: boolean[] = [];
        const edges: number[] = [];
        for (let t = from; t <= until; t += STEP_MS) {
          says.push(wallClockSays(spec, t));
          if (says.length > 1 && says[says.length - 1] !== says[says.length - 2]) edges.push(t);
        }
        for (let i = 0; from + i * STEP_MS < from + WINDOW_MS; i++) {
          // On a boundary, and halfway between two, where nothing may change.
          for (const t of [from + i * STEP_MS, from + i * STEP_MS + STEP_MS / 2]) {
            const at = new Date(t);
            if (isActiveAt(rules, at, 'UTC') !== says[i])
              disagreements.push(`${at.toISOString()} isActiveAt ${String(!says[i])}`);
            const edge = edges.find((e) => e > t);
            const expected = edge !== undefined && edge <= t + HORIZON_DAYS * 86_400_000 ? edge : null;
            const got = nextChange(rules, at, 'UTC', HORIZON_DAYS);
            if ((got?.getTime() ?? null) !== expected)
              disagreements.push(
                `${at.toISOString()} nextChange ${iso(got)}, wall clock ${iso(expected === null ? null : new Date(expected))}`,
              );
          }
        }
      }
      assert.deepEqual(disagreements, []);
    });
  }
});

describe('kube-downscaler strings mean what they mean in kube-downscaler', () => {
  it('reads Mon-Fri 20:00-08:00 as Monday 00:00-08:00 and Friday 20:00-24:00, not Saturday 00:00-08:00', () => {
    const rules = parseTimespan('Mon-Fri 20:00-08:00 UTC');
    const inside = (at: string) => isActiveAt(rules, new Date(at), 'UTC');
    // Mon 2 Mar 2026 00:00-08:00: inside.
    assert.equal(inside('2026-03-02T00:00:00Z'), true);
    assert.equal(inside('2026-03-02T07:59:59Z'), true);
    assert.equal(inside('2026-03-02T08:00:00Z'), false);
    // Fri 6 Mar 20:00-24:00: inside.
    assert.equal(inside('2026-03-06T19:59:59Z'), false);
    assert.equal(inside('2026-03-06T20:00:00Z'), true);
    assert.equal(inside('2026-03-06T23:59:59Z'), true);
    // Sat 7 Mar 00:00-08:00: outside.
    assert.equal(inside('2026-03-07T00:00:00Z'), false);
    assert.equal(inside('2026-03-07T07:59:59Z'), false);
    // Sun 8 Mar 20:00-24:00: outside.
    assert.equal(inside('2026-03-08T21:00:00Z'), false);
    // Friday's night ends at 24:00; the next change after it is Monday 00:00.
    assert.equal(iso(nextChange(rules, new Date('2026-03-06T20:00:00Z'), 'UTC')), '2026-03-07T00:00:00Z');
    assert.equal(iso(nextChange(rules, new Date('2026-03-07T00:00:00Z'), 'UTC')), '2026-03-09T00:00:00Z');
  });

  it('counts both 01:15s of 1 Nov 2026 in New York (EDT and EST) inside 01:00-01:30', () => {
    const rules = parseTimespan('01:00-01:30 America/New_York');
    // 01:15 EDT (-4) = 05:15Z; 01:15 EST (-5) = 06:15Z.
    assert.equal(isActiveAt(rules, new Date('2026-11-01T01:15:00-04:00'), 'UTC'), true);
    assert.equal(isActiveAt(rules, new Date('2026-11-01T01:15:00-05:00'), 'UTC'), true);
    assert.equal(isActiveAt(rules, new Date('2026-11-01T01:45:00-04:00'), 'UTC'), false);
    // Two spans that day: 05:00Z-05:30Z and 06:00Z-06:30Z.
    const changes: string[] = [];
    for (let at: Date | null = new Date('2026-11-01T04:00:00Z'); changes.length < 4 && at !== null;) {
      at = nextChange(rules, at, 'UTC');
      if (at !== null) changes.push(iso(at)!);
    }
    assert.deepEqual(changes, [
      '2026-11-01T05:00:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:00:00Z',
      '2026-11-01T06:30:00Z',
    ]);
  });

  /**
   * Each row: a string kube-downscaler accepts, an instant, and what kube-downscaler says (worked out from
   * GoKubeDownscaler's timespan.go and py-kube-downscaler's helper.py: local weekday in the day range, and
   * local time of day in [start, end), or for a reversed range in [start, 24:00) or [00:00, end)).
   */
  const table: { spec: string; at: string; inside: boolean; why: string }[] = [
    { spec: 'Mon-Fri 07:30-20:30 Europe/Berlin', at: '2026-03-30T05:30:00Z', inside: true, why: 'Mon 07:30 CEST' },
    {
      spec: 'Mon-Fri 07:30-20:30 Europe/Berlin',
      at: '2026-03-30T18:30:00Z',
      inside: false,
      why: 'Mon 20:30 CEST, end exclusive',
    },
    {
      spec: 'Sat-Sun 00:00-24:00 CET',
      at: '2026-03-28T23:30:00Z',
      inside: true,
      why: 'CET is an IANA zone; Sun 00:30',
    },
    { spec: 'Sat-Sun 00:00-24:00 CET', at: '2026-03-27T22:59:59Z', inside: false, why: 'Fri 23:59:59 CET' },
    { spec: 'Fri-Fri 20:00-24:00 CET', at: '2026-03-27T19:00:00Z', inside: true, why: 'Fri 20:00 CET' },
    {
      spec: 'Sun-Fri 08:00-17:00 Asia/Jerusalem',
      at: '2026-03-01T06:00:00Z',
      inside: true,
      why: 'Sun 08:00 IST, wrapping day range',
    },
    { spec: 'Sun-Fri 08:00-17:00 Asia/Jerusalem', at: '2026-03-07T06:00:00Z', inside: false, why: 'Sat 08:00' },
    {
      spec: 'Mon-Fri 20:00-08:00 Australia/Sydney',
      at: '2026-03-01T20:00:00Z',
      inside: true,
      why: 'Mon 2 Mar 07:00 AEDT',
    },
    {
      spec: 'Mon-Fri 20:00-08:00 Australia/Sydney',
      at: '2026-03-06T20:00:00Z',
      inside: false,
      why: 'Sat 7 Mar 07:00 AEDT',
    },
    { spec: 'Mon-Fri 20:00-08:00 Australia/Sydney', at: '2026-03-06T12:00:00Z', inside: true, why: 'Fri 23:00 AEDT' },
    {
      spec: 'Sat-Sun 00:00-24:00 Europe/Berlin, Mon-Fri 20:00-08:00 Europe/Berlin',
      at: '2026-03-30T04:00:00Z',
      inside: true,
      why: 'Mon 06:00 CEST',
    },
    {
      spec: 'Mon-Fri 23:30-24:00 Europe/Berlin,Mon-Fri 00:00-09:30 Europe/Berlin',
      at: '2026-03-28T00:00:00Z',
      inside: false,
      why: 'Sat 01:00 CET',
    },
    {
      spec: 'Mon-Fri 23:30-24:00 Europe/Berlin,Mon-Fri 00:00-09:30 Europe/Berlin',
      at: '2026-03-27T23:00:00Z',
      inside: false,
      why: 'Sat 00:00 CET',
    },
    {
      spec: 'Mon-Fri 23:30-24:00 Europe/Berlin,Mon-Fri 00:00-09:30 Europe/Berlin',
      at: '2026-03-27T22:45:00Z',
      inside: true,
      why: 'Fri 23:45 CET',
    },
    {
      spec: 'Sun-Sun 02:00-03:00 America/New_York',
      at: '2026-03-08T07:00:00Z',
      inside: false,
      why: '03:00 EDT: 02:00-02:59 never shown',
    },
    {
      spec: 'Sun-Sun 01:00-02:00 America/New_York',
      at: '2026-11-01T06:30:00Z',
      inside: true,
      why: '01:30 EST, the repeat',
    },
    {
      spec: '2019-01-01T00:00:00+00:00-2019-01-02T12:34:56+00:00',
      at: '2019-01-01T00:00:00Z',
      inside: true,
      why: 'start inclusive',
    },
    {
      spec: '2019-01-01T00:00:00+00:00-2019-01-02T12:34:56+00:00',
      at: '2019-01-02T12:34:55Z',
      inside: true,
      why: 'before the end',
    },
    {
      spec: '2024-07-29T08:30:00Z - 2024-07-29T16:00:00+02:00',
      at: '2024-07-29T13:59:59Z',
      inside: true,
      why: 'GoKubeDownscaler form',
    },
    {
      spec: '2024-07-29T08:30:00Z - 2024-07-29T16:00:00+02:00',
      at: '2024-07-29T14:00:00Z',
      inside: false,
      why: 'end exclusive (GoKubeDownscaler)',
    },
    { spec: 'always', at: '2026-03-02T00:00:00Z', inside: true, why: 'always' },
    { spec: 'never', at: '2026-03-02T00:00:00Z', inside: false, why: 'never' },
    { spec: 'true', at: '2026-03-02T00:00:00Z', inside: true, why: 'GoKubeDownscaler boolean' },
    { spec: 'false', at: '2026-03-02T00:00:00Z', inside: false, why: 'GoKubeDownscaler boolean' },
  ];
  for (const row of table) {
    it(`"${row.spec}" at ${row.at} is ${row.inside ? 'inside' : 'outside'} (${row.why})`, () =>
      assert.equal(isActiveAt(parseTimespan(row.spec), new Date(row.at), 'UTC'), row.inside));
  }
});
