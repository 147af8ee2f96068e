/**
 * Holidays: whole local days on which a schedule keeps its namespaces asleep, whatever its uptime or downtime
 * says. Text → typed days (strict, every error names the entry), and days → the instants they cover.
 *
 * An entry is `YYYY-MM-DD` (one day) or `YYYY-MM-DD..YYYY-MM-DD` (both days inclusive), read in the schedule's
 * `timeZone`. A holiday runs from the first instant the local clock shows its first day to the first instant
 * it shows the day after its last, so a day on which DST changes lasts 23 or 25 hours. Entries may not repeat
 * or overlap one another (touching is fine: `2026-12-24`, `2026-12-25..2026-12-26`); a range lasts at most
 * MAX_HOLIDAY_DAYS days and a list holds at most MAX_HOLIDAYS entries.
 */
import type { Interval } from './intervals.js';
import { ScheduleSyntaxError } from './schedule-syntax-error.js';
import { DAY_MS, type ZoneClock } from './zone-clock.js';

/** Entries in one list; the CRD's `maxItems`. Enough for every public holiday of several years ahead. */
export const MAX_HOLIDAYS = 128;
/** Days in one range; longer shutdowns are what `suspend` or a `downtime` with RFC3339 times are for. */
export const MAX_HOLIDAY_DAYS = 366;
/** The CRD's pattern for one entry; the parser checks the same and more (real dates, order, overlaps). */
export const HOLIDAY_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([.][.][0-9]{4}-[0-9]{2}-[0-9]{2})?$';

/** One entry: local days, as days since 1970-01-01 (local epoch ms / DAY_MS), both inclusive. */
export interface Holiday {
  /** The entry as written, for messages. */
  readonly text: string;
  readonly firstDay: number;
  readonly lastDay: number;
}

const ENTRY = /^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$/;
const FORMS = 'expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (both days inclusive), e.g. "2026-12-24..2026-12-26"';

/** `2026-12-24` → its day number; throws naming the entry when no such day exists. */
function dayNumber(date: string, entry: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const where = date === entry ? '' : ` in "${entry}"`;
  if (month < 1 || month > 12)
    throw new ScheduleSyntaxError(`invalid date "${date}"${where}: month ${month} is out of range`, entry);
  const utc = new Date(0);
  // setUTCFullYear keeps years 0-99 literal and rolls 30 February over into March, so comparing catches it.
  utc.setUTCFullYear(year, month - 1, day);
  if (day < 1 || utc.getUTCDate() !== day)
    throw new ScheduleSyntaxError(
      `invalid date "${date}"${where}: day ${date.slice(8)} does not exist in ${date.slice(0, 7)}`,
      entry,
    );
  return Math.round(utc.getTime() / DAY_MS);
}

function parseEntry(entry: string): Holiday {
  const m = ENTRY.exec(entry);
  if (!m) throw new ScheduleSyntaxError(`invalid holiday "${entry}": ${FORMS}`, entry);
  const firstDay = dayNumber(m[1]!, entry);
  const lastDay = m[2] === undefined ? firstDay : dayNumber(m[2], entry);
  if (lastDay < firstDay) throw new ScheduleSyntaxError(`holiday range "${entry}" ends before it starts`, entry);
  const days = lastDay - firstDay + 1;
  if (days > MAX_HOLIDAY_DAYS)
    throw new ScheduleSyntaxError(
      `holiday range "${entry}" is ${days} days long: at most ${MAX_HOLIDAY_DAYS} (use suspend or a downtime for longer)`,
      entry,
    );
  return { text: entry, firstDay, lastDay };
}

/**
 * Parses a list of entries (surrounding blanks ignored). Throws ScheduleSyntaxError naming the bad entry: a
 * malformed or impossible date, a reversed or overlong range, an entry that repeats or overlaps an earlier
 * one, or too many entries.
 */
export function parseHolidays(entries: readonly string[]): readonly Holiday[] {
  if (!Array.isArray(entries)) throw new ScheduleSyntaxError('expected a list of dates', String(entries));
  if (entries.length > MAX_HOLIDAYS)
    throw new ScheduleSyntaxError(`${entries.length} holidays: at most ${MAX_HOLIDAYS}`, entries.join(','));
  const holidays: Holiday[] = [];
  entries.forEach((raw, index) => {
    const entry = typeof raw === 'string' ? raw.trim() : '';
    if (entry === '') throw new ScheduleSyntaxError(`empty holiday at position ${index + 1}: ${FORMS}`, String(raw));
    const holiday = parseEntry(entry);
    const clash = holidays.find((h) => h.firstDay <= holiday.lastDay && holiday.firstDay <= h.lastDay);
    if (clash !== undefined) {
      const how = clash.firstDay === holiday.firstDay && clash.lastDay === holiday.lastDay ? 'repeats' : 'overlaps';
      throw new ScheduleSyntaxError(`holiday "${entry}" ${how} "${clash.text}"`, entry);
    }
    holidays.push(holiday);
  });
  return holidays;
}

/** `--holidays 2026-12-24,2026-12-25..2026-12-26`: a comma list, as the CLI takes it. */
export function parseHolidayList(text: string): readonly Holiday[] {
  return parseHolidays(text.split(','));
}

/** `YYYY-MM-DD` of a local day number. */
export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instants a holiday covers in `clock`'s zone: from the first instant whose wall time is on its first day
 * to the last instant whose wall time is on its last day, one interval (a repeated hour at either end stays in).
 * UTC offsets are within a day of zero, so a day either side of the wall span holds every instant showing it.
 */
export function holidayInterval(holiday: Holiday, clock: ZoneClock): Interval {
  const wallStart = holiday.firstDay * DAY_MS;
  const wallEnd = (holiday.lastDay + 1) * DAY_MS;
  let start = Infinity;
  let end = -Infinity;
  for (const segment of clock.offsetSegments(wallStart - DAY_MS, wallEnd + DAY_MS)) {
    const from = Math.max(wallStart - segment.offsetMs, segment.startMs);
    const to = Math.min(wallEnd - segment.offsetMs, segment.endMs);
    if (from < to) {
      start = Math.min(start, from);
      end = Math.max(end, to);
    }
  }
  return [start, end];
}

/** The instants covered by those holidays that can reach into [fromMs, toMs]; others are left out. */
export function holidayIntervals(
  holidays: readonly Holiday[],
  clock: ZoneClock,
  fromMs: number,
  toMs: number,
): Interval[] {
  return holidays
    .filter((h) => (h.lastDay + 2) * DAY_MS > fromMs && (h.firstDay - 1) * DAY_MS < toMs)
    .map((h) => holidayInterval(h, clock));
}

/** The holiday in progress at `atMs`, or else the next one to start; null when all are over. */
export function currentOrNextHoliday(
  holidays: readonly Holiday[],
  clock: ZoneClock,
  atMs: number,
): { holiday: Holiday; startMs: number; endMs: number } | null {
  let best: { holiday: Holiday; startMs: number; endMs: number } | null = null;
  for (const holiday of holidays) {
    if ((holiday.lastDay + 2) * DAY_MS <= atMs) continue; // over for certain, whatever the offset
    const [startMs, endMs] = holidayInterval(holiday, clock);
    if (endMs > atMs && (best === null || startMs < best.startMs)) best = { holiday, startMs, endMs };
  }
  return best;
}
