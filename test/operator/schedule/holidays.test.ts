import { strict as assert } from 'node:assert';
import { desiredAwake, nextTransition } from '../../../operator/schedule/evaluate.js';
import { parseSchedule, ScheduleSyntaxError } from '../../../operator/schedule/grammar.js';
import {
  currentOrNextHoliday,
  formatDay,
  HOLIDAY_PATTERN,
  holidayInterval,
  MAX_HOLIDAY_DAYS,
  MAX_HOLIDAYS,
  parseHolidayList,
  parseHolidays,
} from '../../../operator/schedule/holidays.js';
import { DAY_MS, ZoneClock } from '../../../operator/schedule/zone-clock.js';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => (d === null ? null : d.toISOString().replace(/\.000Z$/, 'Z'));

/** The instants a single-entry holiday covers, as UTC RFC3339 strings, plus its length in hours. */
function span(entry: string, zone: string): [string, string, number] {
  const [start, end] = holidayInterval(parseHolidays([entry])[0]!, new ZoneClock(zone));
  return [iso(new Date(start))!, iso(new Date(end))!, (end - start) / 3_600_000];
}

describe('parseHolidays', () => {
  it('reads single days and inclusive ranges as local day numbers, in the order written', () => {
    const holidays = parseHolidays(['2026-12-25..2026-12-26', '2026-12-24', ' 2027-01-01 ']);
    assert.deepEqual(
      holidays.map((h) => [h.text, formatDay(h.firstDay), formatDay(h.lastDay)]),
      [
        ['2026-12-25..2026-12-26', '2026-12-25', '2026-12-26'],
        ['2026-12-24', '2026-12-24', '2026-12-24'],
        ['2027-01-01', '2027-01-01', '2027-01-01'],
      ],
    );
    assert.equal(holidays[1]!.firstDay, Date.UTC(2026, 11, 24) / DAY_MS);
  });

  it('accepts a leap day, a one-day range, touching entries and an empty list', () => {
    assert.equal(parseHolidays(['2028-02-29']).length, 1);
    assert.equal(parseHolidays(['2026-12-24..2026-12-24']).length, 1);
    assert.equal(parseHolidays(['2026-12-24', '2026-12-25..2026-12-26', '2026-12-27']).length, 3);
    assert.deepEqual(parseHolidays([]), []);
  });

  it(`accepts a range of ${MAX_HOLIDAY_DAYS} days and ${MAX_HOLIDAYS} entries`, () => {
    assert.equal(parseHolidays(['2028-01-01..2028-12-31']).length, 1); // a leap year: 366 days
    const many = Array.from({ length: MAX_HOLIDAYS }, (_, i) => formatDay(Date.UTC(2026, 0, 1) / DAY_MS + i));
    assert.equal(parseHolidays(many).length, MAX_HOLIDAYS);
  });

  const errors: { name: string; entries: string[]; message: string; item: string }[] = [
    {
      name: 'a date in another format',
      entries: ['12/24/2026'],
      message:
        'invalid holiday "12/24/2026": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (both days inclusive), e.g. "2026-12-24..2026-12-26"',
      item: '12/24/2026',
    },
    {
      name: 'a range written with a dash',
      entries: ['2026-12-24-2026-12-26'],
      message:
        'invalid holiday "2026-12-24-2026-12-26": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (both days inclusive), e.g. "2026-12-24..2026-12-26"',
      item: '2026-12-24-2026-12-26',
    },
    {
      name: 'a date with a time',
      entries: ['2026-12-24T00:00:00Z'],
      message:
        'invalid holiday "2026-12-24T00:00:00Z": expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (both days inclusive), e.g. "2026-12-24..2026-12-26"',
      item: '2026-12-24T00:00:00Z',
    },
    {
      name: 'an empty entry, by position',
      entries: ['2026-12-24', ' '],
      message:
        'empty holiday at position 2: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (both days inclusive), e.g. "2026-12-24..2026-12-26"',
      item: ' ',
    },
    {
      name: 'a month that does not exist',
      entries: ['2026-13-01'],
      message: 'invalid date "2026-13-01": month 13 is out of range',
      item: '2026-13-01',
    },
    {
      name: 'a day that does not exist',
      entries: ['2026-02-30'],
      message: 'invalid date "2026-02-30": day 30 does not exist in 2026-02',
      item: '2026-02-30',
    },
    {
      name: 'a leap day outside a leap year',
      entries: ['2027-02-29'],
      message: 'invalid date "2027-02-29": day 29 does not exist in 2027-02',
      item: '2027-02-29',
    },
    {
      name: 'day zero',
      entries: ['2026-04-00'],
      message: 'invalid date "2026-04-00": day 00 does not exist in 2026-04',
      item: '2026-04-00',
    },
    {
      name: 'an impossible end of a range, naming the range',
      entries: ['2026-04-28..2026-04-31'],
      message: 'invalid date "2026-04-31" in "2026-04-28..2026-04-31": day 31 does not exist in 2026-04',
      item: '2026-04-28..2026-04-31',
    },
    {
      name: 'a reversed range',
      entries: ['2026-12-26..2026-12-24'],
      message: 'holiday range "2026-12-26..2026-12-24" ends before it starts',
      item: '2026-12-26..2026-12-24',
    },
    {
      name: `a range longer than ${MAX_HOLIDAY_DAYS} days`,
      entries: ['2026-01-01..2027-01-02'],
      message:
        'holiday range "2026-01-01..2027-01-02" is 367 days long: at most 366 (use suspend or a downtime for longer)',
      item: '2026-01-01..2027-01-02',
    },
    {
      name: 'a repeated day',
      entries: ['2026-12-25', '2026-12-31', '2026-12-25'],
      message: 'holiday "2026-12-25" repeats "2026-12-25"',
      item: '2026-12-25',
    },
    {
      name: 'a day inside an earlier range',
      entries: ['2026-12-24..2026-12-26', '2026-12-25'],
      message: 'holiday "2026-12-25" overlaps "2026-12-24..2026-12-26"',
      item: '2026-12-25',
    },
    {
      name: 'a range overlapping an earlier range',
      entries: ['2026-12-24..2026-12-26', '2026-12-26..2026-12-31'],
      message: 'holiday "2026-12-26..2026-12-31" overlaps "2026-12-24..2026-12-26"',
      item: '2026-12-26..2026-12-31',
    },
  ];
  for (const { name, entries, message, item } of errors) {
    it(`refuses ${name}, naming the entry`, () => {
      assert.throws(
        () => parseHolidays(entries),
        (err: unknown) => {
          assert.ok(err instanceof ScheduleSyntaxError);
          assert.equal(err.message, message);
          assert.equal(err.item, item);
          return true;
        },
      );
    });
  }

  it(`refuses more than ${MAX_HOLIDAYS} entries`, () => {
    const many = Array.from({ length: MAX_HOLIDAYS + 1 }, (_, i) => formatDay(Date.UTC(2026, 0, 1) / DAY_MS + i));
    assert.throws(() => parseHolidays(many), { name: 'ScheduleSyntaxError', message: '129 holidays: at most 128' });
  });

  it('reads a comma list as the CLI takes it', () => {
    assert.deepEqual(
      parseHolidayList('2026-12-24, 2026-12-25..2026-12-26').map((h) => h.text),
      ['2026-12-24', '2026-12-25..2026-12-26'],
    );
    assert.throws(() => parseHolidayList('2026-12-24,,2026-12-31'), { message: /^empty holiday at position 2: / });
  });

  it('agrees with the CRD pattern: every entry the parser accepts matches it, malformed ones do not', () => {
    const pattern = new RegExp(HOLIDAY_PATTERN);
    for (const ok of ['2026-12-24', '2026-12-24..2026-12-26', '2028-02-29']) {
      assert.ok(pattern.test(ok), ok);
      parseHolidays([ok]);
    }
    for (const bad of ['12/24/2026', '2026-12-24-2026-12-26', '2026-12-24...2026-12-26', '2026-1-2', ' 2026-12-24'])
      assert.ok(!pattern.test(bad), bad);
  });
});

describe('parseSchedule with holidays', () => {
  it('keeps them, and leaves an empty list out', () => {
    assert.equal(parseSchedule({ uptime: 'always', holidays: ['2026-12-24'] }).holidays!.length, 1);
    assert.equal(parseSchedule({ uptime: 'always', holidays: [] }).holidays, undefined);
  });

  it('prefixes errors with the field, ready for the ScheduleValid condition', () => {
    assert.throws(() => parseSchedule({ uptime: 'always', holidays: ['2026-02-30'] }), {
      name: 'ScheduleSyntaxError',
      message: 'holidays: invalid date "2026-02-30": day 30 does not exist in 2026-02',
    });
  });
});

describe('holidayInterval', () => {
  it('runs from local midnight to the next local midnight: 24 h on an ordinary day', () => {
    assert.deepEqual(span('2026-12-24', 'Europe/Berlin'), ['2026-12-23T23:00:00Z', '2026-12-24T23:00:00Z', 24]);
    assert.deepEqual(span('2026-07-04', 'America/New_York'), ['2026-07-04T04:00:00Z', '2026-07-05T04:00:00Z', 24]);
  });

  it('lasts 23 h on a spring-forward day and 25 h on a fall-back day, in Berlin', () => {
    assert.deepEqual(span('2026-03-29', 'Europe/Berlin'), ['2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 23]);
    assert.deepEqual(span('2026-10-25', 'Europe/Berlin'), ['2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 25]);
  });

  it('lasts 23 h on a spring-forward day and 25 h on a fall-back day, in New York', () => {
    assert.deepEqual(span('2026-03-08', 'America/New_York'), ['2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', 23]);
    assert.deepEqual(span('2026-11-01', 'America/New_York'), ['2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', 25]);
  });

  it('starts at the jump when the clock skips midnight itself (Santiago springs forward at 00:00)', () => {
    // Sun 6 Sep 2026: 00:00 -04 does not happen; the day starts at 01:00 -03 = 04:00Z.
    assert.deepEqual(span('2026-09-06', 'America/Santiago'), ['2026-09-06T04:00:00Z', '2026-09-07T03:00:00Z', 23]);
  });

  it('spans a range across a DST change as one interval', () => {
    // Sat 24 to Mon 26 Oct 2026 in Berlin: 72 h of days plus the hour given back.
    assert.deepEqual(span('2026-10-24..2026-10-26', 'Europe/Berlin'), [
      '2026-10-23T22:00:00Z',
      '2026-10-26T23:00:00Z',
      73,
    ]);
  });
});

describe('evaluating a schedule with holidays', () => {
  // Mon-Fri 07:00-20:00 in Berlin; Thu 24 and Fri 25 Dec 2026 are holidays; so is Sun 29 Mar 2026 (23 h).
  const office = (holidays: string[], zone = 'Europe/Berlin') =>
    parseSchedule({ uptime: 'Mon-Fri 07:00-20:00', timeZone: zone, holidays });

  it('is asleep all day on a holiday although the uptime says awake, and awake the day before', () => {
    const schedule = office(['2026-12-24']);
    assert.equal(desiredAwake(schedule, at('2026-12-23T11:00:00Z')), true); // Wed 12:00 CET
    assert.equal(desiredAwake(schedule, at('2026-12-24T11:00:00Z')), false); // Thu 12:00 CET, the holiday
    assert.equal(desiredAwake(schedule, at('2026-12-25T11:00:00Z')), true); // Fri 12:00 CET
  });

  it('is asleep from local midnight to local midnight on a holiday with uptime always', () => {
    const schedule = parseSchedule({ uptime: 'always', timeZone: 'Europe/Berlin', holidays: ['2026-12-24'] });
    assert.equal(desiredAwake(schedule, at('2026-12-23T22:59:59Z')), true);
    assert.equal(desiredAwake(schedule, at('2026-12-23T23:00:00Z')), false);
    assert.equal(desiredAwake(schedule, at('2026-12-24T22:59:59Z')), false);
    assert.equal(desiredAwake(schedule, at('2026-12-24T23:00:00Z')), true);
  });

  it('counts 23 h on Berlin spring-forward day: inside and outside, and the transitions at both ends', () => {
    const schedule = parseSchedule({ uptime: 'always', timeZone: 'Europe/Berlin', holidays: ['2026-03-29'] });
    assert.equal(desiredAwake(schedule, at('2026-03-28T22:59:59Z')), true);
    assert.equal(desiredAwake(schedule, at('2026-03-29T01:30:00Z')), false); // 03:30 CEST, after the jump
    assert.equal(desiredAwake(schedule, at('2026-03-29T21:59:59Z')), false); // 23:59:59 CEST
    assert.equal(desiredAwake(schedule, at('2026-03-29T22:00:00Z')), true); // Mon 00:00 CEST
    assert.equal(iso(nextTransition(schedule, at('2026-03-28T12:00:00Z'))), '2026-03-28T23:00:00Z');
    assert.equal(iso(nextTransition(schedule, at('2026-03-28T23:00:00Z'))), '2026-03-29T22:00:00Z');
  });

  it('counts 25 h on Berlin fall-back day, both 02:30s inside', () => {
    const schedule = parseSchedule({ uptime: 'always', timeZone: 'Europe/Berlin', holidays: ['2026-10-25'] });
    assert.equal(desiredAwake(schedule, at('2026-10-25T00:30:00Z')), false); // 02:30 CEST
    assert.equal(desiredAwake(schedule, at('2026-10-25T01:30:00Z')), false); // 02:30 CET
    assert.equal(desiredAwake(schedule, at('2026-10-25T22:59:59Z')), false); // 23:59:59 CET
    assert.equal(desiredAwake(schedule, at('2026-10-25T23:00:00Z')), true);
    assert.equal(iso(nextTransition(schedule, at('2026-10-24T12:00:00Z'))), '2026-10-24T22:00:00Z');
    assert.equal(iso(nextTransition(schedule, at('2026-10-24T22:00:00Z'))), '2026-10-25T23:00:00Z');
  });

  it('counts 23 h and 25 h on New York DST days', () => {
    const schedule = parseSchedule({
      uptime: 'always',
      timeZone: 'America/New_York',
      holidays: ['2026-03-08', '2026-11-01'],
    });
    assert.equal(desiredAwake(schedule, at('2026-03-08T04:59:59Z')), true); // Sat 23:59:59 EST
    assert.equal(desiredAwake(schedule, at('2026-03-08T05:00:00Z')), false); // Sun 00:00 EST
    assert.equal(desiredAwake(schedule, at('2026-03-09T03:59:59Z')), false); // Sun 23:59:59 EDT
    assert.equal(desiredAwake(schedule, at('2026-03-09T04:00:00Z')), true);
    assert.equal(desiredAwake(schedule, at('2026-11-01T05:15:00Z')), false); // the first 01:15 (EDT)
    assert.equal(desiredAwake(schedule, at('2026-11-01T06:15:00Z')), false); // the second 01:15 (EST)
    assert.equal(desiredAwake(schedule, at('2026-11-02T04:59:59Z')), false); // Sun 23:59:59 EST
    assert.equal(desiredAwake(schedule, at('2026-11-02T05:00:00Z')), true);
    assert.equal(iso(nextTransition(schedule, at('2026-10-31T12:00:00Z'))), '2026-11-01T04:00:00Z');
    assert.equal(iso(nextTransition(schedule, at('2026-11-01T04:00:00Z'))), '2026-11-02T05:00:00Z');
  });

  it('uses the schedule time zone for holidays even when an item names another zone', () => {
    const schedule = parseSchedule({
      uptime: 'Mon-Sun 00:00-24:00 UTC',
      timeZone: 'America/New_York',
      holidays: ['2026-07-04'],
    });
    assert.equal(desiredAwake(schedule, at('2026-07-04T03:59:59Z')), true); // 23:59:59 EDT on the 3rd
    assert.equal(desiredAwake(schedule, at('2026-07-04T04:00:00Z')), false);
  });

  it('skips a weekday wake inside a range spanning a weekend (Fri 25 to Mon 28 Dec)', () => {
    const schedule = office(['2026-12-25..2026-12-28']);
    assert.equal(desiredAwake(schedule, at('2026-12-24T11:00:00Z')), true); // Thu
    assert.equal(desiredAwake(schedule, at('2026-12-25T11:00:00Z')), false); // Fri
    assert.equal(desiredAwake(schedule, at('2026-12-28T11:00:00Z')), false); // Mon
    assert.equal(desiredAwake(schedule, at('2026-12-29T11:00:00Z')), true); // Tue
    // Thu 20:00 CET is the sleep; the next wake is Tue 29 Dec 07:00 CET, not Fri or Mon.
    assert.equal(iso(nextTransition(schedule, at('2026-12-24T11:00:00Z'))), '2026-12-24T19:00:00Z');
    assert.equal(iso(nextTransition(schedule, at('2026-12-24T19:00:00Z'))), '2026-12-29T06:00:00Z');
  });

  it('moves nextTransition to the holiday start when awake at midnight (uptime through the night)', () => {
    const schedule = parseSchedule({
      uptime: 'Mon-Sun 06:00-24:00',
      timeZone: 'Europe/Berlin',
      holidays: ['2026-12-24'],
    });
    // Wed 23 Dec 12:00 CET: awake until 24:00, then the holiday, awake again Fri 25 06:00 CET.
    assert.equal(iso(nextTransition(schedule, at('2026-12-23T11:00:00Z'))), '2026-12-23T23:00:00Z');
    assert.equal(iso(nextTransition(schedule, at('2026-12-23T23:00:00Z'))), '2026-12-25T05:00:00Z');
  });

  it('ends a holiday with a wake when the uptime is on at midnight (uptime always, range)', () => {
    const schedule = parseSchedule({
      uptime: 'always',
      timeZone: 'Europe/Berlin',
      holidays: ['2026-12-24..2026-12-26'],
    });
    assert.equal(iso(nextTransition(schedule, at('2026-12-24T11:00:00Z'))), '2026-12-26T23:00:00Z');
  });

  it('sleeps on a holiday with a downtime schedule too', () => {
    const schedule = parseSchedule({
      downtime: 'Sat-Sun 00:00-24:00',
      timeZone: 'Europe/Berlin',
      holidays: ['2026-12-24..2026-12-25'],
    });
    assert.equal(desiredAwake(schedule, at('2026-12-23T11:00:00Z')), true); // Wed
    assert.equal(desiredAwake(schedule, at('2026-12-24T11:00:00Z')), false); // Thu, holiday
    // Asleep from Thu 00:00 through the weekend; awake again Mon 28 Dec 00:00 CET.
    assert.equal(iso(nextTransition(schedule, at('2026-12-24T11:00:00Z'))), '2026-12-27T23:00:00Z');
  });

  it('ignores holidays in the past and beyond the horizon', () => {
    const schedule = parseSchedule({ uptime: 'always', holidays: ['2025-12-25', '2028-12-25'] });
    assert.equal(desiredAwake(schedule, at('2026-12-25T12:00:00Z')), true);
    assert.equal(nextTransition(schedule, at('2026-12-25T12:00:00Z')), null);
  });
});

describe('currentOrNextHoliday', () => {
  const holidays = parseHolidays(['2026-12-31', '2026-12-24..2026-12-26']);
  const clock = new ZoneClock('Europe/Berlin');
  const first = (iso: string) => {
    const found = currentOrNextHoliday(holidays, clock, Date.parse(iso));
    return found === null ? null : formatDay(found.holiday.firstDay);
  };

  it('names the earliest one to come, whatever the order written', () => {
    assert.equal(first('2026-12-01T00:00:00Z'), '2026-12-24');
  });

  it('names the one in progress until its last local midnight', () => {
    assert.equal(first('2026-12-25T12:00:00Z'), '2026-12-24');
    assert.equal(first('2026-12-26T22:59:59Z'), '2026-12-24');
    assert.equal(first('2026-12-26T23:00:00Z'), '2026-12-31');
  });

  it('names none when all are over', () => {
    assert.equal(first('2026-12-31T23:00:00Z'), null);
  });
});
