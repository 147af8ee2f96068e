/**
 * A schedule's week as people read a wall calendar: seven local days from the Monday of the week holding `now`, each
 * cut into its 24 wall-clock hours in the schedule's zone, each hour awake, asleep or changing inside the hour. Every
 * hour is judged with `desiredAwake` and `nextTransition`, the functions the operator acts on, so the strip shows what
 * the operator will do and anything they learn (holidays, say) shows here without a change.
 *
 * DST days keep their 24 columns, one per hour the wall clock names: an hour the clock skips (02:00 on a
 * spring-forward day) has no instants and is drawn blank; an hour it shows twice (01:00 on a fall-back day in New
 * York) covers both occurrences, two real hours, and is awake or asleep only if both are.
 */
import { desiredAwake, nextTransition } from './evaluate.js';
import type { ParsedSchedule } from './grammar.js';
import { DAY_MS, type OffsetSegment, ZoneClock } from './zone-clock.js';

const HOUR_MS = 3_600_000;

/** One wall-clock hour: `none` when the clock skips it that day, `partial` when the schedule changes inside it. */
export type HourState = 'awake' | 'asleep' | 'partial' | 'none';

export interface StripDay {
  /** Local date, `2026-03-30`. */
  readonly date: string;
  /** `Mon` … `Sun`. */
  readonly weekday: string;
  /** Real hours in the local day: 24, or 23 / 25 on a DST day. */
  readonly hoursOnClock: number;
  /** Index = wall-clock hour 0-23. */
  readonly hours: readonly HourState[];
  /** Wall-clock hours shown for longer than an hour (twice, on a fall-back day), and those never shown. */
  readonly repeatedHours: readonly number[];
  readonly skippedHours: readonly number[];
}

export interface WeekStrip {
  readonly timeZone: string;
  readonly days: readonly StripDay[];
  /** Index into `days` of the day holding `now`, and `now`'s wall-clock hour and minute. */
  readonly today: number;
  readonly nowLocal: string;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const pad = (n: number): string => String(n).padStart(2, '0');

/** ISO weekday index 0 (Mon) … 6 (Sun) of a local day number (days since 1970-01-01, a Thursday). */
function weekdayIndex(localDay: number): number {
  return (((localDay + 3) % 7) + 7) % 7;
}

function localDate(localDay: number): string {
  const d = new Date(localDay * DAY_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The instants showing wall time [wallStart, wallEnd): none in a gap, two pieces in a repeat. */
function instantsShowing(
  segments: readonly OffsetSegment[],
  wallStart: number,
  wallEnd: number,
): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  for (const { startMs, endMs, offsetMs } of segments) {
    const start = Math.max(wallStart - offsetMs, startMs);
    const end = Math.min(wallEnd - offsetMs, endMs);
    if (start < end) pieces.push([start, end]);
  }
  return pieces;
}

/** Awake or asleep throughout [startMs, endMs), or partial when the schedule changes strictly inside it. */
function stateOver(schedule: ParsedSchedule, startMs: number, endMs: number): HourState {
  const next = nextTransition(schedule, new Date(startMs), (endMs - startMs) / DAY_MS);
  if (next !== null && next.getTime() < endMs) return 'partial';
  return desiredAwake(schedule, new Date(startMs)) ? 'awake' : 'asleep';
}

function hourState(schedule: ParsedSchedule, pieces: ReadonlyArray<[number, number]>): HourState {
  if (pieces.length === 0) return 'none';
  const states = new Set(pieces.map(([start, end]) => stateOver(schedule, start, end)));
  return states.size === 1 ? [...states][0]! : 'partial';
}

/** The week (Monday to Sunday, local) holding `now`, in the schedule's zone (`schedule.timeZone`). */
export function weekStrip(schedule: ParsedSchedule, now: Date): WeekStrip {
  const clock = new ZoneClock(schedule.timeZone);
  const nowWall = clock.toLocal(now.getTime());
  const today = Math.floor(nowWall / DAY_MS);
  const monday = today - weekdayIndex(today);
  // Offsets are within a day of zero: a day either side covers every instant the week's wall hours can show.
  const segments = clock.offsetSegments((monday - 1) * DAY_MS, (monday + 8) * DAY_MS);
  const days: StripDay[] = [];
  for (let day = monday; day < monday + 7; day++) {
    const hours: HourState[] = [];
    const repeatedHours: number[] = [];
    const skippedHours: number[] = [];
    let realMs = 0;
    for (let hour = 0; hour < 24; hour++) {
      const wallStart = day * DAY_MS + hour * HOUR_MS;
      const pieces = instantsShowing(segments, wallStart, wallStart + HOUR_MS);
      const shownMs = pieces.reduce((sum, [start, end]) => sum + end - start, 0);
      if (shownMs > HOUR_MS) repeatedHours.push(hour);
      if (shownMs === 0) skippedHours.push(hour);
      realMs += shownMs;
      hours.push(hourState(schedule, pieces));
    }
    days.push({
      date: localDate(day),
      weekday: WEEKDAYS[weekdayIndex(day)]!,
      hoursOnClock: Math.round(realMs / HOUR_MS),
      hours,
      repeatedHours,
      skippedHours,
    });
  }
  const nowDate = new Date(nowWall);
  return {
    timeZone: schedule.timeZone,
    days,
    today: today - monday,
    nowLocal: `${pad(nowDate.getUTCHours())}:${pad(nowDate.getUTCMinutes())}`,
  };
}

/** The characters a strip is drawn with. */
export interface StripGlyphs {
  readonly awake: string;
  readonly asleep: string;
  readonly partial: string;
  readonly none: string;
  readonly now: string;
}

export const UNICODE_GLYPHS: StripGlyphs = { awake: '█', asleep: '·', partial: '▌', none: ' ', now: '◂ now' };
export const ASCII_GLYPHS: StripGlyphs = { awake: '#', asleep: '.', partial: '+', none: ' ', now: '<- now' };

/** Width of a day's label (`Mon 03-30`) plus the gap before its strip. */
const LABEL_WIDTH = 11;

/**
 * The strip as text lines: an hour ruler, then one line per day (`Mon 03-30  ·······█████████████····`), a note on DST
 * days (`23 h: 02 not on the clock`, `25 h: 01 twice`), `◂ now HH:MM` on today's line, and a legend.
 */
export function drawWeekStrip(strip: WeekStrip, glyphs: StripGlyphs = UNICODE_GLYPHS): string[] {
  const lines = [`${' '.repeat(LABEL_WIDTH)}00    06    12    18`];
  strip.days.forEach((day, index) => {
    const label = `${day.weekday} ${day.date.slice(5)}`.padEnd(LABEL_WIDTH);
    const cells = day.hours.map((state) => glyphs[state]).join('');
    const notes: string[] = [];
    if (day.hoursOnClock !== 24) {
      const odd = [
        ...day.skippedHours.map((hour) => `${pad(hour)} not on the clock`),
        ...day.repeatedHours.map((hour) => `${pad(hour)} twice`),
      ];
      notes.push(`${day.hoursOnClock} h${odd.length > 0 ? `: ${odd.join(', ')}` : ''}`);
    }
    if (index === strip.today) notes.push(`${glyphs.now} ${strip.nowLocal}`);
    lines.push(`${label}${cells}${notes.length > 0 ? `  ${notes.join('; ')}` : ''}`.trimEnd());
  });
  lines.push(
    `${glyphs.awake} awake  ${glyphs.asleep} asleep  ${glyphs.partial} changes within the hour` +
      `  (one column per wall-clock hour, ${strip.timeZone})`,
  );
  return lines;
}
