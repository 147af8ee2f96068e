import type { PowerSchedule, PowerScheduleStatus } from '../api/power-schedule.js';

/** The parts of a workload the operator reads; the same shape for the three kinds it manages. */
export interface WorkloadObject {
  kind: 'Deployment' | 'StatefulSet' | 'CronJob';
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  /** Deployments and StatefulSets. Unset means 1, as the API server defaults it. */
  replicas?: number;
  /** CronJobs. */
  suspend?: boolean;
}

export interface NamespaceObject {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string };
}

export interface HpaObject {
  metadata: { name: string; namespace: string };
  targetKind: string;
  targetName: string;
}

/**
 * A merge patch of one workload, sent with `metadata.resourceVersion` as a precondition so that a change made
 * between our read and our write fails with 409 instead of being overwritten or remembered wrongly.
 */
export interface WorkloadPatch {
  kind: WorkloadObject['kind'];
  namespace: string;
  name: string;
  resourceVersion: string;
  /** Annotations to set (string) or remove (null). */
  annotations: Record<string, string | null>;
  replicas?: number;
  suspend?: boolean;
}

export interface EventRecord {
  /** What the event is about; cluster-scoped objects report in the `default` namespace. */
  regarding: { kind: string; apiVersion: string; name: string; namespace?: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

/** Everything the operator does to the API server, so the controller can run against a fake in unit tests. */
export interface KubeApi {
  patchWorkload(patch: WorkloadPatch): Promise<WorkloadObject>;
  patchScheduleStatus(name: string, status: PowerScheduleStatus): Promise<void>;
  createEvent(event: EventRecord): Promise<void>;
}

/** A read-only view of what the informers hold. */
export interface ClusterCache {
  schedules(): readonly PowerSchedule[];
  schedule(name: string): PowerSchedule | undefined;
  namespaces(): readonly NamespaceObject[];
  namespace(name: string): NamespaceObject | undefined;
  workloads(namespace: string): readonly WorkloadObject[];
  hpas(namespace: string): readonly HpaObject[];
}

/** An API error with its HTTP status, so callers can tell a conflict (409) or a vanished object (404) apart. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}
