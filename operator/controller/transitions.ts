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
 * Awake or Asleep once every workload is done; Waking or Sleeping while a patch failed, is pending, or (asleep)
 * a workload created while asleep still has grace time.
 */
export function namespacePhase(awake: boolean, work: Omit<PatchOutcome, 'changed' | 'retryAt'>): NamespacePhase {
  const done = !work.pending && work.errors.length === 0;
  if (awake) return done ? 'Awake' : 'Waking';
  return done && work.graceEnds === null ? 'Asleep' : 'Sleeping';
}

export interface Transition {
  readonly schedule: string;
  readonly namespace: string;
  readonly phase: NamespacePhase;
  /** The phase the status last showed, if the operator has not reported one since it started. */
  readonly statusPhase: NamespacePhase | undefined;
  /** Workloads patched by this reconcile. */
  readonly changed: number;
  readonly source: NamespaceDesire['source'];
}

/**
 * Remembers the phase and, when the namespace has just become Awake or Asleep, says so. The cached status lags our
 * own status writes, so the phase is compared with the one last reported (`deps.phases`). A namespace first seen
 * already Awake or Asleep with nothing changed is not a transition.
 */
export async function recordTransition(t: Transition, deps: ReconcileDeps): Promise<void> {
  const key = `${t.schedule}/${t.namespace}`;
  const before = deps.phases.get(key) ?? t.statusPhase;
  deps.phases.set(key, t.phase);
  const finished = t.phase === 'Awake' || t.phase === 'Asleep';
  if (!finished || before === t.phase || (t.changed === 0 && before === undefined)) return;
  const asleep = t.phase === 'Asleep';
  deps.metrics?.transitions.inc({ schedule: t.schedule, namespace: t.namespace, to: t.phase });
  deps.log.info(
    { schedule: t.schedule, namespace: t.namespace, phase: t.phase, changed: t.changed, source: t.source },
    asleep ? 'namespace asleep' : 'namespace awake',
  );
  await deps.api
    .createEvent({
      regarding: { kind: 'Namespace', apiVersion: 'v1', name: t.namespace, namespace: t.namespace },
      type: 'Normal',
      reason: asleep ? 'Slept' : 'Woke',
      action: asleep ? 'Sleep' : 'Wake',
      note: `${asleep ? 'put to sleep' : 'woken'} by PowerSchedule ${t.schedule} (${t.source}); ${t.changed} workload(s) changed`,
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
