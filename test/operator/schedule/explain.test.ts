import { strict as assert } from 'node:assert';
import { explainSchedule, runExplain, USAGE_EXIT_CODE } from '../../../operator/schedule/explain.js';
import { ScheduleSyntaxError } from '../../../operator/schedule/grammar.js';

describe('explainSchedule', () => {
  it('says asleep on a Saturday and names Monday 07:00 Berlin summer time as the next transition', () => {
    // Mon 30 Mar 2026 07:00 CEST (+2) = 05:00Z.
    assert.deepEqual(
      explainSchedule({ uptime: 'Mon-Fri 07:00-20:00 Europe/Berlin', at: new Date('2026-03-28T12:00:00Z') }),
      {
        awake: false,
        nextTransition: '2026-03-30T05:00:00Z',
        meaning: [
          '"Mon-Fri 07:00-20:00 Europe/Berlin": on Mon, Tue, Wed, Thu, Fri, 07:00 to 20:00 wall-clock time in Europe/Berlin',
        ],
      },
    );
  });

  it('reads zone-less items in UTC when no time zone is given', () => {
    assert.deepEqual(explainSchedule({ uptime: 'Mon-Fri 07:00-20:00', at: new Date('2026-03-30T06:00:00Z') }), {
      awake: false,
      nextTransition: '2026-03-30T07:00:00Z',
      meaning: ['"Mon-Fri 07:00-20:00": on Mon, Tue, Wed, Thu, Fri, 07:00 to 20:00 wall-clock time in UTC'],
    });
  });

  it('reads zone-less items in the given time zone', () => {
    // Mon 2 Mar 07:00 IST (+05:30) = 01:30Z; 20:00 IST = 14:30Z.
    assert.deepEqual(
      explainSchedule({
        uptime: 'Mon-Fri 07:00-20:00',
        timeZone: 'Asia/Kolkata',
        at: new Date('2026-03-02T06:00:00Z'),
      }),
      {
        awake: true,
        nextTransition: '2026-03-02T14:30:00Z',
        meaning: ['"Mon-Fri 07:00-20:00": on Mon, Tue, Wed, Thu, Fri, 07:00 to 20:00 wall-clock time in Asia/Kolkata'],
      },
    );
  });

  it('says awake outside downtime and names the start of downtime', () => {
    // Sat 28 Mar 00:00 CET (+1) = 27 Mar 23:00Z.
    assert.deepEqual(
      explainSchedule({ downtime: 'Sat-Sun 00:00-24:00 Europe/Berlin', at: new Date('2026-03-27T12:00:00Z') }),
      {
        awake: true,
        nextTransition: '2026-03-27T23:00:00Z',
        meaning: ['"Sat-Sun 00:00-24:00 Europe/Berlin": on Sat, Sun, 00:00 to 24:00 wall-clock time in Europe/Berlin'],
      },
    );
  });

  it('gives null as the next transition when nothing changes within 366 days', () => {
    assert.deepEqual(explainSchedule({ downtime: 'always', at: new Date('2026-03-27T12:00:00Z') }), {
      awake: false,
      nextTransition: null,
      meaning: ['"always": always'],
    });
    assert.deepEqual(explainSchedule({ uptime: 'from 2027-06-01T00:00:00Z', at: new Date('2026-03-27T12:00:00Z') }), {
      awake: false,
      nextTransition: null,
      meaning: ['"from 2027-06-01T00:00:00Z": from 2027-06-01T00:00:00Z on'],
    });
  });

  it('reads Mon-Fri 20:00-08:00 as kube-downscaler does and says so: Monday 00:00-08:00 asleep, Saturday morning awake', () => {
    const explain = (at: string) =>
      explainSchedule({ downtime: 'Mon-Fri 20:00-08:00', timeZone: 'Europe/Berlin', at: new Date(at) });
    // Mon 2 Mar 2026 07:00 CET = 06:00Z: inside downtime, which ends at 08:00 CET = 07:00Z.
    assert.deepEqual(explain('2026-03-02T06:00:00Z'), {
      awake: false,
      nextTransition: '2026-03-02T07:00:00Z',
      meaning: [
        '"Mon-Fri 20:00-08:00": on Mon, Tue, Wed, Thu, Fri, 00:00 to 08:00 and 20:00 to 24:00 wall-clock time in Europe/Berlin (weekday and time of day checked apart, as kube-downscaler does; "20:00-08:00+1" would run each night into the next day)',
      ],
    });
    // Sat 7 Mar 07:00 CET = 06:00Z: awake; the next sleep is Mon 9 Mar 00:00 CET = 8 Mar 23:00Z.
    assert.deepEqual(explain('2026-03-07T06:00:00Z'), {
      awake: true,
      nextTransition: '2026-03-08T23:00:00Z',
      meaning: explain('2026-03-02T06:00:00Z').meaning,
    });
  });

  it('reads Mon-Fri 20:00-08:00+1 as nights that start on the listed days', () => {
    // Sat 7 Mar 07:00 CET = 06:00Z: Friday's night, asleep until 08:00 CET = 07:00Z.
    assert.deepEqual(
      explainSchedule({
        downtime: 'Mon-Fri 20:00-08:00+1',
        timeZone: 'Europe/Berlin',
        at: new Date('2026-03-07T06:00:00Z'),
      }),
      {
        awake: false,
        nextTransition: '2026-03-07T07:00:00Z',
        meaning: [
          '"Mon-Fri 20:00-08:00+1": on Mon, Tue, Wed, Thu, Fri, from 20:00 to 08:00 the next day, wall-clock time in Europe/Berlin',
        ],
      },
    );
  });

  it('counts both 01:15s of the New York fall-back night inside 01:00-01:30', () => {
    const explain = (at: string) =>
      explainSchedule({ downtime: '01:00-01:30', timeZone: 'America/New_York', at: new Date(at) });
    // 01:15 EDT = 05:15Z, asleep until 01:30 EDT = 05:30Z; 01:15 EST = 06:15Z, asleep until 01:30 EST = 06:30Z.
    assert.deepEqual(
      [explain('2026-11-01T01:15:00-04:00'), explain('2026-11-01T01:15:00-05:00')].map(({ awake, nextTransition }) => ({
        awake,
        nextTransition,
      })),
      [
        { awake: false, nextTransition: '2026-11-01T05:30:00Z' },
        { awake: false, nextTransition: '2026-11-01T06:30:00Z' },
      ],
    );
  });

  it('describes absolute, open-ended and constant items', () => {
    assert.deepEqual(
      explainSchedule({
        uptime: '2019-01-01T00:00:00+00:00-2019-01-02T12:34:56+00:00, until 2019-01-01T00:00:00Z, never',
        at: new Date('2026-03-27T12:00:00Z'),
      }).meaning,
      [
        '"2019-01-01T00:00:00+00:00-2019-01-02T12:34:56+00:00": from 2019-01-01T00:00:00Z to 2019-01-02T12:34:56Z (end exclusive)',
        '"until 2019-01-01T00:00:00Z": until 2019-01-01T00:00:00Z (exclusive)',
        '"never": never',
      ],
    );
  });

  it('throws a ScheduleSyntaxError naming the field for a bad spec', () => {
    assert.throws(
      () => explainSchedule({ uptime: 'Mon-Fri 07:00-25:00', at: new Date() }),
      (err: unknown) => err instanceof ScheduleSyntaxError && err.message.startsWith('uptime: invalid time "25:00"'),
    );
  });
});

describe('explainSchedule with holidays', () => {
  it('says asleep on a holiday the uptime has awake, describes each holiday and names the one in progress', () => {
    // Thu 24 Dec 2026 12:00 CET; the range ends at Sun 27 Dec 00:00 CET, the next wake is Mon 28 Dec 07:00 CET.
    assert.deepEqual(
      explainSchedule({
        uptime: 'Mon-Fri 07:00-20:00',
        timeZone: 'Europe/Berlin',
        holidays: ['2026-12-31', '2026-12-24..2026-12-26'],
        at: new Date('2026-12-24T11:00:00Z'),
      }),
      {
        awake: false,
        nextTransition: '2026-12-28T06:00:00Z',
        meaning: ['"Mon-Fri 07:00-20:00": on Mon, Tue, Wed, Thu, Fri, 07:00 to 20:00 wall-clock time in Europe/Berlin'],
        holidays: [
          '"2026-12-31": asleep all day 2026-12-31 in Europe/Berlin, from 2026-12-30T23:00:00Z to 2026-12-31T23:00:00Z (24 h)',
          '"2026-12-24..2026-12-26": asleep all day 2026-12-24 to 2026-12-26 in Europe/Berlin, from 2026-12-23T23:00:00Z to 2026-12-26T23:00:00Z (72 h)',
        ],
        nextHoliday: '2026-12-24',
      },
    );
  });

  it('shows a 23-hour holiday on a DST day and null as the next holiday once all are over', () => {
    const explanation = explainSchedule({
      uptime: 'always',
      timeZone: 'America/New_York',
      holidays: ['2026-03-08'],
      at: new Date('2026-03-08T12:00:00Z'),
    });
    assert.deepEqual(explanation.holidays, [
      '"2026-03-08": asleep all day 2026-03-08 in America/New_York, from 2026-03-08T05:00:00Z to 2026-03-09T04:00:00Z (23 h)',
    ]);
    assert.equal(explanation.awake, false);
    assert.equal(explanation.nextTransition, '2026-03-09T04:00:00Z');
    assert.equal(
      explainSchedule({ uptime: 'always', holidays: ['2026-03-08'], at: new Date('2026-06-01T00:00:00Z') }).nextHoliday,
      null,
    );
  });

  it('throws a ScheduleSyntaxError naming the field for a bad holiday', () => {
    assert.throws(() => explainSchedule({ uptime: 'always', holidays: ['2026-12-26..2026-12-24'], at: new Date() }), {
      name: 'ScheduleSyntaxError',
      message: 'holidays: holiday range "2026-12-26..2026-12-24" ends before it starts',
    });
  });
});

describe('runExplain', () => {
  it('prints one JSON line and exits 0', () => {
    assert.deepEqual(runExplain({ uptime: 'Mon-Fri 07:00-20:00 Europe/Berlin', at: '2026-03-28T12:00:00Z' }), {
      stdout:
        '{"awake":false,"nextTransition":"2026-03-30T05:00:00Z","meaning":["\\"Mon-Fri 07:00-20:00 Europe/Berlin\\": on Mon, Tue, Wed, Thu, Fri, 07:00 to 20:00 wall-clock time in Europe/Berlin"]}\n',
      stderr: '',
      exitCode: 0,
    });
  });

  it('accepts --at with an offset and with fractional seconds', () => {
    // 13:00:00.250+01:00 = 12:00:00.25Z, inside downtime Sat 28 Mar; it ends Mon 30 Mar 00:00 CEST = 29 Mar 22:00Z.
    assert.equal(
      runExplain({ downtime: 'Sat-Sun 00:00-24:00', timeZone: 'Europe/Berlin', at: '2026-03-28T13:00:00.250+01:00' })
        .stdout,
      '{"awake":false,"nextTransition":"2026-03-29T22:00:00Z","meaning":["\\"Sat-Sun 00:00-24:00\\": on Sat, Sun, 00:00 to 24:00 wall-clock time in Europe/Berlin"]}\n',
    );
  });

  it('prints null for a schedule that never changes', () => {
    assert.equal(
      runExplain({ uptime: 'always', at: '2026-03-28T12:00:00Z' }).stdout,
      '{"awake":true,"nextTransition":null,"meaning":["\\"always\\": always"]}\n',
    );
  });

  it('takes --holidays as a comma list in the --time-zone and adds holidays and nextHoliday to the line', () => {
    const result = runExplain({
      uptime: 'Mon-Fri 07:00-20:00',
      timeZone: 'Europe/Berlin',
      holidays: '2026-12-24, 2026-12-25..2026-12-26',
      at: '2026-12-23T18:00:00Z',
    });
    assert.equal(result.exitCode, 0);
    assert.deepEqual(JSON.parse(result.stdout), {
      awake: true,
      nextTransition: '2026-12-23T19:00:00Z',
      meaning: ['"Mon-Fri 07:00-20:00": on Mon, Tue, Wed, Thu, Fri, 07:00 to 20:00 wall-clock time in Europe/Berlin'],
      holidays: [
        '"2026-12-24": asleep all day 2026-12-24 in Europe/Berlin, from 2026-12-23T23:00:00Z to 2026-12-24T23:00:00Z (24 h)',
        '"2026-12-25..2026-12-26": asleep all day 2026-12-25 to 2026-12-26 in Europe/Berlin, from 2026-12-24T23:00:00Z to 2026-12-26T23:00:00Z (48 h)',
      ],
      nextHoliday: '2026-12-24',
    });
  });

  const failures: { name: string; options: Parameters<typeof runExplain>[0]; stderr: string }[] = [
    {
      name: 'refuses --holidays with an impossible date, naming it',
      options: { uptime: 'always', holidays: '2026-12-24,2026-02-30', at: '2026-03-28T12:00:00Z' },
      stderr: '--holidays: invalid date "2026-02-30": day 30 does not exist in 2026-02',
    },
    {
      name: 'refuses --holidays with overlapping entries, naming both',
      options: { uptime: 'always', holidays: '2026-12-24..2026-12-26,2026-12-26', at: '2026-03-28T12:00:00Z' },
      stderr: '--holidays: holiday "2026-12-26" overlaps "2026-12-24..2026-12-26"',
    },
    {
      name: 'refuses an empty --holidays',
      options: { uptime: 'always', holidays: '', at: '2026-03-28T12:00:00Z' },
      stderr:
        '--holidays: empty holiday at position 1: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (both days inclusive), e.g. "2026-12-24..2026-12-26"',
    },
    {
      name: 'refuses both --uptime and --downtime',
      options: { uptime: 'always', downtime: 'never', at: '2026-03-28T12:00:00Z' },
      stderr: 'set exactly one of --uptime or --downtime',
    },
    {
      name: 'refuses neither --uptime nor --downtime',
      options: { at: '2026-03-28T12:00:00Z' },
      stderr: 'set exactly one of --uptime or --downtime',
    },
    {
      name: 'refuses a missing --at',
      options: { uptime: 'always' },
      stderr: '--at is required (an RFC3339 time with an offset or Z, e.g. 2026-03-28T12:00:00Z)',
    },
    {
      name: 'refuses an --at without an offset',
      options: { uptime: 'always', at: '2026-03-28T12:00:00' },
      stderr: '--at: invalid RFC3339 time "2026-03-28T12:00:00": missing offset (Z or ±HH:MM)',
    },
    {
      name: 'refuses an --at that is not a time',
      options: { uptime: 'always', at: 'now' },
      stderr:
        '--at: invalid RFC3339 time "now": expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset such as +02:00',
    },
    {
      name: 'refuses an unknown --time-zone',
      options: { uptime: 'always', timeZone: 'Mars/Base', at: '2026-03-28T12:00:00Z' },
      stderr: '--time-zone: unknown time zone "Mars/Base": expected an IANA name such as Europe/Berlin',
    },
    {
      name: 'refuses an --uptime with an unknown weekday, naming it',
      options: { uptime: 'Mnd-Fri 07:00-20:00', at: '2026-03-28T12:00:00Z' },
      stderr: '--uptime: unknown weekday "Mnd" in "Mnd-Fri 07:00-20:00": expected Mon, Tue, Wed, Thu, Fri, Sat or Sun',
    },
    {
      name: 'refuses a --downtime with an unknown zone, naming it',
      options: { downtime: 'Sat-Sun 00:00-24:00 Mars/Base', at: '2026-03-28T12:00:00Z' },
      stderr:
        '--downtime: unknown time zone "Mars/Base" in "Sat-Sun 00:00-24:00 Mars/Base": expected an IANA name such as Europe/Berlin',
    },
    {
      name: 'refuses an empty --uptime',
      options: { uptime: '', at: '2026-03-28T12:00:00Z' },
      stderr: '--uptime: empty timespan',
    },
  ];
  for (const { name, options, stderr } of failures) {
    it(`${name}, with exit code 2 and nothing on stdout`, () => {
      assert.deepEqual(runExplain(options), {
        stdout: '',
        stderr: `roleplane schedule explain: ${stderr}\n`,
        exitCode: USAGE_EXIT_CODE,
      });
    });
  }
});
