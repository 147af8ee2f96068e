/**
 * `roleplane schedule explain`: evaluates a schedule offline and answers in one JSON line, so that people can
 * check a spec (and its DST behaviour) before a PowerSchedule acts on it. The CLI wiring only maps flags to
 * ExplainOptions and writes the result out; nothing here prints or exits.
 */
import { DEFAULT_TIME_ZONE } from '../api/power-schedule.js';
import { DEFAULT_HORIZON_DAYS, desiredAwake, nextTransition } from './evaluate.js';
import {
  type ParsedSchedule,
  parseSchedule,
  parseTimespan,
  ScheduleSyntaxError,
  type ScheduleText,
} from './grammar.js';
import { formatRfc3339Utc, parseRfc3339 } from './rfc3339.js';
import { assertTimeZone } from './zone-clock.js';

export interface ExplainInput extends ScheduleText {
  /** The instant to evaluate at. */
  at: Date;
}

export interface Explanation {
  awake: boolean;
  /** First instant after `at` at which `awake` changes, as `2026-03-30T05:00:00Z`; null if none within 366 days. */
  nextTransition: string | null;
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
  return { awake: desiredAwake(schedule, at), nextTransition: next === null ? null : formatRfc3339Utc(next.getTime()) };
}

/** The command's flags as commander hands them over (all strings, unset ones undefined). */
export interface ExplainOptions {
  uptime?: string;
  downtime?: string;
  timeZone?: string;
  at?: string;
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
 * Runs `roleplane schedule explain --uptime "<spec>" | --downtime "<spec>" [--time-zone <IANA>] --at <RFC3339>`.
 * Success: exit 0 and one JSON line `{"awake":…,"nextTransition":…}`. Bad input: exit 2 and a message on
 * stderr that names the flag and the bad part.
 */
export function runExplain(options: ExplainOptions): CommandResult {
  const { uptime, downtime, timeZone, at } = options;
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
