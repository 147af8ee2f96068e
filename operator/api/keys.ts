/** API group, version and the keys the operator reads and writes; each is written here once. */
export const GROUP = 'roleplane.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'PowerSchedule';
export const PLURAL = 'powerschedules';
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Replica count (Deployments, StatefulSets) before the operator scaled the workload down. */
export const ORIGINAL_REPLICAS_ANNOTATION = 'roleplane.io/original-replicas';
/** `spec.suspend` of a CronJob before the operator suspended it. */
export const ORIGINAL_SUSPEND_ANNOTATION = 'roleplane.io/original-suspend';
/** Namespace annotations (RFC3339) that override the schedule until the given instant. */
export const AWAKE_UNTIL_ANNOTATION = 'roleplane.io/awake-until';
export const ASLEEP_UNTIL_ANNOTATION = 'roleplane.io/asleep-until';
/** `true` on a namespace or workload keeps the operator's hands off it. */
export const EXCLUDE_LABEL = 'roleplane.io/exclude';
/** Namespace label the shipped manifests use to attach a namespace to a schedule by name. */
export const POWER_SCHEDULE_LABEL = 'roleplane.io/power-schedule';

export const FIELD_MANAGER = 'roleplane-operator';
export const LEASE_NAME = 'roleplane-operator';
