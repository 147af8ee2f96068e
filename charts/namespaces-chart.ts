import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { POWER_SCHEDULE_LABEL } from '../operator/api/keys.js';

/** Labels that make the PodSecurity admission enforce, audit and warn at `restricted`. */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/audit-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'latest',
};

export interface NamespacesChartProps extends ChartProps {
  /** Namespaces this environment owns, in output order. */
  readonly names: readonly string[];
  /** PowerSchedule (by name) that selects these namespaces. @default - none: the namespaces never sleep */
  readonly powerSchedule?: string;
}

/** Every namespace of the environment, restricted by PodSecurity; applied before anything that lives in them. */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, props: NamespacesChartProps) {
    super(scope, id, props);
    for (const name of props.names) {
      const ns = new kplus.Namespace(this, name, { metadata: { name } });
      for (const [key, value] of Object.entries(POD_SECURITY_LABELS)) ns.metadata.addLabel(key, value);
      if (props.powerSchedule) ns.metadata.addLabel(POWER_SCHEDULE_LABEL, props.powerSchedule);
    }
  }
}
