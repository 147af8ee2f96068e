import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { stringify } from 'yaml';
import { dashboardQueries, dashboards } from '../../charts/dashboards.js';
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_DASHBOARD_VALUE } from '../../charts/monitoring-chart.js';
import { defaultValues } from '../../charts/values/environments.js';
import { mergeValues, validateValues, ValuesError } from '../../charts/values/load.js';
import { requireBinary } from '../helpers/binaries.js';
import { objectsOf, ofKind, podTemplates, testValues } from '../helpers/manifests.js';
import { promtool } from '../helpers/prometheus-rules.js';
import { useTempDir } from '../helpers/temp-dir.js';

const MONITORING_KINDS = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'];

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function problemsOf(overrides: Record<string, unknown>): string[] {
  try {
    validateValues(mergeValues(defaultValues('prod'), overrides), 'test');
  } catch (err) {
    if (err instanceof ValuesError) return [...err.problems];
    throw err;
  }
  return assert.fail('expected a ValuesError');
}

describe('MonitoringChart', () => {
  const prod = objectsOf('prod');

  it('watches prod by default and not the sleeping copies', () => {
    assert.deepEqual(
      prod
        .filter((o) => MONITORING_KINDS.includes(o.kind))
        .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
      [
        'ServiceMonitor search/search',
        'PodMonitor search/valkey',
        'PodMonitor web/web',
        'ServiceMonitor roleplane-system/roleplane-operator',
        'PrometheusRule search/roleplane-search',
        'PrometheusRule search/roleplane-valkey',
        'PrometheusRule web/roleplane-web',
        'PrometheusRule roleplane-system/roleplane-operator',
        'PrometheusRule roleplane-system/roleplane-pools',
      ],
    );
    for (const env of ['staging', 'dev'] as const) {
      assert.deepEqual(
        objectsOf(env).filter((o) => MONITORING_KINDS.includes(o.kind) || o.metadata.labels?.[GRAFANA_DASHBOARD_LABEL]),
        [],
      );
    }
  });

  it('labels every monitor and rule with the selector labels of the values (default release: kube-prometheus-stack)', () => {
    for (const o of prod.filter((m) => MONITORING_KINDS.includes(m.kind)))
      assert.equal(o.metadata.labels?.release, 'kube-prometheus-stack', `${o.kind} ${o.metadata.name}`);
    const custom = objectsOf('prod', { monitoring: { selectorLabels: { release: 'prom', team: 'shop' } } });
    for (const o of custom.filter((m) => MONITORING_KINDS.includes(m.kind))) {
      assert.equal(o.metadata.labels?.release, 'prom');
      assert.equal(o.metadata.labels?.team, 'shop');
    }
  });

  it('has each ServiceMonitor select exactly one Service of its namespace, which has the port it names', () => {
    for (const monitor of ofKind(prod, 'ServiceMonitor')) {
      const spec = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        endpoints: Array<{ port: string }>;
      };
      const services = ofKind(prod, 'Service').filter(
        (s) =>
          s.metadata.namespace === monitor.metadata.namespace && matches(spec.selector.matchLabels, s.metadata.labels),
      );
      assert.equal(services.length, 1, `ServiceMonitor ${monitor.metadata.name} selects ${services.length} Services`);
      const ports = (services[0]!.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name);
      for (const e of spec.endpoints) assert.ok(ports.includes(e.port), `${monitor.metadata.name}: no port ${e.port}`);
    }
  });

  it('has each PodMonitor select exactly one workload of its namespace, whose pods name the ports it scrapes', () => {
    for (const monitor of ofKind(prod, 'PodMonitor')) {
      const spec = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        podMetricsEndpoints: Array<{ port: string }>;
      };
      const pods = podTemplates(prod).filter(
        (p) => p.namespace === monitor.metadata.namespace && matches(spec.selector.matchLabels, p.labels),
      );
      assert.equal(pods.length, 1, `PodMonitor ${monitor.metadata.name} selects ${pods.length} workloads`);
      const names = pods[0]!.spec.containers.flatMap((c) =>
        ((c as { ports?: Array<{ name?: string }> }).ports ?? []).map((p) => p.name),
      );
      for (const e of spec.podMetricsEndpoints)
        assert.ok(names.includes(e.port), `${monitor.metadata.name}: no container port ${e.port}`);
    }
  });

  it('puts one dashboard per role and an overview into the monitoring namespace, labelled for the Grafana sidecar', () => {
    const configMaps = ofKind(prod, 'ConfigMap').filter((c) => c.metadata.labels?.[GRAFANA_DASHBOARD_LABEL]);
    assert.deepEqual(
      configMaps.map((c) => c.metadata.name),
      ['search', 'valkey', 'web', 'operator', 'overview'].map((role) => `roleplane-prod-${role}-dashboard`),
    );
    const uids = new Set<string>();
    for (const c of configMaps) {
      assert.equal(c.metadata.namespace, 'monitoring');
      assert.equal(c.metadata.labels?.[GRAFANA_DASHBOARD_LABEL], GRAFANA_DASHBOARD_VALUE);
      const files = Object.entries(c.data as Record<string, string>);
      assert.equal(files.length, 1, 'one dashboard per ConfigMap');
      const json = JSON.parse(files[0]![1]) as { uid: string; title: string; panels: unknown[] };
      assert.ok(json.uid.length <= 40 && !uids.has(json.uid), json.uid);
      uids.add(json.uid);
      assert.ok(json.panels.length >= 4 || c.metadata.name.includes('overview'));
    }
  });

  it('watches a staging copy too when asked, without the operator (which lives in prod)', () => {
    const staging = objectsOf('staging', { monitoring: { alerting: true } });
    const rules = ofKind(staging, 'PrometheusRule').map((r) => r.metadata.name);
    assert.deepEqual(rules, ['roleplane-search', 'roleplane-valkey', 'roleplane-web', 'roleplane-pools']);
    assert.ok(ofKind(staging, 'PrometheusRule').every((r) => r.metadata.namespace === 'staging'));
  });
});

describe('the dashboards, checked by promtool', function () {
  this.timeout(30_000);
  const tempDir = useTempDir('dashboards');

  it('run only valid PromQL', function (this: Context) {
    const binary = requireBinary(this, ['promtool'], "promtool parses the dashboards' queries");
    const queries = dashboardQueries(dashboards(testValues('prod')));
    assert.ok(queries.length >= 20, `${queries.length} queries`);
    // promtool parses expressions in rule files: each query becomes a recording rule.
    const file = join(tempDir(), 'queries.yaml');
    writeFileSync(
      file,
      stringify({
        groups: [
          { name: 'dashboards', rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr })) },
        ],
      }),
    );
    const result = promtool(binary, ['check', 'rules', file], tempDir());
    assert.equal(result.status, 0, result.output);
  });
});

describe('monitoring values', () => {
  it('refuse a ratio outside (0, 1], naming the key', () => {
    assert.deepEqual(
      problemsOf({ monitoring: { alerts: { webStaleRatio: 2 } } }).map((p) => p.split(':')[0]),
      ['monitoring.alerts.webStaleRatio'],
    );
  });

  it('refuse Prometheus pod labels that name nothing (the NetworkPolicy would admit every pod of the namespace)', () => {
    // A values file merges key by key, so only a whole values tree can empty the map.
    const values = structuredClone(defaultValues('prod'));
    values.monitoring.prometheusPodLabels = {};
    assert.throws(
      () => validateValues(values, 'test'),
      (err: unknown) =>
        err instanceof ValuesError &&
        err.problems.some((p) => p.startsWith('monitoring.prometheusPodLabels: must name at least one label')),
    );
  });

  it('point every runbook_url at the runbook page of the values, and refuse one with a #fragment', () => {
    const objects = objectsOf('prod', { monitoring: { runbookBaseUrl: 'https://wiki.example.com/roleplane' } });
    const urls = ofKind(objects, 'PrometheusRule').flatMap((r) =>
      (r.spec as { groups: Array<{ rules: Array<{ alert: string; annotations: { runbook_url: string } }> }> }).groups
        .flatMap((g) => g.rules)
        .map((rule) => [rule.alert, rule.annotations.runbook_url]),
    );
    assert.ok(urls.length >= 14);
    for (const [alert, url] of urls) assert.equal(url, `https://wiki.example.com/roleplane#${alert!.toLowerCase()}`);
    assert.deepEqual(
      problemsOf({ monitoring: { runbookBaseUrl: 'https://wiki.example.com/x#runbooks' } }).map((p) => p.split(':')[0]),
      ['monitoring.runbookBaseUrl'],
    );
  });

  it('refuse an unpinned exporter image and a bad duration', () => {
    const problems = problemsOf({
      monitoring: { exporters: { mtailImage: 'ghcr.io/example/mtail:latest' }, alerts: { downFor: 'two minutes' } },
    });
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
      'monitoring.alerts.downFor',
      'monitoring.exporters.mtailImage',
    ]);
  });
});
