/**
 * Turns the synthesized ServiceMonitors and PodMonitors into a plain Prometheus `scrape_configs` with static
 * targets, for a Prometheus that runs without the Prometheus Operator (the local container stack). Each target gets
 * the labels the operator's generated config would give it (`job` from the monitor's `jobLabel`, `namespace`,
 * `service`, `container`, `endpoint`), so the same alert rules and dashboards work on it; `instance` is the address.
 * Where targets are is not in the manifests: the caller says it, per monitored Service or workload.
 */
import type { Manifest } from '../../charts/synth.js';

/** One endpoint of one Service (ServiceMonitor) or workload (PodMonitor) that needs an address. */
export interface EndpointRef {
  /** `ServiceMonitor` or `PodMonitor`, `<namespace>/<name>` of the monitor. */
  readonly monitor: string;
  readonly namespace: string;
  /** The Service's name (ServiceMonitor) or the workload's (PodMonitor). */
  readonly name: string;
  /** The endpoint's port name, and the port the pod listens on for it. */
  readonly portName: string;
  readonly containerPort: number;
}

/** An address (`host:port`) per endpoint, or undefined when the caller has none. */
export type AddressOf = (endpoint: EndpointRef) => string | undefined;

export interface StaticScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  metrics_path: string;
  scheme: string;
  static_configs: Array<{ targets: string[]; labels: Record<string, string> }>;
}

interface Selector {
  matchLabels?: Record<string, string>;
}
interface MonitorEndpoint {
  port?: string;
  path?: string;
  interval?: string;
  scheme?: string;
}
interface MonitorSpec {
  selector: Selector;
  jobLabel?: string;
  endpoints?: MonitorEndpoint[];
  podMetricsEndpoints?: MonitorEndpoint[];
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: { containers: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number }> }> };
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

function matches(selector: Selector, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

function templateOf(o: Manifest): PodTemplate {
  return (o.spec as { template: PodTemplate }).template;
}

/**
 * A map as the simplest AddressOf: keys `<namespace>/<name>:<portName>` or `<namespace>/<name>`, values `host:port`
 * or `host` (the endpoint's container port is added).
 */
export function addressesFrom(map: Readonly<Record<string, string>>): AddressOf {
  return (e) => {
    const exact = map[`${e.namespace}/${e.name}:${e.portName}`];
    if (exact !== undefined) return exact;
    const host = map[`${e.namespace}/${e.name}`];
    if (host === undefined) return undefined;
    return /:\d+$/.test(host) && !host.startsWith('[') ? host : `${host}:${e.containerPort}`;
  };
}

function containerWithPort(
  owner: string,
  template: PodTemplate,
  port: { name?: string; number?: number },
): { container: string; containerPort: number } {
  for (const c of template.spec.containers) {
    for (const p of c.ports ?? []) {
      if (
        (port.name !== undefined && p.name === port.name) ||
        (port.number !== undefined && p.containerPort === port.number)
      )
        return { container: c.name, containerPort: p.containerPort };
    }
  }
  throw new Error(`${owner} has no container port ${port.name ?? port.number}`);
}

function mustAddress(addressOf: AddressOf, ref: EndpointRef): string {
  const address = addressOf(ref);
  if (address === undefined) {
    throw new Error(
      `no address for ${ref.monitor} endpoint ${ref.portName}: ${ref.namespace}/${ref.name} (port ${ref.containerPort}) is not in the map`,
    );
  }
  if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(address))
    throw new Error(`the address for ${ref.monitor} endpoint ${ref.portName} must be host:port (got "${address}")`);
  return address;
}

function serviceMonitorConfigs(
  monitor: Manifest,
  objects: readonly Manifest[],
  addressOf: AddressOf,
): StaticScrapeConfig[] {
  const { name, namespace = 'default' } = monitor.metadata;
  const spec = monitor.spec as MonitorSpec;
  const label = `ServiceMonitor ${namespace}/${name}`;
  const services = objects.filter(
    (o) => o.kind === 'Service' && o.metadata.namespace === namespace && matches(spec.selector, o.metadata.labels),
  );
  if (services.length === 0) throw new Error(`${label} selects no Service among the objects`);
  return (spec.endpoints ?? []).map((endpoint, index) => {
    const staticConfigs = services.map((service) => {
      const svc = service.spec as {
        selector?: Record<string, string>;
        ports: Array<{ name?: string; port: number; targetPort?: number | string }>;
      };
      const servicePort = svc.ports.find((p) => p.name === endpoint.port);
      if (!servicePort)
        throw new Error(`${label}: Service ${service.metadata.name} has no port named ${endpoint.port}`);
      const workload = objects.find(
        (o) =>
          WORKLOADS.includes(o.kind) &&
          o.metadata.namespace === namespace &&
          matches({ matchLabels: svc.selector ?? {} }, templateOf(o).metadata?.labels),
      );
      if (!workload) throw new Error(`${label}: Service ${service.metadata.name} selects no workload`);
      const target = servicePort.targetPort ?? servicePort.port;
      const { container, containerPort } = containerWithPort(
        `${workload.kind} ${namespace}/${workload.metadata.name}`,
        templateOf(workload),
        typeof target === 'number' ? { number: target } : { name: target },
      );
      const ref = {
        monitor: label,
        namespace,
        name: service.metadata.name,
        portName: endpoint.port ?? '',
        containerPort,
      };
      const job = (spec.jobLabel && service.metadata.labels?.[spec.jobLabel]) || service.metadata.name;
      return {
        targets: [mustAddress(addressOf, ref)],
        labels: { job, namespace, service: service.metadata.name, container, endpoint: endpoint.port ?? '' },
      };
    });
    return scrapeConfig(`serviceMonitor/${namespace}/${name}/${index}`, endpoint, staticConfigs);
  });
}

function podMonitorConfigs(
  monitor: Manifest,
  objects: readonly Manifest[],
  addressOf: AddressOf,
): StaticScrapeConfig[] {
  const { name, namespace = 'default' } = monitor.metadata;
  const spec = monitor.spec as MonitorSpec;
  const label = `PodMonitor ${namespace}/${name}`;
  const workloads = objects.filter(
    (o) =>
      WORKLOADS.includes(o.kind) &&
      o.metadata.namespace === namespace &&
      matches(spec.selector, templateOf(o).metadata?.labels),
  );
  if (workloads.length === 0) throw new Error(`${label} selects no workload among the objects`);
  return (spec.podMetricsEndpoints ?? []).map((endpoint, index) => {
    const staticConfigs = workloads.map((workload) => {
      const template = templateOf(workload);
      const { container, containerPort } = containerWithPort(
        `${workload.kind} ${namespace}/${workload.metadata.name}`,
        template,
        { name: endpoint.port },
      );
      const ref = {
        monitor: label,
        namespace,
        name: workload.metadata.name,
        portName: endpoint.port ?? '',
        containerPort,
      };
      const job = (spec.jobLabel && template.metadata?.labels?.[spec.jobLabel]) || `${namespace}/${name}`;
      return {
        targets: [mustAddress(addressOf, ref)],
        labels: { job, namespace, container, endpoint: endpoint.port ?? '' },
      };
    });
    return scrapeConfig(`podMonitor/${namespace}/${name}/${index}`, endpoint, staticConfigs);
  });
}

function scrapeConfig(
  jobName: string,
  endpoint: MonitorEndpoint,
  staticConfigs: StaticScrapeConfig['static_configs'],
): StaticScrapeConfig {
  return {
    job_name: jobName,
    ...(endpoint.interval ? { scrape_interval: endpoint.interval } : {}),
    metrics_path: endpoint.path ?? '/metrics',
    scheme: (endpoint.scheme ?? 'http').toLowerCase(),
    static_configs: staticConfigs,
  };
}

/**
 * One scrape config per monitor endpoint, named as the Prometheus Operator names it (`serviceMonitor/<ns>/<name>/<i>`).
 * Throws, naming the monitor, when a monitor selects nothing, a port does not exist, or `addressOf` has no address.
 */
export function scrapeConfigs(objects: readonly Manifest[], addressOf: AddressOf): StaticScrapeConfig[] {
  return objects.flatMap((o) => {
    if (o.kind === 'ServiceMonitor') return serviceMonitorConfigs(o, objects, addressOf);
    if (o.kind === 'PodMonitor') return podMonitorConfigs(o, objects, addressOf);
    return [];
  });
}

/** A whole prometheus.yml: global intervals, the rule files, and the scrape configs (their interval may be overridden). */
export function prometheusConfig(
  configs: readonly StaticScrapeConfig[],
  opts: { ruleFiles?: readonly string[]; evaluationInterval?: string; scrapeInterval?: string } = {},
): Record<string, unknown> {
  return {
    global: {
      ...(opts.scrapeInterval ? { scrape_interval: opts.scrapeInterval } : {}),
      ...(opts.evaluationInterval ? { evaluation_interval: opts.evaluationInterval } : {}),
    },
    rule_files: [...(opts.ruleFiles ?? [])],
    scrape_configs: configs.map((c) => {
      if (!opts.scrapeInterval) return c;
      const { scrape_interval: _ignored, ...rest } = c;
      return { ...rest, scrape_interval: opts.scrapeInterval };
    }),
  };
}
