import { strict as assert } from 'node:assert';
import {
  parseSchedule,
  parseTimespan,
  ScheduleSyntaxError,
  type TimespanRule,
} from '../../../operator/schedule/grammar.js';

const ms = (rfc3339: string): number => Date.parse(rfc3339);

describe('parseTimespan', () => {
  const valid: { name: string; text: string; rules: TimespanRule[] }[] = [
    {
      name: "reads kube-downscaler's weekly form with a zone",
      text: 'Mon-Fri 07:30-20:30 Europe/Berlin',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon-Fri 07:30-20:30 Europe/Berlin',
          weekdays: [1, 2, 3, 4, 5],
          startMinute: 450,
          endMinute: 1230,
          timeZone: 'Europe/Berlin',
        },
      ],
    },
    {
      name: 'reads weekday names in any case',
      text: 'mON-fri 07:30-20:30',
      rules: [
        { kind: 'weekly', text: 'mON-fri 07:30-20:30', weekdays: [1, 2, 3, 4, 5], startMinute: 450, endMinute: 1230 },
      ],
    },
    {
      name: 'reads a weekday range that wraps over the week end as the days it covers',
      text: 'Fri-Mon 09:00-17:00 UTC',
      rules: [
        {
          kind: 'weekly',
          text: 'Fri-Mon 09:00-17:00 UTC',
          weekdays: [1, 5, 6, 7],
          startMinute: 540,
          endMinute: 1020,
          timeZone: 'UTC',
        },
      ],
    },
    {
      name: 'reads Sun-Sat as every day of the week',
      text: 'Sun-Sat 09:00-17:00',
      rules: [
        {
          kind: 'weekly',
          text: 'Sun-Sat 09:00-17:00',
          weekdays: [1, 2, 3, 4, 5, 6, 7],
          startMinute: 540,
          endMinute: 1020,
        },
      ],
    },
    {
      name: 'reads a single day',
      text: 'Sat 10:00-12:00',
      rules: [{ kind: 'weekly', text: 'Sat 10:00-12:00', weekdays: [6], startMinute: 600, endMinute: 720 }],
    },
    {
      name: 'reads 24:00 as the end of the day',
      text: 'Sat-Sun 00:00-24:00 CET',
      rules: [
        {
          kind: 'weekly',
          text: 'Sat-Sun 00:00-24:00 CET',
          weekdays: [6, 7],
          startMinute: 0,
          endMinute: 1440,
          timeZone: 'CET',
        },
      ],
    },
    {
      name: 'keeps a reversed time range as is (kube-downscaler: 00:00 to the end and the start to 24:00 of each listed day)',
      text: 'Mon-Fri 22:00-06:00 Europe/Berlin',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon-Fri 22:00-06:00 Europe/Berlin',
          weekdays: [1, 2, 3, 4, 5],
          startMinute: 1320,
          endMinute: 360,
          timeZone: 'Europe/Berlin',
        },
      ],
    },
    {
      name: 'reads "+1" as a span that ends on the day after each listed day',
      text: 'Mon-Fri 20:00-08:00+1 Europe/Berlin',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon-Fri 20:00-08:00+1 Europe/Berlin',
          weekdays: [1, 2, 3, 4, 5],
          startMinute: 1200,
          endMinute: 480,
          endsNextDay: true,
          timeZone: 'Europe/Berlin',
        },
      ],
    },
    {
      name: 'reads "+1" with equal times as 24 hours, and with a later end as more',
      text: 'Sat 09:00-09:00+1, Sun 08:00-10:00+1',
      rules: [
        {
          kind: 'weekly',
          text: 'Sat 09:00-09:00+1',
          weekdays: [6],
          startMinute: 540,
          endMinute: 540,
          endsNextDay: true,
        },
        {
          kind: 'weekly',
          text: 'Sun 08:00-10:00+1',
          weekdays: [7],
          startMinute: 480,
          endMinute: 600,
          endsNextDay: true,
        },
      ],
    },
    {
      name: 'reads a time range without weekdays as every day',
      text: '07:00-19:00 Asia/Kolkata',
      rules: [
        {
          kind: 'weekly',
          text: '07:00-19:00 Asia/Kolkata',
          weekdays: [1, 2, 3, 4, 5, 6, 7],
          startMinute: 420,
          endMinute: 1140,
          timeZone: 'Asia/Kolkata',
        },
      ],
    },
    {
      name: 'reads one-digit hours',
      text: 'Mon 7:30-9:00',
      rules: [{ kind: 'weekly', text: 'Mon 7:30-9:00', weekdays: [1], startMinute: 450, endMinute: 540 }],
    },
    {
      name: 'reads zone names with a dash',
      text: 'Mon-Fri 08:00-17:00 America/Port-au-Prince',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon-Fri 08:00-17:00 America/Port-au-Prince',
          weekdays: [1, 2, 3, 4, 5],
          startMinute: 480,
          endMinute: 1020,
          timeZone: 'America/Port-au-Prince',
        },
      ],
    },
    {
      name: 'reads zone names with underscores and three parts',
      text: 'Mon-Fri 09:00-18:00 America/Argentina/Buenos_Aires',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon-Fri 09:00-18:00 America/Argentina/Buenos_Aires',
          weekdays: [1, 2, 3, 4, 5],
          startMinute: 540,
          endMinute: 1080,
          timeZone: 'America/Argentina/Buenos_Aires',
        },
      ],
    },
    {
      name: 'reads zone names with a plus sign and digits',
      text: 'Mon 09:00-10:00 Etc/GMT+1',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon 09:00-10:00 Etc/GMT+1',
          weekdays: [1],
          startMinute: 540,
          endMinute: 600,
          timeZone: 'Etc/GMT+1',
        },
      ],
    },
    {
      name: 'tolerates runs of spaces and tabs between the parts',
      text: '  Mon-Fri   07:00-20:00\tUTC ',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon-Fri   07:00-20:00\tUTC',
          weekdays: [1, 2, 3, 4, 5],
          startMinute: 420,
          endMinute: 1200,
          timeZone: 'UTC',
        },
      ],
    },
    {
      name: "reads kube-downscaler's absolute form, written without spaces around the dash",
      text: '2019-04-01T00:00:00+00:00-2019-04-02T00:00:00+00:00',
      rules: [
        {
          kind: 'absolute',
          text: '2019-04-01T00:00:00+00:00-2019-04-02T00:00:00+00:00',
          startMs: ms('2019-04-01T00:00:00Z'),
          endMs: ms('2019-04-02T00:00:00Z'),
        },
      ],
    },
    {
      name: "reads GoKubeDownscaler's absolute form with spaces, Z and mixed offsets",
      text: '2024-07-29T08:30:00Z - 2024-07-29T16:00:00+02:00',
      rules: [
        {
          kind: 'absolute',
          text: '2024-07-29T08:30:00Z - 2024-07-29T16:00:00+02:00',
          startMs: ms('2024-07-29T08:30:00Z'),
          endMs: ms('2024-07-29T14:00:00Z'),
        },
      ],
    },
    {
      name: 'reads negative offsets on both ends of an absolute range without spaces',
      text: '2026-04-01T00:00:00-05:00-2026-04-02T00:00:00-05:00',
      rules: [
        {
          kind: 'absolute',
          text: '2026-04-01T00:00:00-05:00-2026-04-02T00:00:00-05:00',
          startMs: ms('2026-04-01T05:00:00Z'),
          endMs: ms('2026-04-02T05:00:00Z'),
        },
      ],
    },
    {
      name: 'reads lower-case t and z in absolute times, as RFC3339 allows',
      text: '2026-04-01t00:00:00z-2026-04-02t00:00:00z',
      rules: [
        {
          kind: 'absolute',
          text: '2026-04-01t00:00:00z-2026-04-02t00:00:00z',
          startMs: ms('2026-04-01T00:00:00Z'),
          endMs: ms('2026-04-02T00:00:00Z'),
        },
      ],
    },
    {
      name: 'reads "from" as a range open to the future',
      text: 'from 2026-06-01T00:00:00+02:00',
      rules: [
        {
          kind: 'absolute',
          text: 'from 2026-06-01T00:00:00+02:00',
          startMs: ms('2026-05-31T22:00:00Z'),
          endMs: Infinity,
        },
      ],
    },
    {
      name: 'reads "until" as a range open to the past',
      text: 'until 2026-06-01T00:00:00Z',
      rules: [
        { kind: 'absolute', text: 'until 2026-06-01T00:00:00Z', startMs: -Infinity, endMs: ms('2026-06-01T00:00:00Z') },
      ],
    },
    {
      name: 'reads "from-" and "until-" as GoKubeDownscaler writes them',
      text: 'FROM-2026-06-01T00:00:00Z,until-2026-01-01T00:00:00Z',
      rules: [
        { kind: 'absolute', text: 'FROM-2026-06-01T00:00:00Z', startMs: ms('2026-06-01T00:00:00Z'), endMs: Infinity },
        { kind: 'absolute', text: 'until-2026-01-01T00:00:00Z', startMs: -Infinity, endMs: ms('2026-01-01T00:00:00Z') },
      ],
    },
    {
      name: 'reads always, never and their GoKubeDownscaler aliases true and false in any case',
      text: 'always,NEVER,True,false',
      rules: [
        { kind: 'always', text: 'always' },
        { kind: 'never', text: 'NEVER' },
        { kind: 'always', text: 'True' },
        { kind: 'never', text: 'false' },
      ],
    },
    {
      name: 'reads a comma list of mixed forms, trimming each item',
      text: 'Mon-Fri 07:00-09:00 Europe/Berlin , Sat 10:00-12:00,from 2030-01-01T00:00:00Z',
      rules: [
        {
          kind: 'weekly',
          text: 'Mon-Fri 07:00-09:00 Europe/Berlin',
          weekdays: [1, 2, 3, 4, 5],
          startMinute: 420,
          endMinute: 540,
          timeZone: 'Europe/Berlin',
        },
        { kind: 'weekly', text: 'Sat 10:00-12:00', weekdays: [6], startMinute: 600, endMinute: 720 },
        { kind: 'absolute', text: 'from 2030-01-01T00:00:00Z', startMs: ms('2030-01-01T00:00:00Z'), endMs: Infinity },
      ],
    },
  ];
  for (const { name, text, rules } of valid) {
    it(name, () => assert.deepEqual(parseTimespan(text), rules));
  }

  const invalid: { name: string; text: string; message: string | RegExp }[] = [
    { name: 'rejects an empty spec', text: '', message: 'empty timespan' },
    { name: 'rejects a spec of only spaces', text: '   ', message: 'empty timespan' },
    {
      name: 'rejects an empty item in a list, naming its position',
      text: 'Mon-Fri 07:00-20:00,',
      message: 'empty timespan at position 2 of the list "Mon-Fri 07:00-20:00,"',
    },
    {
      name: 'rejects an unknown weekday, naming it and its item',
      text: 'Mnd-Fri 07:00-20:00',
      message: 'unknown weekday "Mnd" in "Mnd-Fri 07:00-20:00": expected Mon, Tue, Wed, Thu, Fri, Sat or Sun',
    },
    {
      name: 'rejects full weekday names',
      text: 'Monday-Friday 07:00-20:00',
      message: 'unknown weekday "Monday" in "Monday-Friday 07:00-20:00": expected Mon, Tue, Wed, Thu, Fri, Sat or Sun',
    },
    {
      name: 'rejects a weekday range of three days',
      text: 'Mon-Tue-Wed 07:00-20:00',
      message:
        'invalid weekday range "Mon-Tue-Wed" in "Mon-Tue-Wed 07:00-20:00": expected one day (Sat) or a range (Mon-Fri)',
    },
    {
      name: 'rejects an hour past 24',
      text: 'Mon-Fri 07:00-25:00',
      message: 'invalid time "25:00" in "Mon-Fri 07:00-25:00": expected 00:00 to 23:59, or 24:00 as an end',
    },
    {
      name: 'rejects minute 60',
      text: 'Mon-Fri 07:60-20:00',
      message: 'invalid time "07:60" in "Mon-Fri 07:60-20:00": expected 00:00 to 23:59, or 24:00 as an end',
    },
    {
      name: 'rejects 24:30',
      text: 'Mon-Fri 20:00-24:30',
      message: 'invalid time "24:30" in "Mon-Fri 20:00-24:30": expected 00:00 to 23:59, or 24:00 as an end',
    },
    {
      name: 'rejects 24:00 as a start',
      text: 'Mon-Fri 24:00-06:00',
      message: 'invalid time "24:00" in "Mon-Fri 24:00-06:00": 24:00 is only allowed as an end',
    },
    {
      name: 'rejects times that are not HH:MM',
      text: 'Mon-Fri 7h-20h',
      message: 'invalid time "7h" in "Mon-Fri 7h-20h": expected HH:MM',
    },
    {
      name: 'rejects a single time instead of a range',
      text: 'Mon-Fri 07:00 Europe/Berlin',
      message: 'invalid time range "07:00" in "Mon-Fri 07:00 Europe/Berlin": expected HH:MM-HH:MM',
    },
    {
      name: 'rejects a time range whose start equals its end',
      text: 'Mon-Fri 07:00-07:00',
      message: 'empty time range "07:00-07:00" in "Mon-Fri 07:00-07:00": start equals end (a whole day is 00:00-24:00)',
    },
    {
      name: 'rejects 00:00-00:00, which kube-downscaler silently never matches',
      text: 'Sat 00:00-00:00',
      message: 'empty time range "00:00-00:00" in "Sat 00:00-00:00": start equals end (a whole day is 00:00-24:00)',
    },
    {
      name: 'rejects a day offset other than +1',
      text: 'Fri 20:00-08:00+2',
      message: 'invalid day offset "+2" in "Fri 20:00-08:00+2": only "+1" (the end is on the next day) is supported',
    },
    {
      name: 'rejects 24:00+1',
      text: 'Fri 20:00-24:00+1',
      message: 'invalid time "24:00+1" in "Fri 20:00-24:00+1": with "+1" the end is 00:00 to 23:59 of the next day',
    },
    {
      name: 'rejects +1 on the start',
      text: 'Fri 20:00+1-08:00',
      message: 'invalid time "20:00+1" in "Fri 20:00+1-08:00": expected HH:MM',
    },
    {
      name: 'rejects an unknown time zone',
      text: 'Mon-Fri 07:00-20:00 Mars/Base',
      message:
        'unknown time zone "Mars/Base" in "Mon-Fri 07:00-20:00 Mars/Base": expected an IANA name such as Europe/Berlin',
    },
    {
      name: 'rejects words after the time zone',
      text: 'Mon-Fri 07:00-20:00 Europe/Berlin daily',
      message:
        /^unexpected "daily" after the time zone in "Mon-Fri 07:00-20:00 Europe\/Berlin daily": expected "Mon-Fri 07:30-20:30 Europe\/Berlin"/,
    },
    {
      name: 'rejects weekdays without a time range',
      text: 'Mon-Fri',
      message: 'missing time range (HH:MM-HH:MM) in "Mon-Fri"',
    },
    {
      name: 'rejects a single weekday without a time range',
      text: 'Sat',
      message: 'missing time range (HH:MM-HH:MM) in "Sat"',
    },
    {
      name: 'rejects a word it does not know, listing the forms it does',
      text: 'sometimes',
      message:
        'unrecognized timespan "sometimes": expected "Mon-Fri 07:30-20:30 Europe/Berlin", "<RFC3339> - <RFC3339>", "from <RFC3339>", "until <RFC3339>", "always" or "never"',
    },
    {
      name: 'rejects an absolute range whose start equals its end',
      text: '2026-04-01T00:00:00Z - 2026-04-01T02:00:00+02:00',
      message: 'empty absolute timespan "2026-04-01T00:00:00Z - 2026-04-01T02:00:00+02:00": start equals end',
    },
    {
      name: 'rejects an absolute range that ends before it starts',
      text: '2026-04-02T00:00:00Z - 2026-04-01T00:00:00Z',
      message: 'absolute timespan "2026-04-02T00:00:00Z - 2026-04-01T00:00:00Z" ends before it starts',
    },
    {
      name: 'rejects an absolute time without an offset, naming that time',
      text: '2019-04-01T00:00:00-2019-04-02T00:00:00',
      message:
        'invalid RFC3339 time "2019-04-01T00:00:00" in "2019-04-01T00:00:00-2019-04-02T00:00:00": missing offset (Z or ±HH:MM)',
    },
    {
      name: 'rejects a day that does not exist',
      text: '2026-02-29T00:00:00Z - 2026-03-01T00:00:00Z',
      message:
        'invalid RFC3339 time "2026-02-29T00:00:00Z" in "2026-02-29T00:00:00Z - 2026-03-01T00:00:00Z": day 29 does not exist in 2026-02',
    },
    {
      name: 'rejects month 13',
      text: '2026-13-01T00:00:00Z - 2027-01-02T00:00:00Z',
      message:
        'invalid RFC3339 time "2026-13-01T00:00:00Z" in "2026-13-01T00:00:00Z - 2027-01-02T00:00:00Z": month 13 is out of range',
    },
    {
      name: 'rejects fractional seconds in a boundary',
      text: 'from 2026-04-01T00:00:00.5Z',
      message:
        'invalid RFC3339 time "2026-04-01T00:00:00.5Z" in "from 2026-04-01T00:00:00.5Z": fractional seconds are not supported (boundaries are whole seconds)',
    },
    {
      name: 'rejects one absolute time without a second',
      text: '2026-04-01T00:00:00Z',
      message:
        'invalid absolute timespan "2026-04-01T00:00:00Z": expected "<RFC3339> - <RFC3339>", e.g. "2026-04-01T00:00:00+02:00 - 2026-04-02T00:00:00+02:00"',
    },
    { name: 'rejects "from" without a time', text: 'from', message: 'missing time after "from" in "from"' },
    {
      name: 'rejects "until" with something that is not a time',
      text: 'until tomorrow',
      message:
        'invalid RFC3339 time "tomorrow" in "until tomorrow": expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset such as +02:00',
    },
  ];
  for (const { name, text, message } of invalid) {
    it(name, () => {
      assert.throws(
        () => parseTimespan(text),
        (err: unknown) => {
          assert.ok(err instanceof ScheduleSyntaxError, `expected a ScheduleSyntaxError, got ${String(err)}`);
          if (typeof message === 'string') assert.equal(err.message, message);
          else assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('names the offending item of a list in the error, not the whole list', () => {
    assert.throws(
      () => parseTimespan('Mon-Fri 07:00-20:00 UTC, Sat 25:00-26:00 UTC'),
      (err: unknown) =>
        err instanceof ScheduleSyntaxError &&
        err.item === 'Sat 25:00-26:00 UTC' &&
        err.message.startsWith('invalid time "25:00" in "Sat 25:00-26:00 UTC"'),
    );
  });
});

describe('parseSchedule', () => {
  it('defaults the time zone to UTC and parses whichever of uptime and downtime is set', () => {
    const parsed = parseSchedule({ uptime: 'Mon-Fri 07:00-20:00' });
    assert.equal(parsed.timeZone, 'UTC');
    assert.equal(parsed.uptime?.length, 1);
    assert.equal(parsed.downtime, undefined);
  });

  it('keeps a given time zone', () => {
    assert.equal(parseSchedule({ downtime: 'never', timeZone: 'Asia/Kathmandu' }).timeZone, 'Asia/Kathmandu');
  });

  it('prefixes an error with the field it came from, ready for the ScheduleValid condition', () => {
    assert.throws(() => parseSchedule({ downtime: 'Mnd-Fri 07:00-20:00' }), {
      name: 'ScheduleSyntaxError',
      message: /^downtime: unknown weekday "Mnd" in "Mnd-Fri 07:00-20:00"/,
    });
    assert.throws(() => parseSchedule({ uptime: '' }), {
      name: 'ScheduleSyntaxError',
      message: 'uptime: empty timespan',
    });
  });

  it('rejects an unknown schedule time zone even when every item names its own', () => {
    assert.throws(() => parseSchedule({ uptime: 'Mon-Fri 07:00-20:00 UTC', timeZone: 'Mars/Base' }), {
      name: 'ScheduleSyntaxError',
      message: 'timeZone: unknown time zone "Mars/Base": expected an IANA name such as Europe/Berlin',
    });
  });
});
