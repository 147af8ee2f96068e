/**
 * Puts one namespace's workloads to sleep or wakes them, kind by kind in dependency order (WAKE_ORDER, SLEEP_ORDER),
 * with up to `concurrency` patches of a kind in flight. A conflict or a failure never stops the others; the
 * outcome says what changed, what is left to do and when to look again.
 */
import type { GraceStatus, PowerSchedule } from '../api/power-schedule.js';
import { downtimeReplicasOf, gracePeriodOf } from '../api/power-schedule.js';
import { OPERATOR_DEFAULTS } from '../config.js';
import { KubeApiError, type WorkloadObject } from '../kube/api.js';
import { mapLimit } from './map-limit.js';
import type { NamespaceDesire } from './namespace-state.js';
import type { ReconcileDeps } from './reconcile.js';
import { earliest, RETRY_AFTER_CONFLICT_MS, RETRY_AFTER_ERROR_MS } from './requeue.js';
import {
  type Decision,
  isAsleepByUs,
  isExcluded,
  planSleep,
  planWake,
  SLEEP_ORDER,
  WAKE_ORDER,
  type WorkloadEvent,
} from './workloads.js';

/** One namespace's workloads and what its schedule wants for them now. */
export interface WorkloadsPlan {
  readonly schedule: PowerSchedule;
  readonly namespace: string;
  /** Every workload in the namespace, excluded ones too (one excluded while asleep is woken). */
  readonly workloads: readonly WorkloadObject[];
  readonly desire: NamespaceDesire;
  readonly graceMs: number;
  /**
   * When the namespace really went to sleep (ms since the epoch; null while awake): only workloads created after
   * it get a grace period, whatever the schedule says now.
   */
  readonly asleepSince: number | null;
  /** Grace periods the status already shows: those were announced (Event) before. */
  readonly announcedGrace: readonly GraceStatus[];
  readonly now: Date;
}

export interface PatchOutcome {
  /** Workloads patched. */
  readonly changed: number;
  /** A workload hit a conflict: not done yet. */
  readonly pending: boolean;
  /** A workload's last write by us is not in the cache yet: done, but worth a look once the watch shows it. */
  readonly awaitingWatch: boolean;
  /** Failed patches, as their messages. */
  readonly errors: readonly string[];
  /** When to try again after a failed patch (ms since the epoch). */
  readonly retryAt: number | null;
  /** When the first grace period of a workload created while asleep ends (ms since the epoch). */
  readonly graceEnds: number | null;
  /** The workloads grace periods keep running, in the order of the workloads. */
  readonly grace: readonly GraceStatus[];
}

type Outcome = { -readonly [K in keyof PatchOutcome]: PatchOutcome[K] } & {
  errors: string[];
  held: Array<{ workload: WorkloadObject; until: number }>;
};

export async function patchWorkloads(plan: WorkloadsPlan, deps: ReconcileDeps): Promise<PatchOutcome> {
  const outcome: Outcome = {
    changed: 0,
    pending: false,
    awaitingWatch: false,
    errors: [],
    retryAt: null,
    graceEnds: null,
    grace: [],
    held: [],
  };
  const decide = decider(plan, deps, outcome);
  for (const kind of plan.desire.awake ? WAKE_ORDER : SLEEP_ORDER) {
    const group = plan.workloads.filter((w) => w.kind === kind);
    await mapLimit(group, deps.concurrency ?? OPERATOR_DEFAULTS.concurrency, (w) =>
      patchWorkload(w, decide, plan, deps, outcome),
    );
  }
  const { held, ...rest } = outcome;
  const grace = held.map(({ workload, until }) => ({
    kind: workload.kind,
    name: workload.metadata.name,
    until: new Date(until).toISOString(),
  }));
  await announceGrace(plan, held, deps);
  return { ...rest, grace };
}

/** Says once (an Event on the workload, a log line) that a grace period keeps a workload running, and until when. */
async function announceGrace(plan: WorkloadsPlan, held: Outcome['held'], deps: ReconcileDeps): Promise<void> {
  for (const { workload: w, until } of held) {
    const end = new Date(until).toISOString();
    if (plan.announcedGrace.some((g) => g.kind === w.kind && g.name === w.metadata.name && g.until === end)) continue;
    const since = plan.asleepSince === null ? '' : ` (asleep since ${new Date(plan.asleepSince).toISOString()})`;
    const note =
      `created while namespace ${plan.namespace} was asleep${since}; left running until ${end} ` +
      `(gracePeriod ${gracePeriodOf(plan.schedule.spec)} of PowerSchedule ${plan.schedule.metadata.name}), then put to sleep`;
    deps.log.info(
      {
        schedule: plan.schedule.metadata.name,
        namespace: plan.namespace,
        kind: w.kind,
        name: w.metadata.name,
        until: end,
      },
      'grace period holds a workload',
    );
    await recordWorkloadEvent(w, plan.namespace, { type: 'Normal', reason: 'GracePeriod', note }, deps, 'Wait');
  }
}

/**
 * Sleep or wake for one workload; a workload created after its namespace went to sleep is left running for its
 * grace period.
 */
function decider(plan: WorkloadsPlan, deps: ReconcileDeps, outcome: Outcome) {
  const { desire, graceMs, now, asleepSince } = plan;
  const excluded = plan.schedule.spec.excludedWorkloads ?? [];
  const downtimeReplicas = downtimeReplicasOf(plan.schedule.spec);
  const hpaTargets = new Set(deps.cache.hpas(plan.namespace).map((h) => `${h.targetKind}/${h.targetName}`));
  return (w: WorkloadObject): Decision | undefined => {
    const ctx = { downtimeReplicas, hasHpa: hpaTargets.has(`${w.kind}/${w.metadata.name}`) };
    // Excluded workloads are never put to sleep, but one excluded while asleep is woken.
    if (desire.awake || isExcluded(w, excluded)) return planWake(w, ctx);
    const created = w.metadata.creationTimestamp ? Date.parse(w.metadata.creationTimestamp) : NaN;
    // creationTimestamp has whole seconds, so only a later second than the one the namespace went to sleep in proves
    // a workload came after: one from that same second may be older and is put to sleep with the rest (a grace
    // period is a courtesy to a deploy at night, never a reason to miss the boundary).
    const createdWhileAsleep = asleepSince !== null && created >= Math.floor(asleepSince / 1000) * 1000 + 1000;
    if (!isAsleepByUs(w) && createdWhileAsleep && now.getTime() - created < graceMs) {
      // Created while asleep (a deploy at night): left running for the grace period.
      outcome.graceEnds = earliest(outcome.graceEnds, created + graceMs);
      outcome.held.push({ workload: w, until: created + graceMs });
      return undefined;
    }
    return planSleep(w, ctx);
  };
}

async function patchWorkload(
  w: WorkloadObject,
  decide: (w: WorkloadObject) => Decision | undefined,
  plan: WorkloadsPlan,
  deps: ReconcileDeps,
  outcome: Outcome,
): Promise<void> {
  const uid = w.metadata.uid ?? `${w.kind}/${plan.namespace}/${w.metadata.name}`;
  // Patched by us, and the cache does not show that write yet: patching again would only meet a 409.
  const staleFrom = deps.inFlight.get(uid);
  if (staleFrom !== undefined) {
    if (staleFrom === w.metadata.resourceVersion) {
      outcome.awaitingWatch = true;
      return;
    }
    deps.inFlight.delete(uid);
  }
  const decision = decide(w);
  if (!decision || decision.action === 'none') return;
  try {
    await deps.api.patchWorkload(decision.patch);
    deps.inFlight.set(uid, w.metadata.resourceVersion ?? '');
    outcome.changed++;
    const action = decision.event
      ? 'forget'
      : plan.desire.awake || isExcluded(w, plan.schedule.spec.excludedWorkloads ?? [])
        ? 'wake'
        : 'sleep';
    deps.metrics?.workloadPatches.inc({ kind: w.kind, action });
    if (decision.event) await recordWorkloadEvent(w, plan.namespace, decision.event, deps, 'Restore');
  } catch (err) {
    const status = err instanceof KubeApiError ? err.status : undefined;
    // Deleted since the cache saw it: nothing left to do.
    if (status === 404) return;
    if (status === 409) {
      // Changed since the cache saw it: decide again on the fresh object.
      deps.metrics?.patchErrors.inc({ kind: w.kind, reason: 'conflict' });
      outcome.pending = true;
      outcome.retryAt = earliest(outcome.retryAt, deps.clock.now().getTime() + RETRY_AFTER_CONFLICT_MS);
      return;
    }
    deps.metrics?.patchErrors.inc({ kind: w.kind, reason: 'other' });
    outcome.errors.push(err instanceof Error ? err.message : String(err));
    outcome.retryAt = earliest(outcome.retryAt, deps.clock.now().getTime() + RETRY_AFTER_ERROR_MS);
  }
}

/** An Event on the workload (e.g. ChangedWhileAsleep); a failure to record it is logged, never fatal. */
async function recordWorkloadEvent(
  w: WorkloadObject,
  namespace: string,
  event: WorkloadEvent,
  deps: ReconcileDeps,
  action: string,
): Promise<void> {
  await deps.api
    .createEvent({
      regarding: {
        kind: w.kind,
        apiVersion: w.kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
        name: w.metadata.name,
        namespace,
        ...(w.metadata.uid ? { uid: w.metadata.uid } : {}),
      },
      type: event.type,
      reason: event.reason,
      action,
      note: event.note,
    })
    .catch((err: unknown) => deps.log.warn({ err }, 'could not record event'));
}
