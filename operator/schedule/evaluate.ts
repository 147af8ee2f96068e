/**
 * Evaluates parsed timespans against the clock: is an instant inside a spec, and when does that next change.
 *
 * Weekly spans are laid out day by day in local wall time and converted to instants with ZoneClock, whose one
 * rule gives the DST behaviour: a boundary maps to the first instant the wall clock reads it, or to the jump
 * past it when a spring-forward gap skips it. So on Berlin's spring-forward day `02:30-03:30` runs from 03:00
 * CEST (the jump, 01:00Z) to 03:30 CEST; on the fall-back day it runs from the first 02:30 (CEST, 00:30Z)
 * through the repeated hour to 03:30 CET (02:30Z). A span that ends inside the repeated hour ends at the first
 * occurrence of its end; the repeat does not reopen it.
 *
 * Rather than stepping through time, each call builds the set of active intervals over the window it needs
 * (a few days for `isActiveAt`, the horizon for `nextChange`) and reads the answer off it: a 366-day search is
 * a few hundred interval computations.
 */
import type { IsoWeekday, ParsedSchedule, TimespanRule, WeeklyRule } from './grammar.js';
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
 * Local days laid out either side of a window. A span starting on day D ends on D+1 at the latest (a wrap
 * like `22:00-06:00`, or a `24:00` end), and DST moves wall time by hours, not days; two days is ample.
 * Spans cut off by the window only produce edges outside it, which the callers never read.
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

function weeklyIntervals(rule: WeeklyRule, clock: ZoneClock, fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = [];
  const wraps = rule.endMinute <= rule.startMinute;
  const lastDay = clock.localDayOf(toMs) + MARGIN_DAYS;
  for (let day = clock.localDayOf(fromMs) - MARGIN_DAYS; day <= lastDay; day++) {
    if (!rule.weekdays.includes(isoWeekdayOf(day))) continue;
    const midnight = day * DAY_MS;
    const start = clock.toInstant(midnight + rule.startMinute * MINUTE_MS);
    const end = clock.toInstant(midnight + (wraps ? DAY_MS : 0) + rule.endMinute * MINUTE_MS);
    out.push([start, end]);
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
 * The instants at which a schedule wants its namespaces awake: inside `uptime` (everywhere if none) and
 * outside `downtime` (nowhere if none). The CRD allows only one of the two; both are honoured the way
 * kube-downscaler combines them.
 */
function awakeSet(schedule: ParsedSchedule, fromMs: number, toMs: number): IntervalSet {
  const clocks = new Clocks(schedule.timeZone);
  const up = schedule.uptime === undefined ? EVERYTHING : activeSet(schedule.uptime, clocks, fromMs, toMs);
  if (schedule.downtime === undefined) return up;
  return intersect(up, complement(activeSet(schedule.downtime, clocks, fromMs, toMs)));
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
