/**
 * The timespan grammar: text → typed rules. Pure; nothing here looks at the clock.
 *
 * A spec is a comma list; the spec is active whenever any item is (union). Items:
 *
 *   [<days>] <HH:MM>-<HH:MM> [<zone>]   weekly, e.g. `Mon-Fri 07:30-20:30 Europe/Berlin`
 *       <days>  `Mon-Fri`, a wrapping range `Fri-Mon`, or one day `Sat`; 3-letter names, any case.
 *               Omitted: every day (kube-downscaler needs DEFAULT_WEEKFRAME for this form; here it is Mon-Sun).
 *       times   start inclusive, end exclusive; `24:00` only as an end; an end equal to the start is an error
 *               (kube-downscaler silently never matches `00:00-00:00`).
 *       meaning as in kube-downscaler: a moment is inside when its local weekday is one of <days> AND its local
 *               time of day is in the range, each checked on its own. A reversed range (`20:00-08:00`, the
 *               form GoKubeDownscaler documents; py-kube-downscaler accepts it but never matches it) is inside from 00:00 to the end and from the start to 24:00
 *               of each listed day: `Mon-Fri 20:00-08:00` covers Monday 00:00-08:00 and Friday 20:00-24:00,
 *               not Saturday morning. Being a wall-clock test, a fall-back repeated hour counts both times it
 *               is shown and a spring-forward gap is never inside.
 *   [<days>] <HH:MM>-<HH:MM>+1 [<zone>]  roleplane only: each span starts on a listed day and ends at the
 *               end time on the next day, e.g. `Mon-Fri 20:00-08:00+1` is the five nights starting Monday to
 *               Friday (Friday night runs to Saturday 08:00; Monday 00:00-08:00 is outside). Equal times
 *               (`09:00-09:00+1`) make 24 hours; `24:00+1` is refused. Evaluated by the wall clock too: the
 *               instants whose local wall time lies between the start and the end on the next day.
 *   <RFC3339>-<RFC3339>, <RFC3339> - <RFC3339>   absolute, start inclusive, end exclusive (as GoKubeDownscaler;
 *                                                py-kube-downscaler also counts the end instant itself)
 *   from <RFC3339>, until <RFC3339>              open-ended (`from-…`/`until-…` too, as GoKubeDownscaler writes)
 *   always, never                                (`true`/`false` too, as GoKubeDownscaler accepts)
 *
 * Every error is a ScheduleSyntaxError naming the offending item and what is wrong with it.
 */
import { DEFAULT_TIME_ZONE } from '../api/power-schedule.js';
import { type Holiday, parseHolidays } from './holidays.js';
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
  /** The listed days (the local weekday a moment must fall on; with `endsNextDay`, the days a span starts on), ascending, no duplicates. */
  readonly weekdays: readonly IsoWeekday[];
  /** Minutes after local midnight, 0–1439. */
  readonly startMinute: number;
  /**
   * Minutes after local midnight, 0–1440. Without `endsNextDay`: never equal to `startMinute`, and below it
   * means the reversed, kube-downscaler reading (00:00 to the end and the start to 24:00 of each listed day).
   */
  readonly endMinute: number;
  /** Written `…+1`: each span runs from the start on a listed day to the end on the day after. Absent otherwise. */
  readonly endsNextDay?: true;
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
  const { startMinute, endMinute, endsNextDay } = parseTimeRange(rangeToken, item);
  const rule: WeeklyRule = {
    kind: 'weekly',
    text: item,
    weekdays,
    startMinute,
    endMinute,
    ...(endsNextDay ? { endsNextDay } : {}),
  };
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

function parseTimeRange(token: string, item: string): { startMinute: number; endMinute: number; endsNextDay: boolean } {
  const parts = token.split('-');
  if (parts.length !== 2)
    throw new ScheduleSyntaxError(`invalid time range "${token}" in "${item}": expected HH:MM-HH:MM`, item);
  const dayOffset = /\+(\d+)$/.exec(parts[1]!);
  if (dayOffset !== null && dayOffset[1] !== '1') {
    throw new ScheduleSyntaxError(
      `invalid day offset "+${dayOffset[1]}" in "${item}": only "+1" (the end is on the next day) is supported`,
      item,
    );
  }
  const endsNextDay = dayOffset !== null;
  const startMinute = parseClockTime(parts[0]!, item, 'start');
  const endText = endsNextDay ? parts[1]!.slice(0, -2) : parts[1]!;
  const endMinute = parseClockTime(endText, item, 'end');
  if (endsNextDay) {
    if (endMinute === 1440)
      throw new ScheduleSyntaxError(
        `invalid time "24:00+1" in "${item}": with "+1" the end is 00:00 to 23:59 of the next day`,
        item,
      );
    return { startMinute, endMinute, endsNextDay };
  }
  if (startMinute === endMinute) {
    throw new ScheduleSyntaxError(
      `empty time range "${token}" in "${item}": start equals end (a whole day is 00:00-24:00)`,
      item,
    );
  }
  return { startMinute, endMinute, endsNextDay };
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
  /** `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD` entries (holidays.ts). */
  holidays?: readonly string[];
}

/** The same, parsed and validated; `timeZone` defaulted. What the evaluator takes. */
export interface ParsedSchedule {
  readonly uptime?: readonly TimespanRule[];
  readonly downtime?: readonly TimespanRule[];
  /** Zone for weekly items that name none, and the zone holidays are read in. */
  readonly timeZone: string;
  /** Days asleep whatever uptime or downtime say; absent when none are listed. */
  readonly holidays?: readonly Holiday[];
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
  const { holidays: holidayTexts } = text;
  const holidays = holidayTexts === undefined ? undefined : field('holidays', () => parseHolidays(holidayTexts));
  return {
    timeZone,
    ...(uptime ? { uptime } : {}),
    ...(downtime ? { downtime } : {}),
    ...(holidays && holidays.length > 0 ? { holidays } : {}),
  };
}
