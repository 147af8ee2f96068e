import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { stringify } from 'yaml';
import { requireBinary } from '../helpers/binaries.js';
import { objectsOf, testValues } from '../helpers/manifests.js';
import { promtool, type RuleSpec, ruleGroupsOf } from '../helpers/prometheus-rules.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { REPO_ROOT } from '../helpers/import-graph.js';

/**
 * One situation, as series Prometheus would hold (labels as the Prometheus Operator sets them for each role's targets:
 * job, namespace, pod, instance), and what the alert does at `at`: fire with exactly these label sets, or not at all.
 */
interface Scenario {
  readonly name: string;
  /** series selector → promtool expanding notation (`0+1x30`: 0, 1, 2, … one sample a minute). */
  readonly series: Readonly<Record<string, string>>;
  readonly at: string;
  /** Labels of each firing alert (besides alertname). */
  readonly fires?: ReadonlyArray<Record<string, string>>;
}

interface AlertCases {
  readonly fires: readonly Scenario[];
  readonly quiet: readonly Scenario[];
}

const SEARCH = 'job="search", namespace="search"';
const VALKEY = 'job="valkey", namespace="search"';
const WEB = 'job="web", namespace="web"';
const OPERATOR = 'job="operator", namespace="roleplane-system"';
const pod = (name: string, instance: string) => `pod="${name}", instance="${instance}"`;
const SEARCH_A = pod('search-6d9f-a', '10.0.1.1:8080');
const SEARCH_B = pod('search-6d9f-b', '10.0.1.2:8080');
const OPERATOR_A = pod('roleplane-operator-5c7-a', '10.0.4.1:8082');
const OPERATOR_B = pod('roleplane-operator-5c7-b', '10.0.4.2:8082');
/** A series of something else, so that a scenario with no target of a role still has input. */
const UNRELATED = { 'up{job="erp", namespace="erp"}': '1x60' };

function buckets(route: string, counts: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(counts).map(([le, values]) => [
      `roleplane_search_http_request_duration_seconds_bucket{${SEARCH}, ${SEARCH_A}, route="${route}", method="GET", status_code="200", le="${le}"}`,
      values,
    ]),
  );
}

/** For each alert, situations where it fires and where it must not (the prod defaults: downFor 2m, grace 30m). */
const CASES: Record<string, AlertCases> = {
  RoleplaneSearchDown: {
    fires: [
      {
        name: 'every search target down',
        series: { [`up{${SEARCH}, ${SEARCH_A}}`]: '0x10', [`up{${SEARCH}, ${SEARCH_B}}`]: '0x10' },
        at: '5m',
        fires: [{ namespace: 'search', severity: 'critical' }],
      },
      {
        name: 'no search target at all',
        series: UNRELATED,
        at: '5m',
        fires: [{ namespace: 'search', severity: 'critical' }],
      },
    ],
    quiet: [
      {
        name: 'one of two search pods up',
        series: { [`up{${SEARCH}, ${SEARCH_A}}`]: '0x10', [`up{${SEARCH}, ${SEARCH_B}}`]: '1x10' },
        at: '5m',
      },
      {
        name: 'search down for less than downFor',
        series: { [`up{${SEARCH}, ${SEARCH_A}}`]: '1 1 1 0 0' },
        at: '4m',
      },
      {
        name: 'search down in another namespace',
        series: {
          [`up{job="search", namespace="staging", ${SEARCH_A}}`]: '0x10',
          [`up{${SEARCH}, ${SEARCH_B}}`]: '1x10',
        },
        at: '5m',
      },
    ],
  },
  RoleplaneSearchNotReady: {
    fires: [
      {
        name: 'a pod without its index for 15 minutes',
        series: {
          [`roleplane_search_index_ready{${SEARCH}, ${SEARCH_A}}`]: '0x20',
          [`roleplane_search_index_ready{${SEARCH}, ${SEARCH_B}}`]: '1x20',
        },
        at: '15m',
        fires: [
          {
            job: 'search',
            namespace: 'search',
            pod: 'search-6d9f-a',
            instance: '10.0.1.1:8080',
            severity: 'warning',
          },
        ],
      },
    ],
    quiet: [
      {
        name: 'a pod that loads its index within 5 minutes',
        series: { [`roleplane_search_index_ready{${SEARCH}, ${SEARCH_A}}`]: '0 0 0 0 0 1x20' },
        at: '15m',
      },
    ],
  },
  RoleplaneSearchWithoutCache: {
    fires: [
      {
        name: 'a pod reports its cache unavailable (no traffic)',
        series: {
          [`roleplane_search_cache_available{${SEARCH}, ${SEARCH_A}}`]: '0x10',
          [`roleplane_search_cache_available{${SEARCH}, ${SEARCH_B}}`]: '1x10',
        },
        at: '5m',
        fires: [{ namespace: 'search', severity: 'warning' }],
      },
      {
        name: 'half the lookups answered without the cache',
        series: {
          [`roleplane_search_cache_available{${SEARCH}, ${SEARCH_A}}`]: '1x20',
          [`roleplane_search_cache_lookups_total{${SEARCH}, ${SEARCH_A}, outcome="hit"}`]: '0+50x20',
          [`roleplane_search_cache_lookups_total{${SEARCH}, ${SEARCH_A}, outcome="off"}`]: '0+50x20',
        },
        at: '10m',
        fires: [{ namespace: 'search', severity: 'warning' }],
      },
    ],
    quiet: [
      {
        name: 'the cache up and 5% of lookups off',
        series: {
          [`roleplane_search_cache_available{${SEARCH}, ${SEARCH_A}}`]: '1x20',
          [`roleplane_search_cache_lookups_total{${SEARCH}, ${SEARCH_A}, outcome="hit"}`]: '0+95x20',
          [`roleplane_search_cache_lookups_total{${SEARCH}, ${SEARCH_A}, outcome="off"}`]: '0+5x20',
        },
        at: '10m',
      },
    ],
  },
  RoleplaneSearchLatencyHigh: {
    fires: [
      {
        name: '90% of searches between 0.5 and 1 s',
        series: buckets('/search', { '0.25': '0+10x30', '0.5': '0+10x30', '1': '0+100x30', '+Inf': '0+100x30' }),
        at: '20m',
        fires: [{ namespace: 'search', severity: 'warning' }],
      },
    ],
    quiet: [
      {
        name: 'every search under 0.25 s',
        series: buckets('/search', { '0.25': '0+100x30', '0.5': '0+100x30', '1': '0+100x30', '+Inf': '0+100x30' }),
        at: '20m',
      },
      {
        name: 'only the scrapes are slow',
        series: buckets('/metrics', { '0.25': '0+10x30', '0.5': '0+10x30', '1': '0+100x30', '+Inf': '0+100x30' }),
        at: '20m',
      },
    ],
  },
  RoleplaneValkeyDown: {
    fires: [
      {
        name: 'the exporter answers, Valkey does not',
        series: {
          [`up{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '1x10',
          [`redis_up{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '0x10',
        },
        at: '5m',
        fires: [
          { job: 'valkey', namespace: 'search', pod: 'valkey-0', instance: '10.0.2.1:9121', severity: 'critical' },
        ],
      },
      {
        name: 'the pod is gone',
        series: UNRELATED,
        at: '5m',
        fires: [{ job: 'valkey', namespace: 'search', severity: 'critical' }],
      },
    ],
    quiet: [
      {
        name: 'Valkey answers',
        series: {
          [`up{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '1x10',
          [`redis_up{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '1x10',
        },
        at: '5m',
      },
    ],
  },
  RoleplaneValkeyMemoryNearLimit: {
    fires: [
      {
        name: '95% of maxmemory for 20 minutes',
        series: {
          [`redis_memory_used_bytes{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '95x30',
          [`redis_memory_max_bytes{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '100x30',
        },
        at: '20m',
        fires: [
          { job: 'valkey', namespace: 'search', pod: 'valkey-0', instance: '10.0.2.1:9121', severity: 'warning' },
        ],
      },
    ],
    quiet: [
      {
        name: 'half of maxmemory',
        series: {
          [`redis_memory_used_bytes{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '50x30',
          [`redis_memory_max_bytes{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '100x30',
        },
        at: '20m',
      },
      {
        name: 'no maxmemory set (max 0)',
        series: {
          [`redis_memory_used_bytes{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '95x30',
          [`redis_memory_max_bytes{${VALKEY}, pod="valkey-0", instance="10.0.2.1:9121"}`]: '0x30',
        },
        at: '20m',
      },
    ],
  },
  RoleplaneWebDown: {
    fires: [
      {
        name: 'no nginx up',
        series: { [`nginx_up{${WEB}, pod="web-1", instance="10.0.3.1:9113"}`]: '0x10' },
        at: '5m',
        fires: [{ namespace: 'web', severity: 'critical' }],
      },
    ],
    quiet: [
      {
        name: 'one nginx of two up',
        series: {
          [`nginx_up{${WEB}, pod="web-1", instance="10.0.3.1:9113"}`]: '0x10',
          [`nginx_up{${WEB}, pod="web-2", instance="10.0.3.2:9113"}`]: '1x10',
        },
        at: '5m',
      },
    ],
  },
  RoleplaneWebServingStale: {
    fires: [
      {
        name: '10% of responses STALE',
        series: {
          [`roleplane_web_page_cache_responses_total{${WEB}, pod="web-1", cache_status="HIT"}`]: '0+90x20',
          [`roleplane_web_page_cache_responses_total{${WEB}, pod="web-1", cache_status="STALE"}`]: '0+10x20',
        },
        at: '12m',
        fires: [{ namespace: 'web', severity: 'warning' }],
      },
    ],
    quiet: [
      {
        name: '1% of responses STALE',
        series: {
          [`roleplane_web_page_cache_responses_total{${WEB}, pod="web-1", cache_status="HIT"}`]: '0+99x20',
          [`roleplane_web_page_cache_responses_total{${WEB}, pod="web-1", cache_status="STALE"}`]: '0+1x20',
        },
        at: '12m',
      },
    ],
  },
  RoleplaneOperatorDown: {
    fires: [
      {
        name: 'both replicas down',
        series: { [`up{${OPERATOR}, ${OPERATOR_A}}`]: '0x10', [`up{${OPERATOR}, ${OPERATOR_B}}`]: '0x10' },
        at: '5m',
        fires: [{ namespace: 'roleplane-system', severity: 'warning' }],
      },
    ],
    quiet: [
      {
        name: 'one replica up',
        series: { [`up{${OPERATOR}, ${OPERATOR_A}}`]: '0x10', [`up{${OPERATOR}, ${OPERATOR_B}}`]: '1x10' },
        at: '5m',
      },
    ],
  },
  RoleplaneOperatorNotReady: {
    fires: [
      {
        name: 'one of two replicas ready (kube-state-metrics)',
        series: {
          'kube_deployment_status_replicas_ready{job="kube-state-metrics", namespace="roleplane-system", deployment="roleplane-operator"}':
            '1x20',
          'kube_deployment_spec_replicas{job="kube-state-metrics", namespace="roleplane-system", deployment="roleplane-operator"}':
            '2x20',
        },
        at: '15m',
        fires: [
          {
            job: 'kube-state-metrics',
            namespace: 'roleplane-system',
            deployment: 'roleplane-operator',
            severity: 'warning',
          },
        ],
      },
      {
        name: 'replicas up, none the leader',
        series: {
          [`up{${OPERATOR}, ${OPERATOR_A}}`]: '1x20',
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_A}}`]: '0x20',
        },
        at: '15m',
        fires: [{ namespace: 'roleplane-system', severity: 'warning' }],
      },
    ],
    quiet: [
      {
        name: 'both replicas ready, one the leader',
        series: {
          'kube_deployment_status_replicas_ready{job="kube-state-metrics", namespace="roleplane-system", deployment="roleplane-operator"}':
            '2x20',
          'kube_deployment_spec_replicas{job="kube-state-metrics", namespace="roleplane-system", deployment="roleplane-operator"}':
            '2x20',
          [`up{${OPERATOR}, ${OPERATOR_A}}`]: '1x20',
          [`up{${OPERATOR}, ${OPERATOR_B}}`]: '1x20',
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_A}}`]: '0x20',
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_B}}`]: '1x20',
        },
        at: '15m',
      },
    ],
  },
  RoleplaneOperatorReconcileFailing: {
    fires: [
      {
        name: 'a failed reconcile every minute',
        series: {
          [`roleplane_operator_reconcile_duration_seconds_count{${OPERATOR}, ${OPERATOR_A}, result="error"}`]: '0+1x40',
        },
        at: '30m',
        fires: [{ namespace: 'roleplane-system', severity: 'warning' }],
      },
    ],
    quiet: [
      {
        name: 'reconciles succeed; old errors only',
        series: {
          [`roleplane_operator_reconcile_duration_seconds_count{${OPERATOR}, ${OPERATOR_A}, result="ok"}`]: '0+3x40',
          [`roleplane_operator_reconcile_duration_seconds_count{${OPERATOR}, ${OPERATOR_A}, result="error"}`]: '2x40',
        },
        at: '30m',
      },
    ],
  },
  RoleplaneNamespaceAwakeWhileScheduledAsleep: {
    fires: [
      {
        name: 'Sleeping on the leader past the grace period',
        series: {
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_A}}`]: '1x50',
          [`roleplane_operator_namespace_phase{${OPERATOR}, ${OPERATOR_A}, exported_namespace="dev", schedule="office-hours", phase="Sleeping"}`]:
            '1x50',
        },
        at: '40m',
        fires: [
          {
            job: 'operator',
            namespace: 'roleplane-system',
            pod: 'roleplane-operator-5c7-a',
            instance: '10.0.4.1:8082',
            exported_namespace: 'dev',
            schedule: 'office-hours',
            phase: 'Sleeping',
            severity: 'warning',
          },
        ],
      },
    ],
    quiet: [
      {
        name: 'Sleeping only on a standby replica (stale gauge)',
        series: {
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_A}}`]: '0x50',
          [`roleplane_operator_namespace_phase{${OPERATOR}, ${OPERATOR_A}, exported_namespace="dev", schedule="office-hours", phase="Sleeping"}`]:
            '1x50',
        },
        at: '40m',
      },
      {
        name: 'Sleeping for 20 minutes, then Asleep',
        series: {
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_A}}`]: '1x50',
          [`roleplane_operator_namespace_phase{${OPERATOR}, ${OPERATOR_A}, exported_namespace="dev", schedule="office-hours", phase="Sleeping"}`]:
            '1x20 0x30',
        },
        at: '40m',
      },
    ],
  },
  RoleplaneNamespaceAsleepWhileScheduledAwake: {
    fires: [
      {
        name: 'Waking on the leader past the grace period',
        series: {
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_B}}`]: '1x50',
          [`roleplane_operator_namespace_phase{${OPERATOR}, ${OPERATOR_B}, exported_namespace="staging", schedule="office-hours", phase="Waking"}`]:
            '1x50',
        },
        at: '40m',
        fires: [
          {
            job: 'operator',
            namespace: 'roleplane-system',
            pod: 'roleplane-operator-5c7-b',
            instance: '10.0.4.2:8082',
            exported_namespace: 'staging',
            schedule: 'office-hours',
            phase: 'Waking',
            severity: 'warning',
          },
        ],
      },
    ],
    quiet: [
      {
        name: 'Waking for 10 minutes, then Awake',
        series: {
          [`roleplane_operator_is_leader{${OPERATOR}, ${OPERATOR_B}}`]: '1x50',
          [`roleplane_operator_namespace_phase{${OPERATOR}, ${OPERATOR_B}, exported_namespace="staging", schedule="office-hours", phase="Waking"}`]:
            '1x10 0x40',
        },
        at: '40m',
      },
    ],
  },
  RoleplanePoolPodsUnschedulable: {
    fires: [
      {
        name: 'a search pod and Valkey unschedulable: each named with its pool',
        series: {
          'kube_pod_status_unschedulable{job="kube-state-metrics", namespace="search", pod="search-6d9f-a", uid="u1"}':
            '1x20',
          'kube_pod_status_unschedulable{job="kube-state-metrics", namespace="search", pod="valkey-0", uid="u2"}':
            '1x20',
        },
        at: '15m',
        fires: [
          { namespace: 'search', pod: 'search-6d9f-a', pool: 'search', severity: 'warning' },
          { namespace: 'search', pod: 'valkey-0', pool: 'cache', severity: 'warning' },
        ],
      },
    ],
    quiet: [
      {
        name: 'a pod unschedulable for 5 minutes, then placed',
        series: {
          'kube_pod_status_unschedulable{job="kube-state-metrics", namespace="web", pod="web-7f-a", uid="u3"}':
            '1x5 0x15',
        },
        at: '15m',
      },
      {
        name: "another application's pod",
        series: {
          'kube_pod_status_unschedulable{job="kube-state-metrics", namespace="default", pod="web-1", uid="u4"}': '1x20',
        },
        at: '15m',
      },
    ],
  },
};

/** `{{ $labels.x }}` filled in; undefined when the template needs more (`$value`), which only Prometheus renders. */
function renderAnnotation(template: string, labels: Record<string, string>): string | undefined {
  const rendered = template.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, name: string) => labels[name] ?? '');
  return rendered.includes('{{') ? undefined : rendered;
}

function seriesOf(scenario: Scenario): Array<{ series: string; values: string }> {
  return Object.entries(scenario.series).map(([series, values]) => ({ series, values }));
}

/** The rule an alert with these labels came from: an alert name can have one rule per pool. */
function ruleFor(rules: readonly RuleSpec[], labels: Record<string, string>): RuleSpec {
  const rule = rules.find((r) => Object.entries(r.labels ?? {}).every(([k, v]) => labels[k] === v));
  if (!rule) throw new Error(`no rule of ${rules[0]?.alert} gives labels ${JSON.stringify(labels)}`);
  return rule;
}

/**
 * A promtool test group for one scenario. A firing alert is checked with its rendered annotations where they need
 * only labels, else through the ALERTS series (labels exact); a quiet one asserts no firing alert of that name.
 */
function testGroup(alert: string, rules: readonly RuleSpec[], scenario: Scenario): Record<string, unknown> {
  const base = { name: `${alert}: ${scenario.name}`, interval: '1m', input_series: seriesOf(scenario) };
  if (!scenario.fires) {
    return { ...base, alert_rule_test: [{ eval_time: scenario.at, alertname: alert, exp_alerts: [] }] };
  }
  const rendered = scenario.fires.map((labels) =>
    Object.entries(ruleFor(rules, labels).annotations ?? {}).map(
      ([key, template]) => [key, renderAnnotation(template, labels)] as const,
    ),
  );
  if (rendered.every((pairs) => pairs.every(([, value]) => value !== undefined))) {
    return {
      ...base,
      alert_rule_test: [
        {
          eval_time: scenario.at,
          alertname: alert,
          exp_alerts: scenario.fires.map((labels, i) => ({
            exp_labels: labels,
            exp_annotations: Object.fromEntries(rendered[i]!),
          })),
        },
      ],
    };
  }
  const quote = (labels: Record<string, string>) =>
    Object.entries({ alertname: alert, alertstate: 'firing', ...labels })
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ');
  return {
    ...base,
    promql_expr_test: [
      {
        expr: `ALERTS{alertname="${alert}", alertstate="firing"}`,
        eval_time: scenario.at,
        exp_samples: scenario.fires.map((labels) => ({ labels: `ALERTS{${quote(labels)}}`, value: 1 })),
      },
    ],
  };
}

describe('the alert rules, evaluated by promtool', function () {
  this.timeout(60_000);
  const tempDir = useTempDir('promtool', 'all');
  const groups = ruleGroupsOf(objectsOf('prod'));
  const rules = groups.flatMap((g) => g.rules);
  const alerts = [...new Set(rules.map((r) => r.alert))];
  let binary: string;
  let dir: string;

  before(function (this: Context) {
    binary = requireBinary(this, ['promtool'], "promtool checks the alert rules (Debian's prometheus package)");
    dir = tempDir();
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
  });

  it('has a firing and a quiet scenario for every alert, and none for an alert that does not exist', () => {
    assert.deepEqual(Object.keys(CASES).sort(), [...alerts].sort());
    for (const [alert, cases] of Object.entries(CASES)) {
      assert.ok(cases.fires.length > 0 && cases.quiet.length > 0, alert);
    }
  });

  it('are valid rules (promtool check rules, every lint)', () => {
    const result = promtool(binary, ['check', 'rules', '--lint=all', '--lint-fatal', 'rules.yaml'], dir);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  for (const [alert, cases] of Object.entries(CASES)) {
    it(`${alert} fires where it should and stays quiet where it should not (promtool test rules)`, () => {
      const alertRules = rules.filter((r) => r.alert === alert);
      const file = `${alert}.test.yaml`;
      const tests = [...cases.fires, ...cases.quiet].map((s) => testGroup(alert, alertRules, s));
      writeFileSync(
        join(dir, file),
        stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }, { lineWidth: 0 }),
      );
      const result = promtool(binary, ['test', 'rules', file], dir);
      assert.equal(result.status, 0, result.output);
    });
  }
});

describe('every alert rule', () => {
  const rules = ruleGroupsOf(objectsOf('prod')).flatMap((g) => g.rules);
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  for (const rule of rules) {
    const pool = rule.labels?.pool ? ` (pool ${rule.labels.pool})` : '';
    it(`${rule.alert}${pool} has a severity, a one-sentence summary, a description and a runbook in the README`, () => {
      assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `severity ${rule.labels?.severity}`);
      assert.match(rule.annotations?.summary ?? '', /^[A-Z][^{}]*\.$/);
      assert.ok((rule.annotations?.description ?? '').length > 20);
      assert.equal(
        rule.annotations?.runbook_url,
        `${testValues('prod').monitoring.runbookBaseUrl}#${rule.alert.toLowerCase()}`,
      );
      assert.ok(readme.includes(`\n#### ${rule.alert}\n`), `README.md has no "#### ${rule.alert}" runbook section`);
    });
  }
});
