import { strict as assert } from 'node:assert';
import { parseSchedule } from '../../../operator/schedule/grammar.js';
import { ASCII_GLYPHS, drawWeekStrip, weekStrip } from '../../../operator/schedule/week-strip.js';

describe('weekStrip', () => {
  it('draws Mon-Fri 07:00-20:00 Berlin from the local Monday, with the spring-forward Sunday 23 h long', () => {
    // Wed 25 Mar 2026 12:00Z = 13:00 CET; Berlin springs forward on Sun 29 Mar at 02:00.
    const strip = weekStrip(
      parseSchedule({ uptime: 'Mon-Fri 07:00-20:00', timeZone: 'Europe/Berlin' }),
      new Date('2026-03-25T12:00:00Z'),
    );
    assert.deepEqual(drawWeekStrip(strip), [
      '           00    06    12    18',
      'Mon 03-23  ·······█████████████····',
      'Tue 03-24  ·······█████████████····',
      'Wed 03-25  ·······█████████████····  ◂ now 13:00',
      'Thu 03-26  ·······█████████████····',
      'Fri 03-27  ·······█████████████····',
      'Sat 03-28  ························',
      'Sun 03-29  ·· ·····················  23 h: 02 not on the clock',
      '█ awake  · asleep  ▌ changes within the hour  (one column per wall-clock hour, Europe/Berlin)',
    ]);
    assert.deepEqual(
      strip.days.map((day) => [day.date, day.hoursOnClock]),
      [
        ['2026-03-23', 24],
        ['2026-03-24', 24],
        ['2026-03-25', 24],
        ['2026-03-26', 24],
        ['2026-03-27', 24],
        ['2026-03-28', 24],
        ['2026-03-29', 23],
      ],
    );
    assert.deepEqual(strip.days[6]!.skippedHours, [2]);
  });

  it('marks an hour the schedule changes in as partial', () => {
    const strip = weekStrip(
      parseSchedule({ uptime: 'Mon-Fri 07:30-20:00', timeZone: 'America/New_York' }),
      new Date('2026-11-02T12:00:00Z'),
    );
    assert.equal(drawWeekStrip(strip, ASCII_GLYPHS)[1], 'Mon 11-02  .......+############....  <- now 07:00');
    assert.equal(strip.days[0]!.hours[7], 'partial');
  });

  it('gives the repeated fall-back hour in New York both of its occurrences', () => {
    // Sun 1 Nov 2026: 01:00-02:00 is shown twice, EDT (05:00Z-06:00Z) then EST (06:00Z-07:00Z). Asleep during the
    // first only, the column is partial; asleep during both (a wall-clock range), it is asleep.
    const now = new Date('2026-10-28T12:00:00Z');
    const firstOnly = weekStrip(
      parseSchedule({ downtime: '2026-11-01T05:00:00Z - 2026-11-01T06:00:00Z', timeZone: 'America/New_York' }),
      now,
    );
    const sunday = firstOnly.days[6]!;
    assert.deepEqual([sunday.date, sunday.hoursOnClock, sunday.repeatedHours], ['2026-11-01', 25, [1]]);
    assert.equal(drawWeekStrip(firstOnly)[7], 'Sun 11-01  █▌██████████████████████  25 h: 01 twice');

    const both = weekStrip(parseSchedule({ downtime: 'Sun 01:00-02:00', timeZone: 'America/New_York' }), now);
    assert.equal(both.days[6]!.hours[1], 'asleep');
    assert.equal(drawWeekStrip(both)[7], 'Sun 11-01  █·██████████████████████  25 h: 01 twice');
  });

  it('leaves the skipped spring-forward hour in New York blank', () => {
    const strip = weekStrip(
      parseSchedule({ downtime: 'Mon-Sun 00:00-03:00', timeZone: 'America/New_York' }),
      new Date('2026-03-08T12:00:00Z'),
    );
    assert.equal(
      drawWeekStrip(strip)[7],
      'Sun 03-08  ·· █████████████████████  23 h: 02 not on the clock; ◂ now 08:00',
    );
    assert.equal(strip.days[6]!.hours[2], 'none');
  });
});
