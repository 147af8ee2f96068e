import { type API_VERSION, type KIND } from './keys.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'CronJob';

export interface WorkloadRef {
  kind: WorkloadKind;
  /** Name in every selected namespace. */
  name: string;
}

export interface PowerScheduleSpec {
  /** Namespaces by name; combined (OR) with `namespaceSelector`. */
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  /** IANA zone for timespans that name none. @default "UTC" */
  timeZone?: string;
  /** Timespans during which the namespaces are awake; asleep otherwise. Exclusive with `downtime`. */
  uptime?: string;
  /** Timespans during which the namespaces are asleep; awake otherwise. Exclusive with `uptime`. */
  downtime?: string;
  /** Replicas of Deployments and StatefulSets while asleep. @default 0 */
  downtimeReplicas?: number;
  /** Stops all actions; workloads stay as they are. @default false */
  suspend?: boolean;
  /** Workloads never touched. */
  excludedWorkloads?: WorkloadRef[];
  /** Workloads created while asleep are left running this long. @default "15m" */
  gracePeriod?: string;
  /**
   * Days on which the namespaces stay asleep all day, whatever uptime or downtime say: `YYYY-MM-DD` or
   * `YYYY-MM-DD..YYYY-MM-DD` (both inclusive), local midnight to local midnight in `timeZone`. Override
   * annotations (`roleplane wake`) still win. @default - none
   */
  holidays?: string[];
}

export const NAMESPACE_PHASES = ['Awake', 'Asleep', 'Waking', 'Sleeping', 'Suspended', 'Excluded', 'Failed'] as const;
export type NamespacePhase = (typeof NAMESPACE_PHASES)[number];

export interface ManagedCounts {
  deployments: number;
  statefulSets: number;
  cronJobs: number;
}

/** A workload left running because it was created while its namespace was asleep. */
export interface GraceStatus {
  kind: WorkloadKind;
  name: string;
  /** When its grace period ends and it is put to sleep (RFC3339). */
  until: string;
}

export interface NamespaceStatus {
  name: string;
  phase: NamespacePhase;
  nextSleep?: string;
  nextWake?: string;
  managed: ManagedCounts;
  lastError?: string;
  /** When the operator began to put the namespace to sleep (RFC3339); unset while it is awake. */
  asleepSince?: string;
  /** Workloads a grace period keeps running, each with its end. */
  gracePeriods?: GraceStatus[];
}

export interface Condition {
  type: 'Ready' | 'ScheduleValid';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface PowerScheduleStatus {
  observedGeneration?: number;
  nextSleep?: string;
  nextWake?: string;
  /** `nextSleep`/`nextWake` as local times in the schedule's zone, for people (`kubectl get`). */
  nextSleepLocal?: string;
  nextWakeLocal?: string;
  /** First day (`YYYY-MM-DD`, in `spec.timeZone`) of the holiday in progress or else the next one; absent if none. */
  nextHoliday?: string;
  namespaces?: NamespaceStatus[];
  conditions?: Condition[];
}

export interface PowerSchedule {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: {
    name: string;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
  };
  spec: PowerScheduleSpec;
  status?: PowerScheduleStatus;
}

export const DEFAULT_DOWNTIME_REPLICAS = 0;
export const DEFAULT_GRACE_PERIOD = '15m';
export const DEFAULT_TIME_ZONE = 'UTC';

export function downtimeReplicasOf(spec: PowerScheduleSpec): number {
  return spec.downtimeReplicas ?? DEFAULT_DOWNTIME_REPLICAS;
}

export function gracePeriodOf(spec: PowerScheduleSpec): string {
  return spec.gracePeriod ?? DEFAULT_GRACE_PERIOD;
}

export function timeZoneOf(spec: PowerScheduleSpec): string {
  return spec.timeZone ?? DEFAULT_TIME_ZONE;
}
