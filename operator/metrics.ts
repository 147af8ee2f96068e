import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The operator's Prometheus metrics; built by the caller into a registry it owns (tests use their own). */
export class OperatorMetrics {
  readonly transitions: Counter<'schedule' | 'namespace' | 'to'>;
  readonly workloadPatches: Counter<'kind' | 'action'>;
  readonly patchErrors: Counter<'kind' | 'reason'>;
  readonly apiRequests: Counter<'verb'>;
  readonly reconcileSeconds: Histogram<'result'>;
  readonly namespacePhases: Gauge<'schedule' | 'namespace' | 'phase'>;
  readonly isLeader: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.transitions = new Counter({
      name: 'roleplane_operator_transitions_total',
      help: 'Namespaces that finished falling asleep or waking up',
      labelNames: ['schedule', 'namespace', 'to'],
      registers,
    });
    this.workloadPatches = new Counter({
      name: 'roleplane_operator_workload_patches_total',
      help: 'Workloads patched, by kind and action (sleep, wake, forget)',
      labelNames: ['kind', 'action'],
      registers,
    });
    this.patchErrors = new Counter({
      name: 'roleplane_operator_patch_errors_total',
      help: 'Failed workload patches, by kind and reason (conflict, gone, other)',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.apiRequests = new Counter({
      name: 'roleplane_operator_api_requests_total',
      help: 'Requests sent to the API server, by verb',
      labelNames: ['verb'],
      registers,
    });
    this.reconcileSeconds = new Histogram({
      name: 'roleplane_operator_reconcile_duration_seconds',
      help: 'Time to reconcile one PowerSchedule',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.namespacePhases = new Gauge({
      name: 'roleplane_operator_namespace_phase',
      help: '1 for the current phase of each managed namespace',
      labelNames: ['schedule', 'namespace', 'phase'],
      registers,
    });
    this.isLeader = new Gauge({
      name: 'roleplane_operator_is_leader',
      help: '1 while this replica holds the leader lease',
      registers,
    });
  }
}
