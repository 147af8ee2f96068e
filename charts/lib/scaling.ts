import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { podDisruptionBudget } from './patches.js';

export interface Autoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuPercent: number;
}

/**
 * A CPU-driven HPA and a PDB allowing one pod down at a time, named after the Deployment. With the HPA the
 * Deployment carries no `replicas`, so an apply never fights the HPA (or the power-schedule operator).
 */
export function autoscale(
  scope: Construct,
  deployment: kplus.Deployment,
  opts: { name: string; namespace: string; podLabels: Readonly<Record<string, string>>; autoscaling: Autoscaling },
): void {
  new kplus.HorizontalPodAutoscaler(scope, 'Hpa', {
    metadata: { name: opts.name, namespace: opts.namespace },
    target: deployment,
    minReplicas: opts.autoscaling.minReplicas,
    maxReplicas: opts.autoscaling.maxReplicas,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(opts.autoscaling.targetCpuPercent))],
  });
  podDisruptionBudget(scope, {
    name: opts.name,
    namespace: opts.namespace,
    podLabels: opts.podLabels,
    maxUnavailable: 1,
  });
}
