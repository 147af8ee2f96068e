/**
 * What Prometheus scrapes, per role: the one list that the ServiceMonitors/PodMonitors, the NetworkPolicies, the
 * alert rules (their `job` and `namespace` matchers) and the dashboards are all made from, so they cannot drift.
 */
import { SEARCH_DEFAULT_PORT } from '../workloads/search/service/config.js';
import { OPERATOR_DEFAULTS } from '../operator/config.js';
import { VALKEY_COMPONENT } from './cache-chart.js';
import {
  type MetricsPort,
  NGINX_EXPORTER_PORT,
  PAGE_CACHE_EXPORTER_PORT,
  VALKEY_EXPORTER_PORT,
} from './exporter-sidecars.js';
import { LABEL_COMPONENT, LABEL_NAME } from './lib/labels.js';
import { OPERATOR_COMPONENT, OPERATOR_NAME } from './operator-chart.js';
import { SEARCH_COMPONENT } from './search-chart.js';
import type { Values } from './values/schema.js';
import { WEB_COMPONENT } from './web-chart.js';

export const MONITORED_ROLES = ['search', 'valkey', 'web', 'operator'] as const;
export type MonitoredRole = (typeof MONITORED_ROLES)[number];

export interface ScrapeEndpoint {
  /** The Service port name (ServiceMonitor) or container port name (PodMonitor). */
  readonly portName: string;
  /** The port the pod listens on: what the NetworkPolicy opens. */
  readonly containerPort: number;
}

export interface ScrapeTarget {
  readonly role: MonitoredRole;
  readonly namespace: string;
  /**
   * `ServiceMonitor` where the role has a Service that names its metrics port (search, the operator), `PodMonitor`
   * where the metrics come from sidecars that no Service exposes (nginx, Valkey).
   */
  readonly kind: 'ServiceMonitor' | 'PodMonitor';
  /** The monitor's name. */
  readonly name: string;
  /** Labels the monitor selects Services (ServiceMonitor) or pods (PodMonitor) by; also the NetworkPolicy's pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly serviceLabels?: Readonly<Record<string, string>>;
  /**
   * The label (of the Service, or of the pod) whose value the Prometheus Operator makes the `job` label: every
   * target's job is its role's name.
   */
  readonly jobLabel: string;
  /** The `job` label of the role's series, as the Prometheus Operator sets it from `jobLabel`. */
  readonly job: string;
  readonly endpoints: readonly ScrapeEndpoint[];
}

function fromPort(port: MetricsPort): ScrapeEndpoint {
  return { portName: port.name, containerPort: port.number };
}

/** Every scrape target of an environment (empty with monitoring off). */
export function scrapeTargets(values: Values): ScrapeTarget[] {
  if (!values.monitoring.enabled) return [];
  const targets: ScrapeTarget[] = [
    {
      role: 'search',
      namespace: values.search.namespace,
      kind: 'ServiceMonitor',
      name: 'search',
      podLabels: { [LABEL_COMPONENT]: SEARCH_COMPONENT },
      // The search chart's Services carry `app.kubernetes.io/name: search`; Valkey's, in the same namespace, `valkey`.
      serviceLabels: { [LABEL_NAME]: 'search' },
      jobLabel: LABEL_NAME,
      job: 'search',
      // The service answers /metrics on its one port (named `http` on the Service).
      endpoints: [{ portName: 'http', containerPort: SEARCH_DEFAULT_PORT }],
    },
    {
      role: 'valkey',
      namespace: values.valkey.namespace,
      kind: 'PodMonitor',
      name: 'valkey',
      podLabels: { [LABEL_COMPONENT]: VALKEY_COMPONENT },
      jobLabel: LABEL_COMPONENT,
      job: VALKEY_COMPONENT,
      endpoints: [fromPort(VALKEY_EXPORTER_PORT)],
    },
    {
      role: 'web',
      namespace: values.web.namespace,
      kind: 'PodMonitor',
      name: 'web',
      podLabels: { [LABEL_COMPONENT]: WEB_COMPONENT },
      jobLabel: LABEL_COMPONENT,
      job: WEB_COMPONENT,
      endpoints: [fromPort(NGINX_EXPORTER_PORT), fromPort(PAGE_CACHE_EXPORTER_PORT)],
    },
  ];
  if (values.platform) {
    targets.push({
      role: 'operator',
      namespace: values.platform.operator.namespace,
      kind: 'ServiceMonitor',
      name: OPERATOR_NAME,
      podLabels: { [LABEL_COMPONENT]: OPERATOR_COMPONENT },
      serviceLabels: { [LABEL_NAME]: 'operator' },
      jobLabel: LABEL_NAME,
      job: 'operator',
      endpoints: [{ portName: 'metrics', containerPort: OPERATOR_DEFAULTS.metricsPort }],
    });
  }
  return targets;
}

/** The target of one role, or an error naming it (a rule or dashboard for a role that is not scraped is a bug). */
export function targetOf(targets: readonly ScrapeTarget[], role: MonitoredRole): ScrapeTarget {
  const target = targets.find((t) => t.role === role);
  if (!target) throw new Error(`no scrape target for role ${role}`);
  return target;
}
