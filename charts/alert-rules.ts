/**
 * The alerts for what the seed says can fail, one group per role. Each alert has a severity (`critical` pages, a
 * `warning` waits for working hours, as the monitoring-mixins guidelines use them), a static one-sentence summary, a
 * templated description and a runbook_url pointing at its section of the README ("Alerts"). Rules match on the `job`
 * and `namespace` the Prometheus Operator gives each role's series (scrape-targets.ts), so a roleplane environment's
 * alerts never see another's.
 */
import { PAGE_CACHE_METRIC } from './exporter-sidecars.js';
import { OPERATOR_NAME } from './operator-chart.js';
import { type MonitoredRole, type ScrapeTarget, scrapeTargets, targetOf } from './scrape-targets.js';
import type { PoolName, Values } from './values/schema.js';

export type Severity = 'critical' | 'warning';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RoleRules {
  /** The role, or `pools` for the scheduling alert that spans them. */
  readonly role: MonitoredRole | 'pools';
  /** Where the PrometheusRule object goes: the role's namespace. */
  readonly namespace: string;
  /** Rule group name: unique across the environment, since Prometheus loads every group together. */
  readonly group: string;
  readonly rules: readonly AlertRule[];
}

/** The runbook of an alert: the README section named after it (GitHub's anchor for a heading is it in lower case). */
export function runbookUrl(baseUrl: string, alert: string): string {
  return `${baseUrl}#${alert.toLowerCase()}`;
}

interface RuleOptions {
  readonly expr: string;
  readonly for: string;
  readonly summary: string;
  readonly description: string;
  readonly labels?: Record<string, string>;
}

/** `{job="…", namespace="…"}` plus extra matchers. */
function sel(target: ScrapeTarget, extra = ''): string {
  return `{job="${target.job}", namespace="${target.namespace}"${extra ? `, ${extra}` : ''}}`;
}

/** True while no target of the role is up, including when there is none at all (every pod gone or Pending). */
function noTargetUp(target: ScrapeTarget): string {
  return `(sum(up${sel(target)}) or vector(0)) < 1`;
}

/** The routes a shopper's request takes: probes and scrapes would pull the percentile down. */
const SHOPPER_ROUTES_MATCHER = 'route!~"/metrics|/healthz|/readyz|unmatched"';

/** Makes rules whose runbook_url points into the values' runbook page. */
function ruleMaker(values: Values) {
  return (alert: string, severity: Severity, opts: RuleOptions): AlertRule => ({
    alert,
    expr: opts.expr,
    for: opts.for,
    labels: { severity, ...opts.labels },
    annotations: {
      summary: opts.summary,
      description: opts.description,
      runbook_url: runbookUrl(values.monitoring.runbookBaseUrl, alert),
    },
  });
}

function searchRules(values: Values, search: ScrapeTarget): RoleRules {
  const { alerts } = values.monitoring;
  const rule = ruleMaker(values);
  const ns = search.namespace;
  const lookups = (extra = '') => `sum(rate(roleplane_search_cache_lookups_total${sel(search, extra)}[5m]))`;
  return {
    role: 'search',
    namespace: ns,
    group: `roleplane-search-${ns}`,
    rules: [
      rule('RoleplaneSearchDown', 'critical', {
        expr: noTargetUp(search),
        for: alerts.downFor,
        labels: { namespace: ns },
        summary: 'No search pod answers its metrics endpoint.',
        description: `Every search target in namespace ${ns} has been down (or gone) for ${alerts.downFor}: the website's search fails or falls back to cached pages.`,
      }),
      rule('RoleplaneSearchNotReady', 'warning', {
        expr: `roleplane_search_index_ready${sel(search)} == 0`,
        for: '10m',
        summary: 'A search pod runs but has not loaded its index.',
        description:
          'Search pod {{ $labels.pod }} in namespace {{ $labels.namespace }} has not been ready (index and model not loaded) for 10 minutes.',
      }),
      rule('RoleplaneSearchWithoutCache', 'warning', {
        // Either searches are measurably answered without the cache (fail-open), or a pod knows its cache is gone:
        // the second holds without traffic, when there is no rate to measure.
        expr: `(${lookups('outcome="off"')} / ${lookups()} > ${alerts.searchWithoutCacheRatio}) or (min(roleplane_search_cache_available${sel(search)}) == 0)`,
        for: alerts.downFor,
        labels: { namespace: ns },
        summary: 'Search is serving without its Valkey cache.',
        description: `Search in namespace ${ns} has answered without Valkey (fail-open) for ${alerts.downFor}: more than ${alerts.searchWithoutCacheRatio * 100}% of lookups, or a pod reports its cache unavailable. Results are still correct; latency and embedding load are higher.`,
      }),
      rule('RoleplaneSearchLatencyHigh', 'warning', {
        expr: `histogram_quantile(0.99, sum by (le) (rate(roleplane_search_http_request_duration_seconds_bucket${sel(search, SHOPPER_ROUTES_MATCHER)}[5m]))) > ${alerts.searchLatencyP99Seconds}`,
        for: '10m',
        labels: { namespace: ns },
        summary: 'Search p99 latency is above its threshold.',
        description: `The 99th percentile of search request latency in namespace ${ns} is {{ $value | humanizeDuration }}, above ${alerts.searchLatencyP99Seconds}s, for 10 minutes.`,
      }),
    ],
  };
}

function valkeyRules(values: Values, valkey: ScrapeTarget): RoleRules {
  const { alerts } = values.monitoring;
  const rule = ruleMaker(values);
  const ns = valkey.namespace;
  return {
    role: 'valkey',
    namespace: ns,
    group: `roleplane-valkey-${ns}`,
    rules: [
      rule('RoleplaneValkeyDown', 'critical', {
        // A replica whose server does not answer its exporter, a pod whose exporter does not answer Prometheus, or
        // no pod at all.
        expr: `(redis_up${sel(valkey)} == 0) or (up${sel(valkey)} == 0) or absent(up${sel(valkey)})`,
        for: alerts.downFor,
        summary: 'Valkey is down.',
        description: `Valkey in namespace {{ $labels.namespace }} (pod {{ $labels.pod }}) has not answered for ${alerts.downFor}. Search keeps answering without its cache.`,
      }),
      rule('RoleplaneValkeyMemoryNearLimit', 'warning', {
        // maxmemory 0 means no limit (redis_memory_max_bytes is 0): no ratio then.
        expr: `redis_memory_used_bytes${sel(valkey)} / (redis_memory_max_bytes${sel(valkey)} > 0) > ${alerts.valkeyMemoryRatio}`,
        for: '15m',
        summary: 'Valkey is near its maxmemory.',
        description: `Valkey pod {{ $labels.pod }} in namespace {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its maxmemory (threshold ${alerts.valkeyMemoryRatio * 100}%) for 15 minutes: it is evicting keys.`,
      }),
    ],
  };
}

function webRules(values: Values, web: ScrapeTarget): RoleRules {
  const { alerts } = values.monitoring;
  const rule = ruleMaker(values);
  const ns = web.namespace;
  const responses = (extra = '') => `sum(rate(${PAGE_CACHE_METRIC}${sel(web, extra)}[5m]))`;
  return {
    role: 'web',
    namespace: ns,
    group: `roleplane-web-${ns}`,
    rules: [
      rule('RoleplaneWebDown', 'critical', {
        expr: `(sum(nginx_up${sel(web)}) or vector(0)) < 1`,
        for: alerts.downFor,
        labels: { namespace: ns },
        summary: 'No web pod serves the website.',
        description: `No nginx of the web role in namespace ${ns} has been up for ${alerts.downFor}: the CDN's origin is gone.`,
      }),
      rule('RoleplaneWebServingStale', 'warning', {
        expr: `${responses('cache_status="STALE"')} / ${responses()} > ${alerts.webStaleRatio}`,
        for: '5m',
        labels: { namespace: ns },
        summary: 'The page cache is serving stale pages because the website is failing.',
        description: `{{ $value | humanizePercentage }} of the page cache's responses in namespace ${ns} are STALE copies (threshold ${alerts.webStaleRatio * 100}%): the website app behind nginx errs, times out or is down.`,
      }),
    ],
  };
}

function operatorRules(values: Values, operator: ScrapeTarget): RoleRules {
  const { alerts } = values.monitoring;
  const rule = ruleMaker(values);
  const ns = operator.namespace;
  const grace = `${alerts.scheduleGraceMinutes}m`;
  // Only the leader reconciles; a standby's gauges are what it saw when it last led.
  const onLeader = `and on (instance) (roleplane_operator_is_leader${sel(operator)} == 1)`;
  // The operator's own `namespace` label (the managed namespace) becomes `exported_namespace`, since the target's
  // namespace label wins (Prometheus' default honor_labels: false).
  const phase = (name: string) =>
    `(roleplane_operator_namespace_phase${sel(operator, `phase="${name}"`)} == 1) ${onLeader}`;
  return {
    role: 'operator',
    namespace: ns,
    group: `roleplane-operator-${ns}`,
    rules: [
      rule('RoleplaneOperatorDown', 'warning', {
        expr: noTargetUp(operator),
        for: alerts.downFor,
        labels: { namespace: ns },
        summary: 'The power-schedule operator is down.',
        description: `No operator replica in namespace ${ns} has answered for ${alerts.downFor}: namespaces neither sleep nor wake on schedule.`,
      }),
      rule('RoleplaneOperatorNotReady', 'warning', {
        // Ready replicas (kube-state-metrics) below the wanted count, or no replica holding the leader lease.
        expr: `(kube_deployment_status_replicas_ready{namespace="${ns}", deployment="${OPERATOR_NAME}"} < kube_deployment_spec_replicas{namespace="${ns}", deployment="${OPERATOR_NAME}"}) or ((sum(roleplane_operator_is_leader${sel(operator)}) < 1) and (sum(up${sel(operator)}) > 0))`,
        for: '10m',
        labels: { namespace: ns },
        summary: 'The power-schedule operator is not ready or has no leader.',
        description: `The operator in namespace ${ns} has had fewer ready replicas than wanted, or no leader, for 10 minutes.`,
      }),
      rule('RoleplaneOperatorReconcileFailing', 'warning', {
        expr: `(sum(rate(roleplane_operator_reconcile_duration_seconds_count${sel(operator, 'result="error"')}[10m])) > 0) or (max(${phase('Failed')}) > 0)`,
        for: '15m',
        labels: { namespace: ns },
        summary: 'The power-schedule operator is failing to reconcile.',
        description: `Reconciles of the operator in namespace ${ns} have failed (or a managed namespace is Failed) for 15 minutes; see its log and the PowerSchedule status.`,
      }),
      rule('RoleplaneNamespaceAwakeWhileScheduledAsleep', 'warning', {
        expr: phase('Sleeping'),
        for: grace,
        summary: 'A namespace is still awake while its schedule says asleep.',
        description: `Namespace {{ $labels.exported_namespace }} (schedule {{ $labels.schedule }}) has been Sleeping, not Asleep, for over ${grace}: workloads that will not scale down, patch errors, or grace periods of new workloads.`,
      }),
      rule('RoleplaneNamespaceAsleepWhileScheduledAwake', 'warning', {
        expr: phase('Waking'),
        for: grace,
        summary: 'A namespace is still asleep while its schedule says awake.',
        description: `Namespace {{ $labels.exported_namespace }} (schedule {{ $labels.schedule }}) has been Waking, not Awake, for over ${grace}: its workloads were not restored.`,
      }),
    ],
  };
}

/** Pods of each pool, as (namespace, pod-name prefix) pairs: each workload's pods are named after it. */
function podsByPool(values: Values): Map<PoolName, Array<{ namespace: string; prefix: string }>> {
  const pools = new Map<PoolName, Array<{ namespace: string; prefix: string }>>();
  const add = (pool: PoolName, namespace: string, prefix: string) =>
    pools.set(pool, [...(pools.get(pool) ?? []), { namespace, prefix }]);
  if (values.platform) add(values.platform.operator.pool, values.platform.operator.namespace, OPERATOR_NAME);
  if (values.erp) add(values.erp.pool, values.erp.namespace, 'erp');
  add(values.web.pool, values.web.namespace, 'web');
  add(values.search.pool, values.search.namespace, 'search');
  add(values.valkey.pool, values.valkey.namespace, 'valkey');
  for (const campaign of values.campaigns) add(values.web.pool, values.web.namespace, `campaign-${campaign.name}`);
  return pools;
}

/** One rule per pool (kube-state-metrics' kube_pod_status_unschedulable), labelled with the pool. */
function poolRules(values: Values, namespace: string): RoleRules {
  const { alerts } = values.monitoring;
  const rule = ruleMaker(values);
  const rules = [...podsByPool(values)].map(([pool, pods]) => {
    const byNamespace = new Map<string, string[]>();
    for (const p of pods) byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), p.prefix]);
    const expr = [...byNamespace]
      .map(
        ([ns, prefixes]) => `kube_pod_status_unschedulable{namespace="${ns}", pod=~"(${prefixes.join('|')})-.+"} == 1`,
      )
      .join(' or ');
    return rule('RoleplanePoolPodsUnschedulable', 'warning', {
      expr: `max by (namespace, pod) (${expr})`,
      for: alerts.unschedulableFor,
      labels: { pool },
      summary: "A pool's pods are Pending because no node fits.",
      description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} of pool ${pool} has been unschedulable for ${alerts.unschedulableFor}: no node of the pool has room, or the pool has no node (Karpenter limits, cordoned or missing nodes).`,
    });
  });
  return { role: 'pools', namespace, group: `roleplane-pools-${values.environment}`, rules };
}

/** Every alert group of an environment (none with monitoring off). */
export function alertRules(values: Values): RoleRules[] {
  const targets = scrapeTargets(values);
  if (targets.length === 0) return [];
  const groups = [
    searchRules(values, targetOf(targets, 'search')),
    valkeyRules(values, targetOf(targets, 'valkey')),
    webRules(values, targetOf(targets, 'web')),
  ];
  if (values.platform) groups.push(operatorRules(values, targetOf(targets, 'operator')));
  // The pools' rule lives with the operator when there is one (the platform's namespace), else with search.
  groups.push(poolRules(values, values.platform?.operator.namespace ?? values.search.namespace));
  return groups;
}

/** The rules as a Prometheus rule file (`groups:`), what `promtool` and a plain Prometheus read. */
export function ruleFile(groups: readonly RoleRules[]): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  return { groups: groups.map((g) => ({ name: g.group, rules: [...g.rules] })) };
}
