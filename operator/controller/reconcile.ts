/**
 * One PowerSchedule → the desired state of each namespace it selects (from the clock, level-triggered) →
 * sparse patches of the workloads that differ → status and events. Returns when it wants to run again: the
 * next transition, an override's end, a grace period's end, or soon after a conflict.
 */
import type { Logger } from 'pino';
import type {
  Condition,
  ManagedCounts,
  NamespacePhase,
  NamespaceStatus,
  PowerSchedule,
  PowerScheduleStatus,
} from '../api/power-schedule.js';
import { downtimeReplicasOf, gracePeriodOf, NAMESPACE_PHASES } from '../api/power-schedule.js';
import { EXCLUDE_LABEL } from '../api/keys.js';
import type { Clock } from '../clock.js';
import { type ClusterCache, type KubeApi, KubeApiError, type WorkloadObject } from '../kube/api.js';
import type { OperatorMetrics } from '../metrics.js';
import { desiredAwake } from '../schedule/evaluate.js';
import { type ParsedSchedule, parseSchedule } from '../schedule/grammar.js';
import { mapLimit } from './map-limit.js';
import { type NamespaceDesire, namespaceDesire, parseDurationMs, scheduleDesire } from './namespace-state.js';
import { selectedNamespaces, selects } from './select-namespaces.js';
import { type Decision, isAsleepByUs, isExcluded, planSleep, planWake, SLEEP_ORDER, WAKE_ORDER } from './workloads.js';

/** After a conflict (someone else wrote the object) the cache catches up within moments. */
const RETRY_AFTER_CONFLICT_MS = 1_000;
const RETRY_AFTER_ERROR_MS = 10_000;
/** Namespaces worked on at once; each has up to `concurrency` patches in flight. */
const NAMESPACES_IN_PARALLEL = 8;

export interface ReconcileDeps {
  readonly api: KubeApi;
  readonly cache: ClusterCache;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: OperatorMetrics;
  /**
   * Objects patched whose watch event has not arrived yet: uid → the resourceVersion we patched from. While the
   * cache still shows that version the object is left alone instead of being patched again into a 409.
   */
  readonly inFlight: Map<string, string>;
  /**
   * The phase last reported per `schedule/namespace`. The cached status lags our own status writes, so
   * transitions (events, metrics) are detected against this, not against the cache.
   */
  readonly phases: Map<string, NamespacePhase>;
  /** Patches in flight at once within one namespace. @default 8 */
  readonly concurrency?: number;
}

export interface ReconcileResult {
  /** Run again after this long; null = only when something changes. */
  readonly requeueAfterMs: number | null;
}

interface NamespaceOutcome {
  readonly status: NamespaceStatus;
  readonly wakeAt: number | null;
}

function zeroCounts(): ManagedCounts {
  return { deployments: 0, statefulSets: 0, cronJobs: 0 };
}

function countManaged(workloads: readonly WorkloadObject[]): ManagedCounts {
  const counts = zeroCounts();
  for (const w of workloads) {
    if (w.kind === 'Deployment') counts.deployments++;
    else if (w.kind === 'StatefulSet') counts.statefulSets++;
    else counts.cronJobs++;
  }
  return counts;
}

function earliest(...times: Array<number | null | undefined>): number | null {
  const valid = times.filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return valid.length === 0 ? null : Math.min(...valid);
}

function condition(
  type: Condition['type'],
  ok: boolean,
  reason: string,
  message: string,
  previous: readonly Condition[] | undefined,
  now: Date,
  generation: number | undefined,
): Condition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    // The time the status last flipped, not the time we last wrote it.
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

export async function reconcile(name: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const schedule = deps.cache.schedule(name);
  if (!schedule) return { requeueAfterMs: null };
  const now = deps.clock.now();
  const generation = schedule.metadata.generation;
  const log = deps.log.child({ schedule: name });

  let parsed: ParsedSchedule;
  let graceMs: number;
  try {
    const { uptime, downtime, timeZone } = schedule.spec;
    parsed = parseSchedule({ uptime, downtime, timeZone });
    graceMs = parseDurationMs(gracePeriodOf(schedule.spec));
  } catch (err) {
    // An invalid schedule does nothing at all: no workload is touched until it is fixed.
    const message = err instanceof Error ? err.message : String(err);
    log.warn({ err: message }, 'invalid schedule');
    const previous = schedule.status?.conditions;
    await writeStatus(
      schedule,
      {
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
        namespaces: schedule.status?.namespaces ?? [],
        conditions: [
          condition('ScheduleValid', false, 'InvalidSchedule', message, previous, now, generation),
          condition(
            'Ready',
            false,
            'InvalidSchedule',
            'the schedule cannot be evaluated; nothing is done until it is fixed',
            previous,
            now,
            generation,
          ),
        ],
      },
      deps,
    );
    return { requeueAfterMs: null };
  }

  const names = selectedNamespaces(schedule.spec, deps.cache.namespaces());
  const base = scheduleDesire(parsed, now);
  const outcomes = await mapLimit(names, NAMESPACES_IN_PARALLEL, (ns) =>
    reconcileNamespace(schedule, ns, parsed, base, graceMs, now, deps),
  );
  const statuses = outcomes.map((o) => o.status);
  const failed = statuses.filter((s) => s.lastError);
  const previous = schedule.status?.conditions;
  const nextSleep = earliest(...statuses.map((s) => (s.nextSleep ? Date.parse(s.nextSleep) : null)));
  const nextWake = earliest(...statuses.map((s) => (s.nextWake ? Date.parse(s.nextWake) : null)));
  const status: PowerScheduleStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...(nextSleep !== null ? { nextSleep: new Date(nextSleep).toISOString() } : {}),
    ...(nextWake !== null ? { nextWake: new Date(nextWake).toISOString() } : {}),
    namespaces: statuses,
    conditions: [
      condition('ScheduleValid', true, 'Parsed', 'the schedule is valid', previous, now, generation),
      condition(
        'Ready',
        failed.length === 0,
        failed.length === 0 ? (schedule.spec.suspend ? 'Suspended' : 'Reconciled') : 'NamespaceErrors',
        failed.length === 0
          ? `${statuses.length} namespace(s) as scheduled`
          : failed.map((s) => `${s.name}: ${s.lastError}`).join('; '),
        previous,
        now,
        generation,
      ),
    ],
  };
  for (const s of statuses) {
    for (const phase of NAMESPACE_PHASES)
      deps.metrics?.namespacePhases.set({ schedule: name, namespace: s.name, phase }, s.phase === phase ? 1 : 0);
  }
  await writeStatus(schedule, status, deps);

  const wakeAt = earliest(...outcomes.map((o) => o.wakeAt));
  return { requeueAfterMs: wakeAt === null ? null : Math.max(0, wakeAt - deps.clock.now().getTime()) };
}

async function reconcileNamespace(
  schedule: PowerSchedule,
  name: string,
  parsed: ParsedSchedule,
  base: NamespaceDesire,
  graceMs: number,
  now: Date,
  deps: ReconcileDeps,
): Promise<NamespaceOutcome> {
  const ns = deps.cache.namespace(name);
  if (!ns)
    return { status: { name, phase: 'Failed', managed: zeroCounts(), lastError: 'namespace not found' }, wakeAt: null };
  const desire = namespaceDesire(parsed, ns, now, base);
  const times = {
    ...(desire.nextSleep ? { nextSleep: desire.nextSleep.toISOString() } : {}),
    ...(desire.nextWake ? { nextWake: desire.nextWake.toISOString() } : {}),
  };
  const excludedList = schedule.spec.excludedWorkloads ?? [];
  const all = deps.cache.workloads(name);
  const managedWorkloads = all.filter((w) => !isExcluded(w, excludedList));

  if (ns.metadata.labels?.[EXCLUDE_LABEL] === 'true') {
    return { status: { name, phase: 'Excluded', managed: zeroCounts(), ...times }, wakeAt: null };
  }
  // Two schedules acting on one namespace would flap it; the first by name manages it, the others say so.
  const claimants = deps.cache
    .schedules()
    .filter((s) => selects(s.spec, ns, name))
    .map((s) => s.metadata.name)
    .sort();
  if (claimants.length > 1 && claimants[0] !== schedule.metadata.name) {
    return {
      status: {
        name,
        phase: 'Excluded',
        managed: zeroCounts(),
        lastError: `also selected by PowerSchedule ${claimants.filter((c) => c !== schedule.metadata.name).join(', ')}; managed by ${claimants[0]} (first by name)`,
      },
      wakeAt: null,
    };
  }
  if (schedule.spec.suspend) {
    return { status: { name, phase: 'Suspended', managed: countManaged(managedWorkloads), ...times }, wakeAt: null };
  }

  const hpaTargets = new Set(deps.cache.hpas(name).map((h) => `${h.targetKind}/${h.targetName}`));
  const downtimeReplicas = downtimeReplicasOf(schedule.spec);
  const errors: string[] = [...desire.problems];
  let pending = false;
  let retryAt: number | null = null;
  let graceEnds: number | null = null;
  let changed = 0;

  const decide = (w: WorkloadObject): Decision | undefined => {
    const ctx = { downtimeReplicas, hasHpa: hpaTargets.has(`${w.kind}/${w.metadata.name}`) };
    // Excluded workloads are never put to sleep, but one excluded while asleep is woken.
    if (desire.awake || isExcluded(w, excludedList)) return planWake(w, ctx);
    const created = w.metadata.creationTimestamp ? Date.parse(w.metadata.creationTimestamp) : NaN;
    if (!isAsleepByUs(w) && now.getTime() - created < graceMs && !desiredAwake(parsed, new Date(created))) {
      // Created while asleep (a deploy at night): left running for the grace period.
      graceEnds = earliest(graceEnds, created + graceMs);
      return undefined;
    }
    return planSleep(w, ctx);
  };

  for (const kind of desire.awake ? WAKE_ORDER : SLEEP_ORDER) {
    const group = all.filter((w) => w.kind === kind);
    await mapLimit(group, deps.concurrency ?? 8, async (w) => {
      const uid = w.metadata.uid ?? `${w.kind}/${name}/${w.metadata.name}`;
      const staleFrom = deps.inFlight.get(uid);
      if (staleFrom !== undefined) {
        if (staleFrom === w.metadata.resourceVersion) {
          pending = true;
          return;
        }
        deps.inFlight.delete(uid);
      }
      const decision = decide(w);
      if (!decision || decision.action === 'none') return;
      try {
        await deps.api.patchWorkload(decision.patch);
        deps.inFlight.set(uid, w.metadata.resourceVersion ?? '');
        changed++;
        const action = decision.event ? 'forget' : desire.awake || isExcluded(w, excludedList) ? 'wake' : 'sleep';
        deps.metrics?.workloadPatches.inc({ kind: w.kind, action });
        if (decision.event) {
          await deps.api
            .createEvent({
              regarding: {
                kind: w.kind,
                apiVersion: w.kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
                name: w.metadata.name,
                namespace: name,
                ...(w.metadata.uid ? { uid: w.metadata.uid } : {}),
              },
              type: decision.event.type,
              reason: decision.event.reason,
              action: 'Restore',
              note: decision.event.note,
            })
            .catch((err: unknown) => deps.log.warn({ err: String(err) }, 'could not record event'));
        }
      } catch (err) {
        const status = err instanceof KubeApiError ? err.status : undefined;
        if (status === 404) return;
        if (status === 409) {
          // Changed since the cache saw it: decide again on the fresh object.
          deps.metrics?.patchErrors.inc({ kind: w.kind, reason: 'conflict' });
          pending = true;
          retryAt = earliest(retryAt, deps.clock.now().getTime() + RETRY_AFTER_CONFLICT_MS);
          return;
        }
        deps.metrics?.patchErrors.inc({ kind: w.kind, reason: 'other' });
        errors.push(err instanceof Error ? err.message : String(err));
        retryAt = earliest(retryAt, deps.clock.now().getTime() + RETRY_AFTER_ERROR_MS);
      }
    });
  }

  const done = !pending && errors.length === 0;
  const phase: NamespacePhase = desire.awake
    ? done
      ? 'Awake'
      : 'Waking'
    : done && graceEnds === null
      ? 'Asleep'
      : 'Sleeping';
  const phaseKey = `${schedule.metadata.name}/${name}`;
  const before = deps.phases.get(phaseKey) ?? schedule.status?.namespaces?.find((s) => s.name === name)?.phase;
  deps.phases.set(phaseKey, phase);
  if ((phase === 'Awake' || phase === 'Asleep') && before !== phase && (changed > 0 || before !== undefined)) {
    deps.metrics?.transitions.inc({ schedule: schedule.metadata.name, namespace: name, to: phase });
    deps.log.info(
      { schedule: schedule.metadata.name, namespace: name, phase, changed, source: desire.source },
      phase === 'Asleep' ? 'namespace asleep' : 'namespace awake',
    );
    await deps.api
      .createEvent({
        regarding: { kind: 'Namespace', apiVersion: 'v1', name, namespace: name },
        type: 'Normal',
        reason: phase === 'Asleep' ? 'Slept' : 'Woke',
        action: phase === 'Asleep' ? 'Sleep' : 'Wake',
        note: `${phase === 'Asleep' ? 'put to sleep' : 'woken'} by PowerSchedule ${schedule.metadata.name} (${desire.source}); ${changed} workload(s) changed`,
      })
      .catch((err: unknown) => deps.log.warn({ err: String(err) }, 'could not record event'));
  }
  const status: NamespaceStatus = {
    name,
    phase,
    managed: countManaged(managedWorkloads),
    ...times,
    ...(errors.length > 0 ? { lastError: errors.join('; ').slice(0, 1024) } : {}),
  };
  return {
    status,
    wakeAt: earliest(
      desire.changesAt?.getTime(),
      graceEnds,
      retryAt,
      pending ? deps.clock.now().getTime() + 2 * RETRY_AFTER_CONFLICT_MS : null,
    ),
  };
}

/** JSON with sorted keys: the API server returns objects with sorted keys, we build them in another order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Writes the status only when it differs, so a quiet reconcile sends no request. */
async function writeStatus(schedule: PowerSchedule, status: PowerScheduleStatus, deps: ReconcileDeps): Promise<void> {
  if (stableJson(schedule.status ?? {}) === stableJson(status)) return;
  try {
    await deps.api.patchScheduleStatus(schedule.metadata.name, status);
  } catch (err) {
    deps.log.warn({ err: String(err) }, 'could not write status');
  }
}
