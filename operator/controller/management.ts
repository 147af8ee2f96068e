/**
 * Who manages a namespace a schedule selects: this schedule, nobody (the namespace is excluded or the schedule
 * suspended), or another schedule that selects it too. Two schedules acting on one namespace would flap it, so the
 * first by name manages it and the others say so in their status.
 */
import { EXCLUDE_LABEL } from '../api/keys.js';
import type { ManagedCounts, NamespaceStatus, PowerSchedule } from '../api/power-schedule.js';
import type { NamespaceObject } from '../kube/api.js';
import { selects } from './select-namespaces.js';

export type Management =
  | { readonly by: 'this-schedule' }
  /** `roleplane.io/exclude=true` on the namespace. */
  | { readonly by: 'nobody'; readonly why: 'excluded' }
  /** `spec.suspend` on the schedule. */
  | { readonly by: 'nobody'; readonly why: 'suspended' }
  | { readonly by: 'another-schedule'; readonly manager: string; readonly others: readonly string[] };

export function managementOf(
  schedule: PowerSchedule,
  ns: NamespaceObject,
  schedules: readonly PowerSchedule[],
): Management {
  if (ns.metadata.labels?.[EXCLUDE_LABEL] === 'true') return { by: 'nobody', why: 'excluded' };
  const me = schedule.metadata.name;
  const claimants = schedules
    .filter((s) => selects(s.spec, ns, ns.metadata.name))
    .map((s) => s.metadata.name)
    .sort();
  if (claimants.length > 1 && claimants[0] !== me) {
    return { by: 'another-schedule', manager: claimants[0]!, others: claimants.filter((c) => c !== me) };
  }
  if (schedule.spec.suspend) return { by: 'nobody', why: 'suspended' };
  return { by: 'this-schedule' };
}

export function zeroCounts(): ManagedCounts {
  return { deployments: 0, statefulSets: 0, cronJobs: 0 };
}

/**
 * The status of a namespace this schedule leaves alone. `times` are its next sleep and wake as the schedule sees
 * them; `managed` counts the workloads it would manage.
 */
export function handsOffStatus(
  name: string,
  management: Exclude<Management, { by: 'this-schedule' }>,
  times: Pick<NamespaceStatus, 'nextSleep' | 'nextWake'>,
  managed: ManagedCounts,
): NamespaceStatus {
  if (management.by === 'another-schedule') {
    return {
      name,
      phase: 'Excluded',
      managed: zeroCounts(),
      lastError: `also selected by PowerSchedule ${management.others.join(', ')}; managed by ${management.manager} (first by name)`,
    };
  }
  return management.why === 'excluded'
    ? { name, phase: 'Excluded', managed: zeroCounts(), ...times }
    : { name, phase: 'Suspended', managed, ...times };
}
