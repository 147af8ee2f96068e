/**
 * A namespace's phase after its workloads were patched, and what happens when it finishes a transition (becomes
 * Awake or Asleep): a metric, a log line and a `Slept`/`Woke` Event on the namespace.
 */
import { NAMESPACE_PHASES, type NamespacePhase, type NamespaceStatus } from '../api/power-schedule.js';
import type { OperatorMetrics } from '../metrics.js';
import type { NamespaceDesire } from './namespace-state.js';
import type { PatchOutcome } from './patch-workloads.js';
import type { ReconcileDeps } from './reconcile.js';

/**
 * Awake or Asleep once every workload is done; Waking or Sleeping while a patch failed or met a conflict, or
 * (asleep) a workload created while asleep still has grace time. A write of ours the cache does not show yet is
 * done: the phase does not flap back while the watch catches up.
 */
export function namespacePhase(
  awake: boolean,
  work: Pick<PatchOutcome, 'pending' | 'errors' | 'graceEnds'>,
): NamespacePhase {
  const done = !work.pending && work.errors.length === 0;
  if (awake) return done ? 'Awake' : 'Waking';
  return done && work.graceEnds === null ? 'Asleep' : 'Sleeping';
}

/** What the operator remembers of one namespace between reconciles (by `schedule/namespace`). */
export interface NamespaceMemory {
  /** The last finished state it saw or announced; unset until it has seen one. */
  readonly settled: 'Awake' | 'Asleep' | undefined;
  /** The state being worked towards, and the workloads patched for it since it was last settled. */
  readonly awake: boolean;
  readonly changed: number;
}

export interface Transition {
  readonly schedule: string;
  readonly namespace: string;
  readonly phase: NamespacePhase;
  /** What the namespace should be now. */
  readonly awake: boolean;
  /** The namespace's status as last written (by this operator, else as cached); undefined if none. */
  readonly previous: Pick<NamespaceStatus, 'phase' | 'gracePeriods' | 'lastError'> | undefined;
  /** Workloads patched by this reconcile. */
  readonly changed: number;
  readonly source: NamespaceDesire['source'];
}

function settledOf(phase: NamespacePhase | undefined): NamespaceMemory['settled'] {
  return phase === 'Awake' || phase === 'Asleep' ? phase : undefined;
}

/** The state a status shows as settled: Sleeping only for grace periods is asleep but for workloads created since. */
function settledIn(status: Transition['previous']): NamespaceMemory['settled'] {
  if (status?.phase === 'Sleeping' && (status.gracePeriods?.length ?? 0) > 0 && !status.lastError) return 'Asleep';
  return settledOf(status?.phase);
}

/**
 * Remembers the phase and, when the namespace has just become Awake or Asleep, says so: a metric, a log line and
 * an Event, all three for every transition, the operator's first pass included. A transition is a finished state
 * other than the one last settled, reached by patching workloads or from a known other state. A namespace first
 * seen already Awake or Asleep with nothing changed is not one.
 */
export async function recordTransition(t: Transition, deps: ReconcileDeps): Promise<void> {
  const key = `${t.schedule}/${t.namespace}`;
  const memory = deps.transitions.get(key) ?? { settled: settledIn(t.previous), awake: t.awake, changed: 0 };
  const changed = (memory.awake === t.awake ? memory.changed : 0) + t.changed;
  const finished = settledOf(t.phase);
  if (finished === undefined) {
    deps.transitions.set(key, { settled: memory.settled, awake: t.awake, changed });
    return;
  }
  deps.transitions.set(key, { settled: finished, awake: t.awake, changed: 0 });
  if (finished === memory.settled || (changed === 0 && memory.settled === undefined)) return;
  const asleep = finished === 'Asleep';
  deps.metrics?.transitions.inc({ schedule: t.schedule, namespace: t.namespace, to: finished });
  deps.log.info(
    { schedule: t.schedule, namespace: t.namespace, phase: finished, changed, source: t.source },
    asleep ? 'namespace asleep' : 'namespace awake',
  );
  await deps.api
    .createEvent({
      regarding: { kind: 'Namespace', apiVersion: 'v1', name: t.namespace, namespace: t.namespace },
      type: 'Normal',
      reason: asleep ? 'Slept' : 'Woke',
      action: asleep ? 'Sleep' : 'Wake',
      note: `${asleep ? 'put to sleep' : 'woken'} by PowerSchedule ${t.schedule} (${t.source}); ${changed} workload(s) changed`,
    })
    .catch((err: unknown) => deps.log.warn({ err }, 'could not record event'));
}

/** One gauge series per schedule, namespace and phase: 1 for the namespace's phase, 0 for the others. */
export function reportPhases(
  schedule: string,
  statuses: readonly NamespaceStatus[],
  metrics: OperatorMetrics | undefined,
): void {
  for (const s of statuses) {
    for (const phase of NAMESPACE_PHASES)
      metrics?.namespacePhases.set({ schedule, namespace: s.name, phase }, s.phase === phase ? 1 : 0);
  }
}
