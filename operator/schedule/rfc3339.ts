import { ScheduleSyntaxError } from './schedule-syntax-error.js';

/**
 * RFC 3339 date-time with a mandatory offset (`Z` or `±HH:MM`). `T`/`Z` may be lower case, as RFC 3339 allows.
 * A space instead of `T` is not accepted: it would make ` - ` ranges ambiguous.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

export interface Rfc3339Options {
  /**
   * Whether `.123` fractions are accepted. Schedule boundaries are second-precise, so timespans refuse them;
   * an instant to evaluate at (`--at`) may carry them. @default false
   */
  allowFraction?: boolean;
  /** The larger text the timestamp came from, named in error messages. */
  within?: string;
}

/** Parses an RFC 3339 date-time into epoch milliseconds; throws a ScheduleSyntaxError naming the text. */
export function parseRfc3339(text: string, options: Rfc3339Options = {}): number {
  const where = options.within !== undefined && options.within !== text ? ` in "${options.within}"` : '';
  const fail = (why: string): never => {
    throw new ScheduleSyntaxError(`invalid RFC3339 time "${text}"${where}: ${why}`, options.within ?? text);
  };
  const m = RFC3339.exec(text);
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) fail('missing offset (Z or ±HH:MM)');
    return fail('expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset such as +02:00');
  }
  const [, y, mo, d, h, mi, s, fraction, , sign, oh, om] = m;
  if (fraction !== undefined && !options.allowFraction)
    fail('fractional seconds are not supported (boundaries are whole seconds)');
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) fail(`month ${mo} is out of range`);
  const utc = new Date(0);
  // setUTCFullYear keeps years 0-99 literal (Date.UTC would read them as 1900-1999) and rolls 31 April over
  // into 1 May, so comparing the day back catches impossible dates.
  utc.setUTCFullYear(year, month - 1, day);
  if (day < 1 || utc.getUTCDate() !== day) fail(`day ${d} does not exist in ${y}-${mo}`);
  if (hour > 23 || minute > 59 || second > 59) fail(`time ${h}:${mi}:${s} is out of range`);
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const offsetHours = Number(oh);
    const offsetMins = Number(om);
    if (offsetHours > 23 || offsetMins > 59) fail(`offset ${sign}${oh}:${om} is out of range`);
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fractionMs = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  utc.setUTCHours(hour, minute, second, fractionMs);
  return utc.getTime() - offsetMinutes * 60_000;
}

/** `2026-03-30T05:00:00Z`: UTC, whole seconds, `Z`. Sub-second parts are dropped (boundaries have none). */
export function formatRfc3339Utc(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}
