import { Chart, type ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { GROUP, PLURAL } from '../operator/api/keys.js';
import { WAKER_DEFAULTS, WAKER_ENV } from '../operator/waker/config.js';
import { hardened, podSecurity } from './lib/container.js';
import { componentLabels } from './lib/labels.js';
import { podDisruptionBudget } from './lib/patches.js';
import { finishPod, mountTmp } from './lib/pod.js';
import type { WakerValues } from './values/schema.js';

/** The waker's Deployment, Service, ServiceAccount and ClusterRole; also the Service name the sleeping Ingresses use. */
export const WAKER_NAME = 'roleplane-waker';
export const WAKER_COMPONENT = 'waker';
/** The page's port, on the pod and on its Service (the same number: an ExternalName Service reaches it as is). */
export const WAKER_PORT = WAKER_DEFAULTS.port;

/**
 * What the waker may do: read and annotate only the namespaces it wakes (by name), and list PowerSchedules to check
 * that one manages a namespace before it annotates it. Nothing else; no writes but that one patch.
 */
export function wakerClusterRules(namespaces: readonly string[]): k8s.PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['namespaces'], resourceNames: [...namespaces], verbs: ['get', 'patch'] },
    { apiGroups: [GROUP], resources: [PLURAL], verbs: ['list'] },
  ];
}

export interface WakerChartProps extends ChartProps {
  readonly image: string;
  /** Where it runs: the operator's namespace. (Not ChartProps' `namespace`, which would also go on its ClusterRole.) */
  readonly installNamespace: string;
  readonly waker: WakerValues;
}

/** The wake-on-request service: ServiceAccount, RBAC, Deployment on an always-on pool, Service, PDB. */
export class WakerChart extends Chart {
  constructor(scope: Construct, id: string, props: WakerChartProps) {
    super(scope, id, props);
    const { installNamespace: namespace, waker } = props;
    const hosts = Object.entries(waker.hosts).sort(([a], [b]) => a.localeCompare(b));
    const namespaces = [...new Set(hosts.map(([, ns]) => ns))].sort();

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: WAKER_NAME, namespace },
      automountToken: true,
    });
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: WAKER_NAME },
      rules: wakerClusterRules(namespaces),
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: WAKER_NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WAKER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: WAKER_NAME, namespace }],
    });

    const { healthPort, metricsPort } = WAKER_DEFAULTS;
    const podLabels = componentLabels(WAKER_COMPONENT);
    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: WAKER_NAME, namespace, labels: podLabels },
      replicas: waker.replicas,
      serviceAccount,
      automountServiceAccountToken: true,
      securityContext: podSecurity(),
      terminationGracePeriod: Duration.seconds(10),
      containers: [
        hardened({
          name: 'waker',
          image: props.image,
          args: ['waker', `--port=${WAKER_PORT}`, `--health-port=${healthPort}`, `--metrics-port=${metricsPort}`],
          envVariables: {
            [WAKER_ENV.hosts]: kplus.EnvValue.fromValue(hosts.map(([host, ns]) => `${host}=${ns}`).join(',')),
            [WAKER_ENV.awakeFor]: kplus.EnvValue.fromValue(waker.awakeFor),
            [WAKER_ENV.perNamespaceSeconds]: kplus.EnvValue.fromValue(String(waker.perNamespaceSeconds)),
            [WAKER_ENV.burst]: kplus.EnvValue.fromValue(String(waker.burst)),
            [WAKER_ENV.perMinute]: kplus.EnvValue.fromValue(String(waker.perMinute)),
          },
          ports: [
            { name: 'http', number: WAKER_PORT },
            { name: 'health', number: healthPort },
            { name: 'metrics', number: metricsPort },
          ],
          readiness: kplus.Probe.fromHttpGet('/readyz', { port: healthPort, periodSeconds: Duration.seconds(10) }),
          liveness: kplus.Probe.fromHttpGet('/healthz', {
            port: healthPort,
            periodSeconds: Duration.seconds(20),
            failureThreshold: 3,
          }),
          resourceValues: waker.resources,
        }),
      ],
    });
    // tsx compiles the sources into /tmp under the read-only root (the operator once exited at start without it).
    mountTmp(deployment, deployment.containers[0]!, 64);
    finishPod(deployment, waker.pool, podLabels);

    new kplus.Service(this, 'Service', {
      metadata: { name: WAKER_NAME, namespace },
      selector: deployment,
      ports: [{ name: 'http', port: WAKER_PORT, targetPort: WAKER_PORT }],
    });
    podDisruptionBudget(this, { name: WAKER_NAME, namespace, podLabels, maxUnavailable: 1 });
  }
}
