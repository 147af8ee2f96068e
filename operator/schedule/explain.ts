/**
 * `roleplane schedule explain`: evaluates a schedule offline and answers in one JSON line, so that people can
 * check a spec (and its DST behaviour) before a PowerSchedule acts on it. The CLI wiring only maps flags to
 * ExplainOptions and writes the result out; nothing here prints or exits.
 */
import { DEFAULT_TIME_ZONE } from '../api/power-schedule.js';
import { DEFAULT_HORIZON_DAYS, desiredAwake, nextTransition } from './evaluate.js';
import {
  type IsoWeekday,
  type ParsedSchedule,
  parseSchedule,
  parseTimespan,
  ScheduleSyntaxError,
  type ScheduleText,
  type TimespanRule,
  type WeeklyRule,
} from './grammar.js';
import { currentOrNextHoliday, formatDay, type Holiday, holidayInterval, parseHolidayList } from './holidays.js';
import { formatRfc3339Utc, parseRfc3339 } from './rfc3339.js';
import { assertTimeZone, ZoneClock } from './zone-clock.js';

export interface ExplainInput extends ScheduleText {
  /** The instant to evaluate at. */
  at: Date;
}

export interface Explanation {
  awake: boolean;
  /** First instant after `at` at which `awake` changes, as `2026-03-30T05:00:00Z`; null if none within 366 days. */
  nextTransition: string | null;
  /** What each item of the spec (uptime or downtime, whichever is set) means, in words, in the order written. */
  meaning: string[];
  /** Only when holidays are given: each one in words (its days and the instants they span), in the order written. */
  holidays?: string[];
  /** Only when holidays are given: first day of the holiday in progress at `at` or else the next one; null if none. */
  nextHoliday?: string | null;
}

/**
 * Whether a schedule wants its namespaces awake at `at`, and when that next changes. A missing `timeZone`
 * means UTC. Throws ScheduleSyntaxError (prefixed with the field) for a bad spec or zone.
 */
export function explainSchedule(input: ExplainInput): Explanation {
  const { at, ...text } = input;
  return explainParsed(parseSchedule(text, DEFAULT_TIME_ZONE), at);
}

function explainParsed(schedule: ParsedSchedule, at: Date): Explanation {
  const next = nextTransition(schedule, at, DEFAULT_HORIZON_DAYS);
  const rules = [...(schedule.uptime ?? []), ...(schedule.downtime ?? [])];
  const explanation: Explanation = {
    awake: desiredAwake(schedule, at),
    nextTransition: next === null ? null : formatRfc3339Utc(next.getTime()),
    meaning: rules.map((rule) => describeRule(rule, schedule.timeZone)),
  };
  if (schedule.holidays === undefined) return explanation;
  const clock = new ZoneClock(schedule.timeZone);
  const current = currentOrNextHoliday(schedule.holidays, clock, at.getTime());
  return {
    ...explanation,
    holidays: schedule.holidays.map((holiday) => describeHoliday(holiday, clock)),
    nextHoliday: current === null ? null : formatDay(current.holiday.firstDay),
  };
}

/** One holiday in words: its local days and the instants they span (23 or 25 hours on a DST-change day). */
export function describeHoliday(holiday: Holiday, clock: ZoneClock): string {
  const [startMs, endMs] = holidayInterval(holiday, clock);
  const days =
    holiday.firstDay === holiday.lastDay
      ? formatDay(holiday.firstDay)
      : `${formatDay(holiday.firstDay)} to ${formatDay(holiday.lastDay)}`;
  const hours = (endMs - startMs) / 3_600_000;
  return (
    `"${holiday.text}": asleep all day ${days} in ${clock.timeZone}, ` +
    `from ${formatRfc3339Utc(startMs)} to ${formatRfc3339Utc(endMs)} (${hours} h)`
  );
}

const DAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function days(weekdays: readonly IsoWeekday[]): string {
  return weekdays.length === 7 ? 'every day' : `on ${weekdays.map((day) => DAY_NAMES[day]).join(', ')}`;
}

function describeWeekly(rule: WeeklyRule, defaultZone: string): string {
  const zone = `wall-clock time in ${rule.timeZone ?? defaultZone}`;
  const [start, end] = [clock(rule.startMinute), clock(rule.endMinute)];
  if (rule.endsNextDay) return `${days(rule.weekdays)}, from ${start} to ${end} the next day, ${zone}`;
  if (rule.endMinute > rule.startMinute) return `${days(rule.weekdays)}, ${start} to ${end} ${zone}`;
  return (
    `${days(rule.weekdays)}, 00:00 to ${end} and ${start} to 24:00 ${zone} ` +
    `(weekday and time of day checked apart, as kube-downscaler does; "${start}-${end}+1" would run each night into the next day)`
  );
}

/** One item in words: which days and hours, in which zone, or which instants. */
export function describeRule(rule: TimespanRule, defaultZone: string): string {
  const what = ((): string => {
    switch (rule.kind) {
      case 'always':
        return 'always';
      case 'never':
        return 'never';
      case 'weekly':
        return describeWeekly(rule, defaultZone);
      case 'absolute':
        if (rule.startMs === -Infinity) return `until ${formatRfc3339Utc(rule.endMs)} (exclusive)`;
        if (rule.endMs === Infinity) return `from ${formatRfc3339Utc(rule.startMs)} on`;
        return `from ${formatRfc3339Utc(rule.startMs)} to ${formatRfc3339Utc(rule.endMs)} (end exclusive)`;
    }
  })();
  return `"${rule.text}": ${what}`;
}

/** The command's flags as commander hands them over (all strings, unset ones undefined). */
export interface ExplainOptions {
  uptime?: string;
  downtime?: string;
  timeZone?: string;
  at?: string;
  /** Comma list of `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`, in the time zone. */
  holidays?: string;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Exit code for input the command cannot use (as `roleplane synth` uses for bad values). */
export const USAGE_EXIT_CODE = 2;

function usageError(message: string): CommandResult {
  return { stdout: '', stderr: `roleplane schedule explain: ${message}\n`, exitCode: USAGE_EXIT_CODE };
}

/**
 * Runs `roleplane schedule explain --uptime "<spec>" | --downtime "<spec>" [--time-zone <IANA>]
 * [--holidays <dates>] --at <RFC3339>`. Success: exit 0 and one JSON line
 * `{"awake":…,"nextTransition":…,"meaning":[…]}`, plus `"holidays":[…],"nextHoliday":…` when holidays are
 * given. Bad input: exit 2 and a message on
 * stderr that names the flag and the bad part.
 */
export function runExplain(options: ExplainOptions): CommandResult {
  const { uptime, downtime, timeZone, at, holidays } = options;
  if ((uptime === undefined) === (downtime === undefined))
    return usageError('set exactly one of --uptime or --downtime');
  if (at === undefined)
    return usageError('--at is required (an RFC3339 time with an offset or Z, e.g. 2026-03-28T12:00:00Z)');

  try {
    const atMs = flag('--at', () => parseRfc3339(at.trim(), { allowFraction: true }));
    const schedule: ParsedSchedule = {
      timeZone: flag('--time-zone', () => assertTimeZone(timeZone ?? DEFAULT_TIME_ZONE)),
      ...(uptime !== undefined ? { uptime: flag('--uptime', () => parseTimespan(uptime)) } : {}),
      ...(downtime !== undefined ? { downtime: flag('--downtime', () => parseTimespan(downtime)) } : {}),
      ...(holidays !== undefined ? { holidays: flag('--holidays', () => parseHolidayList(holidays)) } : {}),
    };
    return { stdout: `${JSON.stringify(explainParsed(schedule, new Date(atMs)))}\n`, stderr: '', exitCode: 0 };
  } catch (err) {
    if (err instanceof ScheduleSyntaxError) return usageError(err.message);
    throw err;
  }
}

/** Runs one flag's parser; its error names the flag, since that is what the user typed. */
function flag<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw err instanceof ScheduleSyntaxError ? err.within(name) : err;
  }
}
