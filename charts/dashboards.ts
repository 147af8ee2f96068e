/**
 * Grafana dashboards: one per monitored role and one overview of the stack, as plain dashboard JSON (schema of
 * Grafana 10/11, what kube-prometheus-stack ships). Every query reads the Prometheus data source chosen in the
 * dashboard's `datasource` variable and matches the role's `job` and `namespace`, like the alert rules.
 */
import { PAGE_CACHE_METRIC } from './exporter-sidecars.js';
import { type MonitoredRole, type ScrapeTarget, scrapeTargets } from './scrape-targets.js';
import type { Values } from './values/schema.js';

export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  /** A single number (`stat`) instead of a graph over time (`timeseries`). @default timeseries */
  readonly kind?: 'timeseries' | 'stat';
}

export interface Dashboard {
  /** File name in the ConfigMap, and the ConfigMap's name suffix. */
  readonly name: string;
  readonly json: Record<string, unknown>;
}

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

function sel(t: ScrapeTarget, extra = ''): string {
  return `{job="${t.job}", namespace="${t.namespace}"${extra ? `, ${extra}` : ''}}`;
}

function panelJson(spec: PanelSpec, index: number): Record<string, unknown> {
  const columns = 24 / PANEL_WIDTH;
  return {
    id: index + 1,
    type: spec.kind ?? 'timeseries',
    title: spec.title,
    datasource: DATASOURCE,
    gridPos: {
      h: PANEL_HEIGHT,
      w: PANEL_WIDTH,
      x: (index % columns) * PANEL_WIDTH,
      y: Math.floor(index / columns) * PANEL_HEIGHT,
    },
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options: {},
    targets: spec.queries.map((q, i) => ({
      datasource: DATASOURCE,
      expr: q.expr,
      legendFormat: q.legend,
      refId: String.fromCharCode(65 + i),
    })),
  };
}

/** A dashboard's JSON; `uid` is stable per environment and role, so re-applying updates the same dashboard. */
export function dashboardJson(opts: {
  uid: string;
  title: string;
  panels: readonly PanelSpec[];
}): Record<string, unknown> {
  return {
    uid: opts.uid,
    title: opts.title,
    tags: ['roleplane'],
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} }],
    },
    panels: opts.panels.map(panelJson),
  };
}

function searchPanels(t: ScrapeTarget): PanelSpec[] {
  const requests = `roleplane_search_http_request_duration_seconds`;
  const shopper = 'route!~"/metrics|/healthz|/readyz|unmatched"';
  return [
    {
      title: 'Requests by route',
      unit: 'reqps',
      queries: [{ expr: `sum by (route) (rate(${requests}_count${sel(t)}[5m]))`, legend: '{{route}}' }],
    },
    {
      title: 'Latency (shopper routes)',
      unit: 's',
      queries: [0.5, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(${requests}_bucket${sel(t, shopper)}[5m])))`,
        legend: `p${q * 100}`,
      })),
    },
    {
      title: 'Embedding lookups by outcome (off = served without the cache)',
      unit: 'ops',
      queries: [
        { expr: `sum by (outcome) (rate(roleplane_search_cache_lookups_total${sel(t)}[5m]))`, legend: '{{outcome}}' },
      ],
    },
    {
      title: 'Pods with the cache available / index ready',
      unit: 'short',
      queries: [
        { expr: `sum(roleplane_search_cache_available${sel(t)})`, legend: 'cache available' },
        { expr: `sum(roleplane_search_index_ready${sel(t)})`, legend: 'index ready' },
        { expr: `sum(up${sel(t)})`, legend: 'up' },
      ],
    },
  ];
}

function valkeyPanels(t: ScrapeTarget): PanelSpec[] {
  return [
    {
      title: 'Memory used / maxmemory',
      unit: 'bytes',
      queries: [
        { expr: `redis_memory_used_bytes${sel(t)}`, legend: 'used {{pod}}' },
        { expr: `redis_memory_max_bytes${sel(t)}`, legend: 'max {{pod}}' },
      ],
    },
    {
      title: 'Keyspace hits and misses',
      unit: 'ops',
      queries: [
        { expr: `sum(rate(redis_keyspace_hits_total${sel(t)}[5m]))`, legend: 'hits' },
        { expr: `sum(rate(redis_keyspace_misses_total${sel(t)}[5m]))`, legend: 'misses' },
      ],
    },
    {
      title: 'Evicted keys',
      unit: 'ops',
      queries: [{ expr: `sum by (pod) (rate(redis_evicted_keys_total${sel(t)}[5m]))`, legend: '{{pod}}' }],
    },
    {
      title: 'Up and connected clients',
      unit: 'short',
      queries: [
        { expr: `redis_up${sel(t)}`, legend: 'up {{pod}}' },
        { expr: `redis_connected_clients${sel(t)}`, legend: 'clients {{pod}}' },
      ],
    },
  ];
}

function webPanels(t: ScrapeTarget): PanelSpec[] {
  return [
    {
      title: 'Page cache responses by status',
      unit: 'reqps',
      queries: [
        { expr: `sum by (cache_status) (rate(${PAGE_CACHE_METRIC}${sel(t)}[5m]))`, legend: '{{cache_status}}' },
      ],
    },
    {
      title: 'Share of STALE responses (the website failing)',
      unit: 'percentunit',
      queries: [
        {
          expr: `sum(rate(${PAGE_CACHE_METRIC}${sel(t, 'cache_status="STALE"')}[5m])) / sum(rate(${PAGE_CACHE_METRIC}${sel(t)}[5m]))`,
          legend: 'stale',
        },
      ],
    },
    {
      title: 'nginx requests',
      unit: 'reqps',
      queries: [{ expr: `sum(rate(nginx_http_requests_total${sel(t)}[5m]))`, legend: 'requests' }],
    },
    {
      title: 'nginx connections',
      unit: 'short',
      queries: [
        { expr: `sum(nginx_connections_active${sel(t)})`, legend: 'active' },
        { expr: `sum(nginx_up${sel(t)})`, legend: 'nginx up' },
      ],
    },
  ];
}

function operatorPanels(t: ScrapeTarget): PanelSpec[] {
  return [
    {
      title: 'Namespaces by phase (leader)',
      unit: 'short',
      queries: [
        {
          expr: `max by (exported_namespace, phase) (roleplane_operator_namespace_phase${sel(t)} == 1 and on (instance) (roleplane_operator_is_leader${sel(t)} == 1))`,
          legend: '{{exported_namespace}} {{phase}}',
        },
      ],
    },
    {
      title: 'Reconciles by result',
      unit: 'ops',
      queries: [
        {
          expr: `sum by (result) (rate(roleplane_operator_reconcile_duration_seconds_count${sel(t)}[5m]))`,
          legend: '{{result}}',
        },
      ],
    },
    {
      title: 'Workload patches and errors',
      unit: 'ops',
      queries: [
        {
          expr: `sum by (action) (rate(roleplane_operator_workload_patches_total${sel(t)}[5m]))`,
          legend: '{{action}}',
        },
        {
          expr: `sum by (reason) (rate(roleplane_operator_patch_errors_total${sel(t)}[5m]))`,
          legend: 'error {{reason}}',
        },
      ],
    },
    {
      title: 'Leader and replicas up',
      unit: 'short',
      queries: [
        { expr: `sum(roleplane_operator_is_leader${sel(t)})`, legend: 'leaders' },
        { expr: `sum(up${sel(t)})`, legend: 'up' },
      ],
    },
  ];
}

const PANELS: Record<MonitoredRole, (t: ScrapeTarget) => PanelSpec[]> = {
  search: searchPanels,
  valkey: valkeyPanels,
  web: webPanels,
  operator: operatorPanels,
};

function overviewPanels(targets: readonly ScrapeTarget[]): PanelSpec[] {
  return [
    ...targets.map((t): PanelSpec => ({
      title: `${t.role}: targets up`,
      unit: 'short',
      kind: 'stat',
      queries: [{ expr: `sum(up${sel(t)}) or vector(0)`, legend: t.role }],
    })),
    {
      title: 'roleplane alerts firing',
      unit: 'short',
      queries: [
        {
          expr: `count by (alertname) (ALERTS{alertname=~"Roleplane.+", alertstate="firing"})`,
          legend: '{{alertname}}',
        },
      ],
    },
  ];
}

/** Every dashboard of an environment: one per monitored role, then the overview (none with monitoring off). */
export function dashboards(values: Values): Dashboard[] {
  const targets = scrapeTargets(values);
  if (targets.length === 0) return [];
  const env = values.environment;
  const site = values.site.name;
  const perRole = targets.map((t) => ({
    name: `roleplane-${env}-${t.role}`,
    json: dashboardJson({
      uid: `roleplane-${site}-${env}-${t.role}`.slice(0, 40),
      title: `roleplane ${env} / ${t.role}`,
      panels: PANELS[t.role](t),
    }),
  }));
  const overview = {
    name: `roleplane-${env}-overview`,
    json: dashboardJson({
      uid: `roleplane-${site}-${env}-overview`.slice(0, 40),
      title: `roleplane ${env} / overview`,
      panels: overviewPanels(targets),
    }),
  };
  return [...perRole, overview];
}

/** Every PromQL expression the dashboards run, for checking them with promtool. */
export function dashboardQueries(all: readonly Dashboard[]): Array<{ dashboard: string; panel: string; expr: string }> {
  return all.flatMap((d) =>
    (d.json.panels as Array<{ title: string; targets: Array<{ expr: string }> }>).flatMap((p) =>
      p.targets.map((t) => ({ dashboard: d.name, panel: p.title, expr: t.expr })),
    ),
  );
}
