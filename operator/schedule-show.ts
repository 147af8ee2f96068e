/**
 * `roleplane schedule show`, the rendering half: PowerSchedules (spec and status, as listed from the cluster) and the
 * annotations of their namespaces in, text or JSON out. Pure: the listing lives in `schedule-show-command.ts`.
 */
import type { NamespaceStatus, PowerSchedule } from './api/power-schedule.js';
import { timeZoneOf } from './api/power-schedule.js';
import { namespaceDesire } from './controller/namespace-state.js';
import { desiredAwake, nextTransition } from './schedule/evaluate.js';
import { type ParsedSchedule, parseSchedule } from './schedule/grammar.js';
import { formatLocalTime } from './schedule/local-time.js';
import { ASCII_GLYPHS, drawWeekStrip, UNICODE_GLYPHS, type WeekStrip, weekStrip } from './schedule/week-strip.js';

export interface ShowInput {
  readonly schedules: readonly PowerSchedule[];
  /** Annotations of each namespace by name, for the `awake-until`/`asleep-until` overrides; absent: none shown. */
  readonly namespaceAnnotations?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly now: Date;
}

/** One namespace as the status reports it, plus an override in force. */
export interface ShownNamespace {
  readonly name: string;
  readonly phase: string;
  readonly nextSleep: string | null;
  readonly nextWake: string | null;
  /** `awake-until` / `asleep-until` in force at `now`, with its end (RFC3339). */
  readonly override?: { readonly annotation: 'awake-until' | 'asleep-until'; readonly until: string };
  readonly gracePeriods?: NamespaceStatus['gracePeriods'];
  readonly lastError?: string;
}

export interface ShownSchedule {
  readonly name: string;
  readonly timeZone: string;
  readonly uptime?: string;
  readonly downtime?: string;
  readonly suspended: boolean;
  /** RFC3339 UTC; from the status, else computed from the spec (`nextFrom` says which). */
  readonly nextSleep: string | null;
  readonly nextWake: string | null;
  readonly nextFrom: 'status' | 'spec';
  readonly namespaces: readonly ShownNamespace[];
  /** The spec's error when it cannot be evaluated (then no week). */
  readonly invalid?: string;
  readonly week?: WeekStrip;
}

/**
 * The spec as the operator parses it. The whole spec goes in, not a pick of its fields, so fields the parser learns
 * later (holidays) reach the strip without a change here.
 */
function parseSpec(schedule: PowerSchedule): ParsedSchedule {
  return parseSchedule(schedule.spec);
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString().replace(/\.000Z$/, 'Z'));

/** The schedule's next sleep and wake after `now`, from the spec alone. */
function edgesFromSpec(parsed: ParsedSchedule, now: Date): { nextSleep: string | null; nextWake: string | null } {
  const first = nextTransition(parsed, now);
  const second = first ? nextTransition(parsed, first) : null;
  return desiredAwake(parsed, now)
    ? { nextSleep: iso(first), nextWake: iso(second) }
    : { nextSleep: iso(second), nextWake: iso(first) };
}

function showNamespace(
  status: NamespaceStatus,
  parsed: ParsedSchedule | undefined,
  annotations: Readonly<Record<string, string>> | undefined,
  now: Date,
): ShownNamespace {
  let override: ShownNamespace['override'];
  if (parsed !== undefined && annotations !== undefined) {
    const desire = namespaceDesire(parsed, { metadata: { name: status.name, annotations: { ...annotations } } }, now);
    if (desire.source !== 'schedule' && desire.changesAt !== null)
      override = { annotation: desire.source, until: iso(desire.changesAt)! };
  }
  return {
    name: status.name,
    phase: status.phase,
    nextSleep: status.nextSleep ?? null,
    nextWake: status.nextWake ?? null,
    ...(override ? { override } : {}),
    ...(status.gracePeriods && status.gracePeriods.length > 0 ? { gracePeriods: status.gracePeriods } : {}),
    ...(status.lastError ? { lastError: status.lastError } : {}),
  };
}

/** What `schedule show` says about one PowerSchedule, as data (the JSON output). */
export function showSchedule(
  schedule: PowerSchedule,
  now: Date,
  namespaceAnnotations?: ShowInput['namespaceAnnotations'],
): ShownSchedule {
  const { spec, status } = schedule;
  let parsed: ParsedSchedule | undefined;
  let invalid: string | undefined;
  try {
    parsed = parseSpec(schedule);
  } catch (err) {
    invalid = err instanceof Error ? err.message : String(err);
  }
  const fromStatus = status?.nextSleep !== undefined || status?.nextWake !== undefined;
  const edges = fromStatus
    ? { nextSleep: status?.nextSleep ?? null, nextWake: status?.nextWake ?? null }
    : parsed
      ? edgesFromSpec(parsed, now)
      : { nextSleep: null, nextWake: null };
  return {
    name: schedule.metadata.name,
    timeZone: timeZoneOf(spec),
    ...(spec.uptime !== undefined ? { uptime: spec.uptime } : {}),
    ...(spec.downtime !== undefined ? { downtime: spec.downtime } : {}),
    suspended: spec.suspend === true,
    ...edges,
    nextFrom: fromStatus ? 'status' : 'spec',
    namespaces: (status?.namespaces ?? []).map((ns) =>
      showNamespace(ns, parsed, namespaceAnnotations?.get(ns.name), now),
    ),
    ...(invalid !== undefined ? { invalid } : {}),
    ...(parsed ? { week: weekStrip(parsed, now) } : {}),
  };
}

export interface RenderOptions {
  /** `#`, `.` and `+` instead of `█`, `·` and `▌`. @default false */
  readonly ascii?: boolean;
}

/** A status time (RFC3339) on the schedule's wall clock, or `-`. */
function local(rfc3339: string | null | undefined, timeZone: string): string {
  if (!rfc3339) return '-';
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? rfc3339 : formatLocalTime(ms, timeZone);
}

function renderOne(shown: ShownSchedule, options: RenderOptions): string[] {
  const zone = shown.timeZone;
  const spec = [
    ...(shown.uptime !== undefined ? [`uptime "${shown.uptime}"`] : []),
    ...(shown.downtime !== undefined ? [`downtime "${shown.downtime}"`] : []),
  ];
  const lines = [
    `${shown.name}  (${zone}; ${spec.length > 0 ? spec.join(', ') : 'no uptime or downtime: always awake'})`,
  ];
  if (shown.suspended) lines.push('  suspended: the operator takes no action; the week below is what it would do');
  if (shown.invalid !== undefined) lines.push(`  invalid: ${shown.invalid}`);
  const source = shown.nextFrom === 'spec' ? ' (from the spec; no status yet)' : '';
  lines.push(`  next sleep  ${local(shown.nextSleep, zone)}${source}`);
  lines.push(`  next wake   ${local(shown.nextWake, zone)}${source}`);
  if (shown.namespaces.length === 0) {
    lines.push('  namespaces  none reported');
  } else {
    lines.push('  namespaces');
    const nameWidth = Math.max(...shown.namespaces.map((ns) => ns.name.length));
    const phaseWidth = Math.max(...shown.namespaces.map((ns) => ns.phase.length));
    for (const ns of shown.namespaces) {
      const parts = [
        `${ns.name.padEnd(nameWidth)}  ${ns.phase.padEnd(phaseWidth)}`,
        `sleeps ${local(ns.nextSleep, zone)}`,
        `wakes ${local(ns.nextWake, zone)}`,
      ];
      lines.push(`    ${parts.join('  ')}`);
      if (ns.override)
        lines.push(`      override: roleplane.io/${ns.override.annotation} ${local(ns.override.until, zone)}`);
      for (const grace of ns.gracePeriods ?? [])
        lines.push(`      grace: ${grace.kind} ${grace.name} runs until ${local(grace.until, zone)}`);
      if (ns.lastError) lines.push(`      error: ${ns.lastError}`);
    }
  }
  if (shown.week) {
    const glyphs = options.ascii === true ? ASCII_GLYPHS : UNICODE_GLYPHS;
    lines.push(...drawWeekStrip(shown.week, glyphs).map((line) => `  ${line}`));
  }
  return lines;
}

/** Every schedule, by name, separated by a blank line; ends with a newline. */
export function renderSchedules(input: ShowInput, options: RenderOptions = {}): string {
  const shown = [...input.schedules]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((schedule) => renderOne(showSchedule(schedule, input.now, input.namespaceAnnotations), options).join('\n'));
  return `${shown.join('\n\n')}\n`;
}

/** `--output json`: `{"now": …, "schedules": [ShownSchedule…]}` on one line. */
export function renderSchedulesJson(input: ShowInput): string {
  const schedules = [...input.schedules]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((schedule) => showSchedule(schedule, input.now, input.namespaceAnnotations));
  return `${JSON.stringify({ now: iso(input.now), schedules })}\n`;
}
