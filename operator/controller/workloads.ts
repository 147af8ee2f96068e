/**
 * Per-kind sleep and wake decisions, pure: given a workload as the cache sees it, what sparse patch (if any)
 * puts it to sleep or wakes it. The original value goes into an annotation in the same patch as the change,
 * so a crash between two requests can never lose it.
 */
import { EXCLUDE_LABEL, ORIGINAL_REPLICAS_ANNOTATION, ORIGINAL_SUSPEND_ANNOTATION } from '../api/keys.js';
import type { WorkloadRef } from '../api/power-schedule.js';
import type { WorkloadObject, WorkloadPatch } from '../kube/api.js';

export type WorkloadKind = WorkloadObject['kind'];

/** Waking starts with what others depend on (stores), then apps, then scheduled jobs; sleeping goes the other way. */
export const WAKE_ORDER: readonly WorkloadKind[] = ['StatefulSet', 'Deployment', 'CronJob'];
export const SLEEP_ORDER: readonly WorkloadKind[] = [...WAKE_ORDER].reverse();

export interface PlanContext {
  /** Replicas of Deployments and StatefulSets while asleep. */
  readonly downtimeReplicas: number;
  /** Whether an HPA targets the workload: such a workload sleeps at 0, which pauses the HPA. */
  readonly hasHpa: boolean;
}

export interface WorkloadEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly note: string;
}

export type Decision =
  | { readonly action: 'patch'; readonly patch: WorkloadPatch; readonly event?: WorkloadEvent }
  | { readonly action: 'none'; readonly why: 'asleep' | 'awake' | 'at-or-below-target' | 'suspended-by-someone-else' };

function ref(w: WorkloadObject): Pick<WorkloadPatch, 'kind' | 'namespace' | 'name' | 'resourceVersion'> {
  return {
    kind: w.kind,
    namespace: w.metadata.namespace,
    name: w.metadata.name,
    resourceVersion: w.metadata.resourceVersion ?? '',
  };
}

function asleepReplicas(ctx: PlanContext): number {
  return ctx.hasHpa ? 0 : ctx.downtimeReplicas;
}

/** `true` on the workload's label, or listed by kind and name in the schedule. */
export function isExcluded(w: WorkloadObject, excluded: readonly WorkloadRef[] = []): boolean {
  return (
    w.metadata.labels?.[EXCLUDE_LABEL] === 'true' ||
    excluded.some((e) => e.kind === w.kind && e.name === w.metadata.name)
  );
}

/** True when the operator has put this workload to sleep and not yet woken it. */
export function isAsleepByUs(w: WorkloadObject): boolean {
  const annotations = w.metadata.annotations ?? {};
  return w.kind === 'CronJob'
    ? ORIGINAL_SUSPEND_ANNOTATION in annotations
    : ORIGINAL_REPLICAS_ANNOTATION in annotations;
}

export function planSleep(w: WorkloadObject, ctx: PlanContext): Decision {
  if (isAsleepByUs(w)) return { action: 'none', why: 'asleep' };
  if (w.kind === 'CronJob') {
    // Already suspended by someone else: not ours to remember or to resume.
    if (w.suspend === true) return { action: 'none', why: 'suspended-by-someone-else' };
    return {
      action: 'patch',
      patch: { ...ref(w), suspend: true, annotations: { [ORIGINAL_SUSPEND_ANNOTATION]: 'false' } },
    };
  }
  const current = w.replicas ?? 1;
  const target = asleepReplicas(ctx);
  // A workload someone already scaled to (or below) the target is left alone, and never scaled *up* to it.
  if (current <= target) return { action: 'none', why: 'at-or-below-target' };
  return {
    action: 'patch',
    patch: { ...ref(w), replicas: target, annotations: { [ORIGINAL_REPLICAS_ANNOTATION]: String(current) } },
  };
}

export function planWake(w: WorkloadObject, ctx: PlanContext): Decision {
  if (!isAsleepByUs(w)) return { action: 'none', why: 'awake' };
  const annotations = w.metadata.annotations ?? {};
  if (w.kind === 'CronJob') {
    const original = annotations[ORIGINAL_SUSPEND_ANNOTATION] === 'true';
    if (w.suspend === true) {
      return {
        action: 'patch',
        patch: { ...ref(w), suspend: original, annotations: { [ORIGINAL_SUSPEND_ANNOTATION]: null } },
      };
    }
    return drift(w, ORIGINAL_SUSPEND_ANNOTATION, `spec.suspend was set to false while asleep; leaving it as set`);
  }
  const text = annotations[ORIGINAL_REPLICAS_ANNOTATION] ?? '';
  const original = /^\d+$/.test(text) ? Number(text) : undefined;
  if (original === undefined) {
    return drift(
      w,
      ORIGINAL_REPLICAS_ANNOTATION,
      `annotation ${ORIGINAL_REPLICAS_ANNOTATION}="${text}" is not a replica count; leaving replicas at ${w.replicas ?? 1}`,
    );
  }
  const current = w.replicas ?? 1;
  if (current === asleepReplicas(ctx)) {
    return {
      action: 'patch',
      patch: { ...ref(w), replicas: original, annotations: { [ORIGINAL_REPLICAS_ANNOTATION]: null } },
    };
  }
  return drift(
    w,
    ORIGINAL_REPLICAS_ANNOTATION,
    `replicas were changed to ${current} while asleep (${original} before sleep); keeping ${current}`,
  );
}

/** Someone changed the field while asleep: theirs wins, our memory of the old value goes, and we say so. */
function drift(w: WorkloadObject, annotation: string, note: string): Decision {
  return {
    action: 'patch',
    patch: { ...ref(w), annotations: { [annotation]: null } },
    event: { type: 'Warning', reason: 'ChangedWhileAsleep', note },
  };
}
