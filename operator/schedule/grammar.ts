/**
 * The timespan grammar: text → typed rules. Pure; nothing here looks at the clock.
 *
 * A spec is a comma list; the spec is active whenever any item is (union). Items:
 *
 *   [<days>] <HH:MM>-<HH:MM> [<zone>]   weekly, e.g. `Mon-Fri 07:30-20:30 Europe/Berlin`
 *       <days>  `Mon-Fri`, a wrapping range `Fri-Mon`, or one day `Sat`; 3-letter names, any case.
 *               Omitted: every day (kube-downscaler needs DEFAULT_WEEKFRAME for this form; here it is Mon-Sun).
 *       times   start inclusive, end exclusive; `24:00` only as an end; an end before the start wraps over
 *               midnight (`22:00-06:00` runs from 22:00 on each listed day to 06:00 the next day); an end
 *               equal to the start is an error (kube-downscaler silently never matches `00:00-00:00`).
 *       <zone>  IANA name (`America/Port-au-Prince`, `Etc/GMT+1`); omitted: the schedule's `timeZone`.
 *   <RFC3339>-<RFC3339>, <RFC3339> - <RFC3339>   absolute, start inclusive, end exclusive
 *   from <RFC3339>, until <RFC3339>              open-ended (`from-…`/`until-…` too, as GoKubeDownscaler writes)
 *   always, never                                (`true`/`false` too, as GoKubeDownscaler accepts)
 *
 * Every error is a ScheduleSyntaxError naming the offending item and what is wrong with it.
 */
import { DEFAULT_TIME_ZONE } from '../api/power-schedule.js';
import { parseRfc3339 } from './rfc3339.js';
import { ScheduleSyntaxError } from './schedule-syntax-error.js';
import { assertTimeZone } from './zone-clock.js';

export { ScheduleSyntaxError } from './schedule-syntax-error.js';

/** ISO weekday: Monday = 1 … Sunday = 7. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A span of wall time repeated on some weekdays. */
export interface WeeklyRule {
  readonly kind: 'weekly';
  /** The item as written, for messages. */
  readonly text: string;
  /** The days a span starts on, ascending, no duplicates. */
  readonly weekdays: readonly IsoWeekday[];
  /** Minutes after local midnight, 0–1439. */
  readonly startMinute: number;
  /** Minutes after local midnight, 1–1440, never equal to `startMinute`; below it means the span ends the next day. */
  readonly endMinute: number;
  /** IANA zone; undefined means the schedule's default zone. */
  readonly timeZone?: string;
}

/** A span between two instants; `from`/`until` leave one side open (±Infinity). */
export interface AbsoluteRule {
  readonly kind: 'absolute';
  readonly text: string;
  /** Epoch ms, inclusive; -Infinity for `until …`. */
  readonly startMs: number;
  /** Epoch ms, exclusive; Infinity for `from …`. */
  readonly endMs: number;
}

export interface ConstantRule {
  readonly kind: 'always' | 'never';
  readonly text: string;
}

export type TimespanRule = WeeklyRule | AbsoluteRule | ConstantRule;

const WEEKDAYS: Readonly<Record<string, IsoWeekday>> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

const FORMS =
  '"Mon-Fri 07:30-20:30 Europe/Berlin", "<RFC3339> - <RFC3339>", "from <RFC3339>", "until <RFC3339>", "always" or "never"';

/**
 * The start of an RFC3339-looking timestamp, loose on purpose (offset optional) so that the strict parser
 * can say what is wrong with it. The offset needs its colon, which keeps `…:00-2019-…` from reading `-2019`
 * as an offset.
 */
const TIMESTAMP_PREFIX = /^\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:[Zz]|[+-]\d{2}:\d{2})?/;

/** Parses a whole spec (a comma list) into rules. Throws ScheduleSyntaxError. */
export function parseTimespan(text: string): readonly TimespanRule[] {
  if (text.trim() === '') throw new ScheduleSyntaxError('empty timespan', text);
  const items = text.split(',');
  return items.map((raw, index) => {
    const item = raw.trim();
    if (item === '') {
      throw new ScheduleSyntaxError(`empty timespan at position ${index + 1} of the list "${text}"`, text);
    }
    return parseItem(item);
  });
}

function parseItem(item: string): TimespanRule {
  const lower = item.toLowerCase();
  if (lower === 'always' || lower === 'true') return { kind: 'always', text: item };
  if (lower === 'never' || lower === 'false') return { kind: 'never', text: item };

  const open = /^(from|until)(?:\s+|-)(.*)$/i.exec(item);
  if (open) {
    const keyword = open[1]!.toLowerCase();
    const timestamp = open[2]!.trim();
    if (timestamp === '') throw new ScheduleSyntaxError(`missing time after "${keyword}" in "${item}"`, item);
    const epochMs = parseRfc3339(timestamp, { within: item });
    return keyword === 'from'
      ? { kind: 'absolute', text: item, startMs: epochMs, endMs: Infinity }
      : { kind: 'absolute', text: item, startMs: -Infinity, endMs: epochMs };
  }
  if (/^(from|until)$/i.test(item)) throw new ScheduleSyntaxError(`missing time after "${lower}" in "${item}"`, item);

  if (/^\d{4}-/.test(item)) return parseAbsolute(item);
  return parseWeekly(item);
}

function parseAbsolute(item: string): AbsoluteRule {
  const first = TIMESTAMP_PREFIX.exec(item)?.[0];
  const rest = first === undefined ? undefined : /^\s*-\s*(\S.*)$/.exec(item.slice(first.length))?.[1];
  if (first === undefined || rest === undefined) {
    throw new ScheduleSyntaxError(
      `invalid absolute timespan "${item}": expected "<RFC3339> - <RFC3339>", e.g. "2026-04-01T00:00:00+02:00 - 2026-04-02T00:00:00+02:00"`,
      item,
    );
  }
  const startMs = parseRfc3339(first, { within: item });
  const endMs = parseRfc3339(rest.trim(), { within: item });
  if (startMs === endMs) throw new ScheduleSyntaxError(`empty absolute timespan "${item}": start equals end`, item);
  if (startMs > endMs) throw new ScheduleSyntaxError(`absolute timespan "${item}" ends before it starts`, item);
  return { kind: 'absolute', text: item, startMs, endMs };
}

function parseWeekly(item: string): WeeklyRule {
  const tokens = item.split(/\s+/);
  const hasDays = !/^\d/.test(tokens[0]!);
  if (hasDays && tokens.length === 1 && !tokens[0]!.includes('-') && WEEKDAYS[tokens[0]!.toLowerCase()] === undefined) {
    throw new ScheduleSyntaxError(`unrecognized timespan "${item}": expected ${FORMS}`, item);
  }
  const [daysToken, rangeToken, zoneToken, ...extra] = hasDays ? tokens : [undefined, ...tokens];
  if (extra.length > 0) {
    throw new ScheduleSyntaxError(
      `unexpected "${extra.join(' ')}" after the time zone in "${item}": expected ${FORMS}`,
      item,
    );
  }
  const weekdays = daysToken === undefined ? ([1, 2, 3, 4, 5, 6, 7] as const) : parseWeekdays(daysToken, item);
  if (rangeToken === undefined) throw new ScheduleSyntaxError(`missing time range (HH:MM-HH:MM) in "${item}"`, item);
  const { startMinute, endMinute } = parseTimeRange(rangeToken, item);
  const rule: WeeklyRule = { kind: 'weekly', text: item, weekdays, startMinute, endMinute };
  return zoneToken === undefined ? rule : { ...rule, timeZone: assertTimeZone(zoneToken, item) };
}

function weekdayOf(name: string, item: string): IsoWeekday {
  const day = WEEKDAYS[name.toLowerCase()];
  if (day === undefined) {
    throw new ScheduleSyntaxError(
      `unknown weekday "${name}" in "${item}": expected Mon, Tue, Wed, Thu, Fri, Sat or Sun`,
      item,
    );
  }
  return day;
}

/** `Mon-Fri` → [1..5]; `Fri-Mon` wraps over the week end → [1, 5, 6, 7]; `Sat` → [6]. */
function parseWeekdays(token: string, item: string): readonly IsoWeekday[] {
  const parts = token.split('-');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new ScheduleSyntaxError(
      `invalid weekday range "${token}" in "${item}": expected one day (Sat) or a range (Mon-Fri)`,
      item,
    );
  }
  const from = weekdayOf(parts[0]!, item);
  const to = weekdayOf(parts[1] ?? parts[0]!, item);
  const days: IsoWeekday[] = [];
  for (let day = from; ; day = ((day % 7) + 1) as IsoWeekday) {
    days.push(day);
    if (day === to) break;
  }
  return days.sort((a, b) => a - b);
}

function parseTimeRange(token: string, item: string): { startMinute: number; endMinute: number } {
  const parts = token.split('-');
  if (parts.length !== 2)
    throw new ScheduleSyntaxError(`invalid time range "${token}" in "${item}": expected HH:MM-HH:MM`, item);
  const startMinute = parseClockTime(parts[0]!, item, 'start');
  const endMinute = parseClockTime(parts[1]!, item, 'end');
  if (startMinute === endMinute) {
    throw new ScheduleSyntaxError(
      `empty time range "${token}" in "${item}": start equals end (a whole day is 00:00-24:00)`,
      item,
    );
  }
  return { startMinute, endMinute };
}

/** `HH:MM` (or `H:MM`) → minutes after midnight; `24:00` is 1440 and allowed only as an end. */
function parseClockTime(text: string, item: string, role: 'start' | 'end'): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) throw new ScheduleSyntaxError(`invalid time "${text}" in "${item}": expected HH:MM`, item);
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours === 24 && minutes === 0) {
    if (role === 'start')
      throw new ScheduleSyntaxError(`invalid time "${text}" in "${item}": 24:00 is only allowed as an end`, item);
    return 1440;
  }
  if (hours > 23 || minutes > 59)
    throw new ScheduleSyntaxError(
      `invalid time "${text}" in "${item}": expected 00:00 to 23:59, or 24:00 as an end`,
      item,
    );
  return hours * 60 + minutes;
}

/** The timespan fields of a PowerSchedule, as text. */
export interface ScheduleText {
  uptime?: string;
  downtime?: string;
  timeZone?: string;
}

/** The same, parsed and validated; `timeZone` defaulted. What the evaluator takes. */
export interface ParsedSchedule {
  readonly uptime?: readonly TimespanRule[];
  readonly downtime?: readonly TimespanRule[];
  /** Zone for weekly items that name none. */
  readonly timeZone: string;
}

/**
 * Parses a schedule's fields; errors are prefixed with the field (`uptime: unknown weekday …`), ready for a
 * `ScheduleValid=False` condition. A missing `timeZone` means `defaultTimeZone` (the CRD's default, DEFAULT_TIME_ZONE).
 */
export function parseSchedule(text: ScheduleText, defaultTimeZone = DEFAULT_TIME_ZONE): ParsedSchedule {
  const field = <T>(name: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw err instanceof ScheduleSyntaxError ? err.within(name) : err;
    }
  };
  const timeZone = field('timeZone', () => assertTimeZone(text.timeZone ?? defaultTimeZone));
  const { uptime: uptimeText, downtime: downtimeText } = text;
  const uptime = uptimeText === undefined ? undefined : field('uptime', () => parseTimespan(uptimeText));
  const downtime = downtimeText === undefined ? undefined : field('downtime', () => parseTimespan(downtimeText));
  return { timeZone, ...(uptime ? { uptime } : {}), ...(downtime ? { downtime } : {}) };
}
