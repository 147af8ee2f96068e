/**
 * Whether one namespace should be awake now, from the schedule and the namespace's override annotations, and
 * when that may next change. Pure.
 */
import { ASLEEP_UNTIL_ANNOTATION, AWAKE_UNTIL_ANNOTATION } from '../api/keys.js';
import type { NamespaceObject } from '../kube/api.js';
import { desiredAwake, nextTransition } from '../schedule/evaluate.js';
import type { ParsedSchedule } from '../schedule/grammar.js';

export interface NamespaceDesire {
  readonly awake: boolean;
  /** Why: the schedule, or an override annotation until a given time. */
  readonly source: 'schedule' | 'awake-until' | 'asleep-until';
  /** The next instant this desire may change (an override's end or the schedule's next transition). */
  readonly changesAt: Date | null;
  readonly nextSleep: Date | null;
  readonly nextWake: Date | null;
  /** Override annotations that could not be read. */
  readonly problems: readonly string[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function readOverride(ns: NamespaceObject, key: string, problems: string[]): Date | undefined {
  const text = ns.metadata.annotations?.[key];
  if (text === undefined) return undefined;
  const parsed = RFC3339.test(text) ? new Date(text) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    problems.push(`annotation ${key}="${text}" is not an RFC3339 time; ignored`);
    return undefined;
  }
  return parsed;
}

/** The schedule's next sleep and next wake after `from`, given whether it wants the namespace awake then. */
function scheduleEdges(schedule: ParsedSchedule, from: Date): { nextSleep: Date | null; nextWake: Date | null } {
  const awake = desiredAwake(schedule, from);
  const first = nextTransition(schedule, from);
  const second = first ? nextTransition(schedule, first) : null;
  return awake ? { nextSleep: first, nextWake: second } : { nextWake: first, nextSleep: second };
}

/**
 * An `awake-until` in the future wins over an `asleep-until` (waking is what people ask for in a hurry); an
 * override in the past is ignored. After an override ends the schedule applies again.
 */
/** What the schedule alone wants at `now`; the same for every namespace, so a reconcile computes it once. */
export function scheduleDesire(schedule: ParsedSchedule, now: Date): NamespaceDesire {
  return {
    awake: desiredAwake(schedule, now),
    source: 'schedule',
    changesAt: nextTransition(schedule, now),
    ...scheduleEdges(schedule, now),
    problems: [],
  };
}

export function namespaceDesire(
  schedule: ParsedSchedule,
  ns: NamespaceObject,
  now: Date,
  base: NamespaceDesire = scheduleDesire(schedule, now),
): NamespaceDesire {
  const problems: string[] = [];
  const awakeUntil = readOverride(ns, AWAKE_UNTIL_ANNOTATION, problems);
  const asleepUntil = readOverride(ns, ASLEEP_UNTIL_ANNOTATION, problems);
  const active =
    awakeUntil && awakeUntil > now
      ? { awake: true, until: awakeUntil, source: 'awake-until' as const }
      : asleepUntil && asleepUntil > now
        ? { awake: false, until: asleepUntil, source: 'asleep-until' as const }
        : undefined;

  if (!active) return problems.length === 0 ? base : { ...base, problems };
  // When the override ends the schedule takes over: the override's end is a transition only if the schedule
  // wants the other state then; otherwise the schedule's own next edges after the end apply.
  const afterAwake = desiredAwake(schedule, active.until);
  const after = scheduleEdges(schedule, active.until);
  return {
    awake: active.awake,
    source: active.source,
    changesAt: active.until,
    nextSleep: active.awake && !afterAwake ? active.until : after.nextSleep,
    nextWake: !active.awake && afterAwake ? active.until : after.nextWake,
    problems,
  };
}

/** "15m", "1h30m", "90s" → milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^((\d+)h)?((\d+)m)?((\d+)s)?$/.exec(text);
  if (!match || text === '') throw new Error(`invalid duration "${text}" (expected e.g. "15m", "1h30m")`);
  return ((Number(match[2] ?? 0) * 60 + Number(match[4] ?? 0)) * 60 + Number(match[6] ?? 0)) * 1000;
}
