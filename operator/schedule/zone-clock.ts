import { IANAZone } from 'luxon';
import { ScheduleSyntaxError } from './schedule-syntax-error.js';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/**
 * Zones already found valid. Checking one builds an Intl.DateTimeFormat (tens of microseconds), and every
 * evaluation needs its zones; the set of names a cluster uses is small, the bound only guards against misuse.
 */
const validZones = new Map<string, IANAZone>();
const VALID_ZONE_LIMIT = 1024;

function zoneNamed(name: string): IANAZone | undefined {
  let zone = validZones.get(name);
  if (zone === undefined && IANAZone.isValidZone(name)) {
    if (validZones.size >= VALID_ZONE_LIMIT) validZones.clear();
    validZones.set(name, (zone = IANAZone.create(name)));
  }
  return zone;
}

function knownZone(name: string, within?: string): IANAZone {
  const zone = zoneNamed(name);
  if (zone === undefined) {
    const where = within !== undefined ? ` in "${within}"` : '';
    throw new ScheduleSyntaxError(
      `unknown time zone "${name}"${where}: expected an IANA name such as Europe/Berlin`,
      within ?? name,
    );
  }
  return zone;
}

/**
 * Returns `name` if it is an IANA time zone this runtime knows (via luxon/Intl), else throws a
 * ScheduleSyntaxError naming it (and the item it came from, `within`).
 */
export function assertTimeZone(name: string, within?: string): string {
  knownZone(name, within);
  return name;
}

/** The offsets of one zone over one UTC calendar year: the offset at its start plus every change inside it. */
interface YearOffsets {
  readonly startOffsetMs: number;
  /** Instant of each change (the first millisecond with the new offset) and the offset from then on, ascending. */
  readonly changes: readonly { readonly atMs: number; readonly offsetMs: number }[];
}

/**
 * Offsets come from Intl through luxon, which costs microseconds a call. A year of one zone is scanned once
 * (a sample a day, bisection where two samples differ) and kept, so a long-running operator that evaluates
 * the same schedules on every reconcile pays it once per zone and year. Bounded so it cannot grow without end.
 */
const yearCache = new Map<string, YearOffsets>();
const YEAR_CACHE_LIMIT = 512;

function exactOffsetMs(zone: IANAZone, epochMs: number): number {
  // luxon reports minutes; historic local-mean-time offsets have seconds in them, hence the rounding.
  return Math.round(zone.offset(epochMs) * MINUTE_MS);
}

/**
 * Scans one UTC year. Assumes a zone changes its offset at most once between two samples 24 h apart: true of
 * every change in the tz database's current rules (changes are months apart), and the price of scanning a
 * year with 366 calls instead of thousands.
 */
function scanYear(zone: IANAZone, year: number): YearOffsets {
  const startMs = Date.UTC(year, 0, 1);
  const endMs = Date.UTC(year + 1, 0, 1);
  const startOffsetMs = exactOffsetMs(zone, startMs);
  const changes: { atMs: number; offsetMs: number }[] = [];
  let loMs = startMs;
  let loOffsetMs = startOffsetMs;
  while (loMs < endMs) {
    const hiMs = Math.min(loMs + DAY_MS, endMs);
    const hiOffsetMs = exactOffsetMs(zone, hiMs);
    if (hiOffsetMs !== loOffsetMs) {
      // Invariant: offset(lo) is the old one, offset(hi) the new one; narrow to the first second with the new one.
      let lo = loMs;
      let hi = hiMs;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (exactOffsetMs(zone, mid) === loOffsetMs) lo = mid;
        else hi = mid;
      }
      changes.push({ atMs: hi, offsetMs: hiOffsetMs });
    }
    loMs = hiMs;
    loOffsetMs = hiOffsetMs;
  }
  return { startOffsetMs, changes };
}

function yearOffsets(zone: IANAZone, year: number): YearOffsets {
  const key = `${zone.name}\u0000${year}`;
  let found = yearCache.get(key);
  if (found === undefined) {
    found = scanYear(zone, year);
    if (yearCache.size >= YEAR_CACHE_LIMIT) yearCache.delete(yearCache.keys().next().value as string);
    yearCache.set(key, found);
  }
  return found;
}

/** A stretch of time over which a zone keeps one UTC offset: instants [startMs, endMs). */
export interface OffsetSegment {
  readonly startMs: number;
  readonly endMs: number;
  readonly offsetMs: number;
}

/**
 * Converts instants (epoch ms) to local wall time in one zone. Wall time is expressed as "local epoch ms":
 * the epoch ms the wall-clock reading would have in UTC, so local day N starts at N * DAY_MS.
 *
 * There is deliberately no general wall time → instant function: a wall-clock reading in a fall-back repeat
 * belongs to two instants and one in a spring-forward gap to none. Callers that need the instants showing a
 * stretch of wall time take the zone's offset segments (`offsetSegments`) and, within each, subtract its
 * one offset; that gives every occurrence and nothing in a gap.
 */
export class ZoneClock {
  private readonly zone: IANAZone;

  constructor(readonly timeZone: string) {
    this.zone = knownZone(timeZone);
  }

  /** The zone's UTC offset in ms at an instant. */
  offsetAt(epochMs: number): number {
    const { startOffsetMs, changes } = yearOffsets(this.zone, new Date(epochMs).getUTCFullYear());
    let offsetMs = startOffsetMs;
    let lo = 0;
    let hi = changes.length - 1;
    // Binary search for the last change at or before the instant (a year has zero to a few changes).
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const change = changes[mid]!;
      if (change.atMs <= epochMs) {
        offsetMs = change.offsetMs;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return offsetMs;
  }

  /** Local wall time (local epoch ms) at an instant. */
  toLocal(epochMs: number): number {
    return epochMs + this.offsetAt(epochMs);
  }

  /**
   * The instants [fromMs, toMs) cut where the zone's offset changes, ascending, with the offset of each piece.
   * Both ends must be finite.
   */
  offsetSegments(fromMs: number, toMs: number): OffsetSegment[] {
    if (!(Number.isFinite(fromMs) && Number.isFinite(toMs)))
      throw new RangeError(`offsetSegments needs finite bounds (got ${fromMs}, ${toMs})`);
    const segments: OffsetSegment[] = [];
    let startMs = fromMs;
    let offsetMs = this.offsetAt(fromMs);
    const lastYear = new Date(toMs).getUTCFullYear();
    for (let year = new Date(fromMs).getUTCFullYear(); year <= lastYear; year++) {
      for (const change of yearOffsets(this.zone, year).changes) {
        if (change.atMs <= fromMs || change.atMs >= toMs || change.offsetMs === offsetMs) continue;
        segments.push({ startMs, endMs: change.atMs, offsetMs });
        startMs = change.atMs;
        offsetMs = change.offsetMs;
      }
    }
    if (startMs < toMs) segments.push({ startMs, endMs: toMs, offsetMs });
    return segments;
  }
}
