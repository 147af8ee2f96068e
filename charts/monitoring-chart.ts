import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import {
  PodMonitor,
  PrometheusRule,
  PrometheusRuleSpecGroupsRulesExpr,
  ServiceMonitor,
} from '../imports/monitoring.coreos.com.js';
import { alertRules } from './alert-rules.js';
import { dashboards } from './dashboards.js';
import { scrapeTargets } from './scrape-targets.js';
import type { Values } from './values/schema.js';

/** The label and value kube-prometheus-stack's Grafana sidecar loads dashboards from (grafana.sidecar.dashboards). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
export const GRAFANA_DASHBOARD_VALUE = '1';

export interface MonitoringChartProps extends ChartProps {
  readonly values: Values;
}

/**
 * What a Prometheus Operator (kube-prometheus-stack) needs to watch the environment: a ServiceMonitor or PodMonitor per
 * role with metrics, in the role's namespace; a PrometheusRule per role, beside it; Grafana dashboards as ConfigMaps in
 * the monitoring namespace (a Grafana sidecar that watches only its own namespace finds them there too). All carry the
 * selector labels of the monitoring values, which the Prometheus selects monitors and rules by.
 */
export class MonitoringChart extends Chart {
  constructor(scope: Construct, id: string, props: MonitoringChartProps) {
    super(scope, id, props);
    const { values } = props;
    const { monitoring } = values;
    const labels = { ...monitoring.selectorLabels };

    for (const target of scrapeTargets(values)) {
      const metadata = { name: target.name, namespace: target.namespace, labels };
      const endpoint = (port: string) => ({ port, path: '/metrics', interval: monitoring.scrapeInterval });
      if (target.kind === 'ServiceMonitor') {
        new ServiceMonitor(this, `${target.role}-ServiceMonitor`, {
          metadata,
          spec: {
            selector: { matchLabels: { ...target.serviceLabels } },
            jobLabel: target.jobLabel,
            endpoints: target.endpoints.map((e) => endpoint(e.portName)),
          },
        });
      } else {
        new PodMonitor(this, `${target.role}-PodMonitor`, {
          metadata,
          spec: {
            selector: { matchLabels: { ...target.podLabels } },
            jobLabel: target.jobLabel,
            podMetricsEndpoints: target.endpoints.map((e) => endpoint(e.portName)),
          },
        });
      }
    }

    for (const group of alertRules(values)) {
      new PrometheusRule(this, `${group.role}-PrometheusRule`, {
        metadata: { name: `roleplane-${group.role}`, namespace: group.namespace, labels },
        spec: {
          groups: [
            {
              name: group.group,
              rules: group.rules.map((r) => ({
                alert: r.alert,
                expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
                for: r.for,
                labels: { ...r.labels },
                annotations: { ...r.annotations },
              })),
            },
          ],
        },
      });
    }

    for (const dashboard of dashboards(values)) {
      new kplus.ConfigMap(this, `${dashboard.name}-Dashboard`, {
        metadata: {
          name: `${dashboard.name}-dashboard`,
          namespace: monitoring.namespace,
          labels: { [GRAFANA_DASHBOARD_LABEL]: GRAFANA_DASHBOARD_VALUE },
        },
        // One dashboard per ConfigMap: the sidecar mirrors multi-dashboard ConfigMaps badly.
        data: { [`${dashboard.name}.json`]: JSON.stringify(dashboard.json, null, 2) },
      });
    }
  }
}
