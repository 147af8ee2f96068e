/**
 * Evaluates parsed timespans against the clock: is an instant inside a spec, and when does that next change.
 *
 * Weekly items are read off the wall clock, as kube-downscaler reads them: an instant is inside when the
 * local weekday and local time of day it shows match. So on Berlin's spring-forward day `02:30-03:30` runs
 * from the jump (03:00 CEST, 01:00Z) to 03:30 CEST, since 02:30 is never shown; on the fall-back day, when
 * 02:00-02:59 is shown twice, it runs 00:30Z-01:00Z (the first 02:30-02:59, CEST) and again 01:30Z-02:30Z
 * (the second 02:30 to 03:30 CET). A span wholly inside a gap does not happen; one inside a repeat happens twice.
 *
 * Rather than stepping through time, each call builds the set of active intervals over the window it needs
 * (a few days for `isActiveAt`, the horizon for `nextChange`) and reads the answer off it: the wall-clock
 * stretches of each local day, turned into instants piece by piece between the zone's offset changes.
 */
import type { IsoWeekday, ParsedSchedule, TimespanRule, WeeklyRule } from './grammar.js';
import { holidayIntervals } from './holidays.js';
import {
  complement,
  contains,
  EVERYTHING,
  intersect,
  type Interval,
  type IntervalSet,
  nextEdge,
  normalize,
} from './intervals.js';
import { DAY_MS, MINUTE_MS, ZoneClock } from './zone-clock.js';

/** How far ahead `nextChange` and `nextTransition` look unless told otherwise. */
export const DEFAULT_HORIZON_DAYS = 366;

/**
 * Local days laid out either side of a window. A span ends on the day after its start at the latest (`…+1`),
 * and UTC offsets are within a day of zero; two days is ample. Spans cut off by the window only produce
 * edges outside it, which the callers never read.
 */
const MARGIN_DAYS = 2;

/** ISO weekday of a local day number (days since 1970-01-01, a Thursday). */
function isoWeekdayOf(localDay: number): IsoWeekday {
  return (((((localDay + 3) % 7) + 7) % 7) + 1) as IsoWeekday;
}

/** One ZoneClock per zone for the length of a call. The default zone is checked up front, used or not. */
class Clocks {
  private readonly byZone = new Map<string, ZoneClock>();

  constructor(readonly defaultZone: string) {
    this.for(defaultZone);
  }

  for(zone: string | undefined): ZoneClock {
    const name = zone ?? this.defaultZone;
    let clock = this.byZone.get(name);
    if (clock === undefined) this.byZone.set(name, (clock = new ZoneClock(name)));
    return clock;
  }
}

/** The stretches of local wall time (local epoch ms) a weekly rule covers that belong to local day `day`'s listing. */
function wallSpansOfDay(rule: WeeklyRule, day: number): Interval[] {
  if (!rule.weekdays.includes(isoWeekdayOf(day))) return [];
  const midnight = day * DAY_MS;
  const start = midnight + rule.startMinute * MINUTE_MS;
  if (rule.endsNextDay) return [[start, midnight + DAY_MS + rule.endMinute * MINUTE_MS]];
  const end = midnight + rule.endMinute * MINUTE_MS;
  if (rule.endMinute > rule.startMinute) return [[start, end]];
  // Reversed (kube-downscaler): the listed day's start of day up to the end, and the start up to 24:00.
  return [
    [midnight, end],
    [start, midnight + DAY_MS],
  ];
}

/**
 * The instants in [fromMs, toMs) (widened by the margin) whose local wall time a weekly rule covers. Within
 * one offset segment wall time is the instant plus a constant, so each wall stretch maps to one interval by
 * subtracting it; a repeated hour lies in two segments and so is found twice, a skipped one in none.
 */
function weeklyIntervals(rule: WeeklyRule, clock: ZoneClock, fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = [];
  const segments = clock.offsetSegments(fromMs - MARGIN_DAYS * DAY_MS, toMs + MARGIN_DAYS * DAY_MS);
  for (const { startMs, endMs, offsetMs } of segments) {
    // Days whose spans can reach into the segment: a `+1` span reaches one day past its listing day.
    const firstDay = Math.floor((startMs + offsetMs) / DAY_MS) - 1;
    const lastDay = Math.floor((endMs + offsetMs) / DAY_MS);
    for (let day = firstDay; day <= lastDay; day++) {
      for (const [wallStart, wallEnd] of wallSpansOfDay(rule, day)) {
        const start = Math.max(wallStart - offsetMs, startMs);
        const end = Math.min(wallEnd - offsetMs, endMs);
        if (start < end) out.push([start, end]);
      }
    }
  }
  return out;
}

/**
 * The instants at which `rules` are active, exact within [fromMs, toMs]. Outside that window the set is
 * cut off and must not be read.
 */
function activeSet(rules: readonly TimespanRule[], clocks: Clocks, fromMs: number, toMs: number): IntervalSet {
  const intervals: Interval[] = [];
  for (const rule of rules) {
    switch (rule.kind) {
      case 'always':
        return EVERYTHING;
      case 'never':
        break;
      case 'absolute':
        intervals.push([rule.startMs, rule.endMs]);
        break;
      case 'weekly':
        intervals.push(...weeklyIntervals(rule, clocks.for(rule.timeZone), fromMs, toMs));
        break;
    }
  }
  return normalize(intervals);
}

function horizonMs(horizonDays: number): number {
  if (!Number.isFinite(horizonDays) || horizonDays < 0)
    throw new RangeError(`horizonDays must be a finite number >= 0 (got ${horizonDays})`);
  return horizonDays * DAY_MS;
}

function toDate(epochMs: number | null): Date | null {
  return epochMs === null ? null : new Date(epochMs);
}

/** Whether `instant` lies inside the spec. Weekly items without a zone use `defaultZone`. */
export function isActiveAt(rules: readonly TimespanRule[], instant: Date, defaultZone: string): boolean {
  const t = instant.getTime();
  return contains(activeSet(rules, new Clocks(defaultZone), t, t), t);
}

/**
 * The first instant strictly after `instant` at which the spec's active state changes, or null if it does
 * not change within `horizonDays` days (24 h each; a change exactly at the horizon counts).
 */
export function nextChange(
  rules: readonly TimespanRule[],
  instant: Date,
  defaultZone: string,
  horizonDays = DEFAULT_HORIZON_DAYS,
): Date | null {
  const t = instant.getTime();
  const limit = t + horizonMs(horizonDays);
  return toDate(nextEdge(activeSet(rules, new Clocks(defaultZone), t, limit), t, limit));
}

/**
 * The instants at which a schedule wants its namespaces awake: inside `uptime` (everywhere if none),
 * outside `downtime` (nowhere if none) and outside its holidays (whole local days in its `timeZone`). The CRD
 * allows only one of uptime and downtime; both are honoured the way kube-downscaler combines them.
 */
function awakeSet(schedule: ParsedSchedule, fromMs: number, toMs: number): IntervalSet {
  const clocks = new Clocks(schedule.timeZone);
  const up = schedule.uptime === undefined ? EVERYTHING : activeSet(schedule.uptime, clocks, fromMs, toMs);
  const awake =
    schedule.downtime === undefined
      ? up
      : intersect(up, complement(activeSet(schedule.downtime, clocks, fromMs, toMs)));
  if (schedule.holidays === undefined) return awake;
  const holidays = holidayIntervals(schedule.holidays, clocks.for(undefined), fromMs, toMs);
  return intersect(awake, complement(normalize(holidays)));
}

/** Whether the schedule wants its namespaces awake at `at`. */
export function desiredAwake(schedule: ParsedSchedule, at: Date): boolean {
  const t = at.getTime();
  return contains(awakeSet(schedule, t, t), t);
}

/** The first instant strictly after `at` at which `desiredAwake` changes, or null within the horizon. */
export function nextTransition(schedule: ParsedSchedule, at: Date, horizonDays = DEFAULT_HORIZON_DAYS): Date | null {
  const t = at.getTime();
  const limit = t + horizonMs(horizonDays);
  return toDate(nextEdge(awakeSet(schedule, t, limit), t, limit));
}
