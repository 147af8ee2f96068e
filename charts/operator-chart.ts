import { Chart, type ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { GROUP, LEASE_NAME, PLURAL } from '../operator/api/keys.js';
import { OPERATOR_DEFAULTS, OPERATOR_ENV } from '../operator/config.js';
import { hardened, podSecurity } from './lib/container.js';
import { componentLabels } from './lib/labels.js';
import { podDisruptionBudget } from './lib/patches.js';
import { finishPod, mountTmp } from './lib/pod.js';
import type { PlatformValues } from './values/schema.js';

export const OPERATOR_NAME = 'roleplane-operator';
export const OPERATOR_COMPONENT = 'operator';

/**
 * What the operator may do, and nothing more: read its schedules and namespaces, write its status, patch the
 * three workload kinds it scales, read HPAs (to report them), write Events. No wildcards, no delete, no secrets.
 * Written as raw rules rather than cdk8s-plus grants so that a reviewer reads exactly what is granted.
 */
export const OPERATOR_CLUSTER_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** Leader election, in the operator's own namespace only; `create` cannot be limited by name in RBAC. */
export const OPERATOR_LEASE_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [LEASE_NAME], verbs: ['get', 'update'] },
];

export interface OperatorChartProps extends ChartProps {
  readonly image: string;
  readonly operator: PlatformValues['operator'];
}

/** The power-schedule operator's install: ServiceAccount, RBAC, Deployment (leader-elected), metrics Service, PDB. */
export class OperatorChart extends Chart {
  constructor(scope: Construct, id: string, props: OperatorChartProps) {
    super(scope, id, props);
    const { namespace, replicas, resources, pool } = props.operator;

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: OPERATOR_NAME, namespace },
      automountToken: true,
    });
    const subject = { kind: 'ServiceAccount', name: OPERATOR_NAME, namespace };

    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: OPERATOR_NAME },
      rules: [...OPERATOR_CLUSTER_RULES],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: OPERATOR_NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR_NAME },
      subjects: [subject],
    });
    new k8s.KubeRole(this, 'LeaseRole', {
      metadata: { name: `${OPERATOR_NAME}-leader-election`, namespace },
      rules: [...OPERATOR_LEASE_RULES],
    });
    new k8s.KubeRoleBinding(this, 'LeaseRoleBinding', {
      metadata: { name: `${OPERATOR_NAME}-leader-election`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${OPERATOR_NAME}-leader-election` },
      subjects: [subject],
    });

    const { metricsPort, healthPort } = OPERATOR_DEFAULTS;
    const podLabels = componentLabels(OPERATOR_COMPONENT);
    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: OPERATOR_NAME, namespace, labels: podLabels },
      replicas,
      serviceAccount,
      automountServiceAccountToken: true,
      securityContext: podSecurity(),
      // The operator finishes the write in flight on SIGTERM; 30 s is ample for one patch.
      terminationGracePeriod: Duration.seconds(30),
      containers: [
        hardened({
          name: 'operator',
          image: props.image,
          args: ['operator', '--leader-elect', `--metrics-port=${metricsPort}`, `--health-port=${healthPort}`],
          envVariables: {
            [OPERATOR_ENV.namespace]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
            [OPERATOR_ENV.podName]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          },
          ports: [
            { name: 'metrics', number: metricsPort },
            { name: 'health', number: healthPort },
          ],
          readiness: kplus.Probe.fromHttpGet('/readyz', { port: healthPort, periodSeconds: Duration.seconds(10) }),
          liveness: kplus.Probe.fromHttpGet('/healthz', {
            port: healthPort,
            periodSeconds: Duration.seconds(20),
            failureThreshold: 3,
          }),
          resourceValues: resources,
        }),
      ],
    });
    // The image runs its TypeScript through tsx, which compiles into /tmp: without it the operator exits at start
    // (found by running the synthesized pod in tools/stack).
    mountTmp(deployment, deployment.containers[0]!, 64);
    finishPod(deployment, pool, podLabels);

    new kplus.Service(this, 'MetricsService', {
      metadata: { name: `${OPERATOR_NAME}-metrics`, namespace },
      selector: deployment,
      ports: [{ name: 'metrics', port: metricsPort, targetPort: metricsPort }],
    });
    podDisruptionBudget(this, { name: OPERATOR_NAME, namespace, podLabels, maxUnavailable: 1 });
  }
}
