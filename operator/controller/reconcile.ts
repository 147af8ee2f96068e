/**
 * One PowerSchedule → the desired state of each namespace it selects (from the clock, level-triggered) →
 * sparse patches of the workloads that differ → status and events. Returns when it wants to run again: the
 * next transition, an override's end, a grace period's end, or soon after a conflict.
 *
 * Each step is a function of its own: who manages a namespace (management.ts), patching its workloads in order
 * (patch-workloads.ts), its phase and transitions (transitions.ts), the schedule's status (schedule-status.ts).
 */
import type { Logger } from 'pino';
import type { NamespaceStatus, PowerSchedule, PowerScheduleStatus } from '../api/power-schedule.js';
import { gracePeriodOf } from '../api/power-schedule.js';
import type { Clock } from '../clock.js';
import type { ClusterCache, KubeApi, WorkloadObject } from '../kube/api.js';
import type { OperatorMetrics } from '../metrics.js';
import { type ParsedSchedule, parseSchedule } from '../schedule/grammar.js';
import { handsOffStatus, managementOf, zeroCounts } from './management.js';
import { mapLimit } from './map-limit.js';
import { type NamespaceDesire, namespaceDesire, parseDurationMs, scheduleDesire } from './namespace-state.js';
import { patchWorkloads } from './patch-workloads.js';
import { earliest, RETRY_AFTER_CONFLICT_MS } from './requeue.js';
import {
  currentStatus,
  invalidScheduleStatus,
  nextHolidayOf,
  scheduleStatus,
  type WrittenStatus,
  writeStatus,
} from './schedule-status.js';
import { selectedNamespaces } from './select-namespaces.js';
import { type NamespaceMemory, namespacePhase, recordTransition, reportPhases } from './transitions.js';
import { isExcluded } from './workloads.js';

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
   * Per `schedule/namespace`: the state it last settled in and the workloads patched since. Transitions (events,
   * metrics, log lines) are detected against this, not against the cached status, which lags our own writes.
   */
  readonly transitions: Map<string, NamespaceMemory>;
  /**
   * The status last written per schedule. The cache lags our own status writes, so a new status is compared with
   * this: one write per real change.
   */
  readonly statuses: Map<string, WrittenStatus>;
  /** Patches in flight at once within one namespace. @default - OPERATOR_DEFAULTS.concurrency (operator/config.ts) */
  readonly concurrency?: number;
}

export interface ReconcileResult {
  /** Run again after this long; null = only when something changes. */
  readonly requeueAfterMs: number | null;
}

interface NamespaceOutcome {
  readonly status: NamespaceStatus;
  /** When this namespace wants the schedule reconciled again (ms since the epoch), or null. */
  readonly wakeAt: number | null;
}

/** What a reconcile knows about the schedule before it looks at any namespace; the same for each of them. */
interface ScheduleInView {
  readonly schedule: PowerSchedule;
  /** Its status as last written (see currentStatus). */
  readonly current: PowerScheduleStatus | undefined;
  readonly parsed: ParsedSchedule;
  readonly graceMs: number;
  /** What the schedule alone wants now, before each namespace's override annotations. */
  readonly base: NamespaceDesire;
  readonly now: Date;
}

export async function reconcile(name: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const schedule = deps.cache.schedule(name);
  if (!schedule) {
    deps.statuses.delete(name);
    return { requeueAfterMs: null };
  }
  const now = deps.clock.now();
  const current = currentStatus(schedule, deps.statuses);

  const spec = parseSpec(schedule);
  if ('err' in spec) {
    // An invalid schedule does nothing at all: no workload is touched until it is fixed.
    deps.log.child({ schedule: name }).warn({ err: spec.err }, 'invalid schedule');
    const message = spec.err instanceof Error ? spec.err.message : String(spec.err);
    await writeStatus(schedule, invalidScheduleStatus(schedule, message, now, current), deps);
    return { requeueAfterMs: null };
  }

  const view: ScheduleInView = { schedule, current, ...spec, base: scheduleDesire(spec.parsed, now), now };
  const names = selectedNamespaces(schedule.spec, deps.cache.namespaces());
  const outcomes = await mapLimit(names, NAMESPACES_IN_PARALLEL, (ns) => reconcileNamespace(view, ns, deps));
  const statuses = outcomes.map((o) => o.status);
  reportPhases(name, statuses, deps.metrics);
  const holiday = nextHolidayOf(view.parsed, now);
  await writeStatus(schedule, scheduleStatus(schedule, statuses, now, current, holiday?.day), deps);

  // A holiday's end changes status.nextHoliday even when no namespace changes then.
  const wakeAt = earliest(...outcomes.map((o) => o.wakeAt), holiday?.endsAtMs);
  return { requeueAfterMs: wakeAt === null ? null : Math.max(0, wakeAt - deps.clock.now().getTime()) };
}

function parseSpec(schedule: PowerSchedule): { parsed: ParsedSchedule; graceMs: number } | { err: unknown } {
  try {
    const { uptime, downtime, timeZone, holidays } = schedule.spec;
    return {
      parsed: parseSchedule({ uptime, downtime, timeZone, holidays }),
      graceMs: parseDurationMs(gracePeriodOf(schedule.spec)),
    };
  } catch (err) {
    return { err };
  }
}

/**
 * One namespace, in steps: look it up, work out what the schedule (and its override annotations) want, decide who
 * manages it, patch its workloads in order, work out its phase and record a finished transition, build its status.
 */
async function reconcileNamespace(view: ScheduleInView, name: string, deps: ReconcileDeps): Promise<NamespaceOutcome> {
  const { schedule, now } = view;
  const ns = deps.cache.namespace(name);
  if (!ns)
    return { status: { name, phase: 'Failed', managed: zeroCounts(), lastError: 'namespace not found' }, wakeAt: null };

  const desire = namespaceDesire(view.parsed, ns, now, view.base);
  const times = {
    ...(desire.nextSleep ? { nextSleep: desire.nextSleep.toISOString() } : {}),
    ...(desire.nextWake ? { nextWake: desire.nextWake.toISOString() } : {}),
  };
  const workloads = deps.cache.workloads(name);
  const managed = countManaged(workloads.filter((w) => !isExcluded(w, schedule.spec.excludedWorkloads ?? [])));

  const management = managementOf(schedule, ns, deps.cache.schedules());
  if (management.by !== 'this-schedule')
    return { status: handsOffStatus(name, management, times, managed), wakeAt: null };

  const previous = view.current?.namespaces?.find((s) => s.name === name);
  // The namespace went to sleep when the operator first acted on a wish for sleep; that moment is kept (in the
  // status) while it stays asleep, whatever the schedule is edited to meanwhile.
  const asleepSince = desire.awake ? undefined : (previous?.asleepSince ?? now.toISOString());
  const work = await patchWorkloads(
    {
      schedule,
      namespace: name,
      workloads,
      desire,
      graceMs: view.graceMs,
      asleepSince: asleepSince === undefined ? null : Date.parse(asleepSince),
      announcedGrace: previous?.gracePeriods ?? [],
      now,
    },
    deps,
  );
  const errors = [...desire.problems, ...work.errors];

  const phase = namespacePhase(desire.awake, { ...work, errors });
  await recordTransition(
    {
      schedule: schedule.metadata.name,
      namespace: name,
      phase,
      awake: desire.awake,
      previous,
      changed: work.changed,
      source: desire.source,
    },
    deps,
  );

  return {
    status: {
      name,
      phase,
      managed,
      ...times,
      ...(asleepSince !== undefined ? { asleepSince } : {}),
      ...(work.grace.length > 0 ? { gracePeriods: [...work.grace] } : {}),
      ...(errors.length > 0 ? { lastError: errors.join('; ').slice(0, 1024) } : {}),
    },
    wakeAt: earliest(
      desire.changesAt?.getTime(),
      work.graceEnds,
      work.retryAt,
      // Not done yet (a write the watch has not shown, or a conflict): look again soon even if no event comes.
      work.pending || work.awaitingWatch ? deps.clock.now().getTime() + 2 * RETRY_AFTER_CONFLICT_MS : null,
    ),
  };
}

function countManaged(workloads: readonly WorkloadObject[]): NamespaceStatus['managed'] {
  const counts = zeroCounts();
  for (const w of workloads) {
    if (w.kind === 'Deployment') counts.deployments++;
    else if (w.kind === 'StatefulSet') counts.statefulSets++;
    else counts.cronJobs++;
  }
  return counts;
}
