/** Instants as people read them: the wall clock of a time zone, its weekday and its UTC offset. */
import { ZoneClock } from './zone-clock.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * `Fri 2026-11-27 20:00 +01:00`: the instant on the wall clock of `timeZone` (seconds only when not zero), with
 * the offset, so the text names one instant even in a fall-back hour.
 */
export function formatLocalTime(epochMs: number, timeZone: string): string {
  const offsetMs = new ZoneClock(timeZone).offsetAt(epochMs);
  const local = new Date(epochMs + offsetMs);
  const seconds = local.getUTCSeconds();
  const offsetMinutes = Math.round(Math.abs(offsetMs) / 60_000);
  return (
    `${WEEKDAYS[local.getUTCDay()]} ${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}${seconds ? `:${pad(seconds)}` : ''} ` +
    `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`
  );
}
