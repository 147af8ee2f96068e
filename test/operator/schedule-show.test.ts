import { strict as assert } from 'node:assert';
import type { PowerSchedule } from '../../operator/api/power-schedule.js';
import { renderSchedules, renderSchedulesJson, showSchedule } from '../../operator/schedule-show.js';

const managed = { deployments: 3, statefulSets: 1, cronJobs: 0 };

/** Wed 25 Mar 2026 13:00 CET: dev awake; staging put to sleep until 15:00 with `roleplane sleep staging --for 2h`. */
const officeHours: PowerSchedule = {
  apiVersion: 'roleplane.io/v1alpha1',
  kind: 'PowerSchedule',
  metadata: { name: 'office-hours' },
  spec: { timeZone: 'Europe/Berlin', uptime: 'Mon-Fri 07:00-20:00' },
  status: {
    nextSleep: '2026-03-25T19:00:00Z',
    nextWake: '2026-03-26T06:00:00Z',
    namespaces: [
      { name: 'dev', phase: 'Awake', nextSleep: '2026-03-25T19:00:00Z', nextWake: '2026-03-26T06:00:00Z', managed },
      {
        name: 'staging',
        phase: 'Asleep',
        nextSleep: '2026-03-25T19:00:00Z',
        nextWake: '2026-03-25T14:00:00Z',
        managed,
      },
    ],
  },
};
const annotations = new Map([['staging', { 'roleplane.io/asleep-until': '2026-03-25T14:00:00Z' }]]);

/** Suspended, never reconciled, in New York over the fall-back week. */
const nightly: PowerSchedule = {
  apiVersion: 'roleplane.io/v1alpha1',
  kind: 'PowerSchedule',
  metadata: { name: 'nightly' },
  spec: { timeZone: 'America/New_York', downtime: 'Mon-Sun 01:00-01:30', suspend: true },
};

describe('renderSchedules', () => {
  it('shows a schedule with two namespaces, their phase, next transitions, an override and the week', () => {
    assert.equal(
      renderSchedules({
        schedules: [officeHours],
        now: new Date('2026-03-25T12:00:00Z'),
        namespaceAnnotations: annotations,
      }),
      [
        'office-hours  (Europe/Berlin; uptime "Mon-Fri 07:00-20:00")',
        '  next sleep  Wed 2026-03-25 20:00 +01:00',
        '  next wake   Thu 2026-03-26 07:00 +01:00',
        '  namespaces',
        '    dev      Awake   sleeps Wed 2026-03-25 20:00 +01:00  wakes Thu 2026-03-26 07:00 +01:00',
        '    staging  Asleep  sleeps Wed 2026-03-25 20:00 +01:00  wakes Wed 2026-03-25 15:00 +01:00',
        '      override: roleplane.io/asleep-until Wed 2026-03-25 15:00 +01:00',
        '             00    06    12    18',
        '  Mon 03-23  ·······█████████████····',
        '  Tue 03-24  ·······█████████████····',
        '  Wed 03-25  ·······█████████████····  ◂ now 13:00',
        '  Thu 03-26  ·······█████████████····',
        '  Fri 03-27  ·······█████████████····',
        '  Sat 03-28  ························',
        '  Sun 03-29  ·· ·····················  23 h: 02 not on the clock',
        '  █ awake  · asleep  ▌ changes within the hour  (one column per wall-clock hour, Europe/Berlin)',
        '',
      ].join('\n'),
    );
  });

  it('says a schedule is suspended, computes next transitions from the spec without a status, and draws in ASCII', () => {
    assert.equal(
      renderSchedules({ schedules: [nightly], now: new Date('2026-10-28T12:00:00Z') }, { ascii: true }),
      [
        'nightly  (America/New_York; downtime "Mon-Sun 01:00-01:30")',
        '  suspended: the operator takes no action; the week below is what it would do',
        '  next sleep  Thu 2026-10-29 01:00 -04:00 (from the spec; no status yet)',
        '  next wake   Thu 2026-10-29 01:30 -04:00 (from the spec; no status yet)',
        '  namespaces  none reported',
        '             00    06    12    18',
        '  Mon 10-26  #+######################',
        '  Tue 10-27  #+######################',
        '  Wed 10-28  #+######################  <- now 08:00',
        '  Thu 10-29  #+######################',
        '  Fri 10-30  #+######################',
        '  Sat 10-31  #+######################',
        '  Sun 11-01  #+######################  25 h: 01 twice',
        '  # awake  . asleep  + changes within the hour  (one column per wall-clock hour, America/New_York)',
        '',
      ].join('\n'),
    );
  });

  it('lists schedules by name, a blank line apart', () => {
    const text = renderSchedules({ schedules: [officeHours, nightly], now: new Date('2026-03-25T12:00:00Z') });
    assert.match(text, /^nightly {2}\(/);
    assert.match(text, /\n\noffice-hours {2}\(/);
  });

  it('reports an invalid spec instead of a week', () => {
    const broken: PowerSchedule = { ...nightly, metadata: { name: 'broken' }, spec: { uptime: 'Mon-Fri 25:00-26:00' } };
    const shown = showSchedule(broken, new Date('2026-03-25T12:00:00Z'));
    assert.match(shown.invalid ?? '', /^uptime: /);
    assert.equal(shown.week, undefined);
    assert.match(
      renderSchedules({ schedules: [broken], now: new Date('2026-03-25T12:00:00Z') }),
      /\n {2}invalid: uptime: /,
    );
  });
});

describe('renderSchedulesJson', () => {
  it('gives each schedule with its namespaces, override and 24 hour states per day', () => {
    const parsed = JSON.parse(
      renderSchedulesJson({
        schedules: [officeHours],
        now: new Date('2026-03-25T12:00:00Z'),
        namespaceAnnotations: annotations,
      }),
    ) as { now: string; schedules: Array<ReturnType<typeof showSchedule>> };
    assert.equal(parsed.now, '2026-03-25T12:00:00Z');
    const [schedule] = parsed.schedules;
    assert.equal(schedule!.nextFrom, 'status');
    assert.deepEqual(schedule!.namespaces[1], {
      name: 'staging',
      phase: 'Asleep',
      nextSleep: '2026-03-25T19:00:00Z',
      nextWake: '2026-03-25T14:00:00Z',
      override: { annotation: 'asleep-until', until: '2026-03-25T14:00:00Z' },
    });
    const monday = schedule!.week!.days[0]!;
    assert.equal(monday.hours.length, 24);
    assert.deepEqual(monday.hours.slice(6, 8), ['asleep', 'awake']);
    assert.equal(schedule!.week!.days[6]!.hours[2], 'none');
  });
});
