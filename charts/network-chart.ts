import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { SEARCH_DEFAULT_PORT } from '../workloads/search/service/config.js';
import { VALKEY_COMPONENT, VALKEY_PORT } from './cache-chart.js';
import { ERP_COMPONENT } from './erp-chart.js';
import { componentLabels } from './lib/labels.js';
import {
  allowDns,
  allowEgressToCidrs,
  allowFlow,
  allowIngressFromNamespace,
  allowIngressFromPods,
  denyAll,
} from './lib/network.js';
import { OPERATOR_COMPONENT } from './operator-chart.js';
import { scrapeTargets } from './scrape-targets.js';
import { SEARCH_COMPONENT } from './search-chart.js';
import type { Values } from './values/schema.js';
import { WAKER_COMPONENT, WAKER_PORT } from './waker-chart.js';
import { WEB_COMPONENT } from './web-chart.js';
import { NGINX_PORT } from './web-nginx-conf.js';

export interface NetworkChartProps extends ChartProps {
  readonly values: Values;
  /** Every namespace of the environment: each gets default-deny and DNS. */
  readonly namespaces: readonly string[];
}

/**
 * Default deny in every namespace, then exactly the flows the README promises ("What the manifests guarantee"):
 * ingress controller → web, web → search, search → Valkey, operator → API server, DNS everywhere, and with monitoring
 * on, the monitoring namespace's Prometheus → each role's metrics ports (nothing else of those pods). An SMTP relay is
 * reachable from the ERP only when its CIDRs are given; Valkey replicas reach their primary only when there are
 * replicas.
 */
export class NetworkChart extends Chart {
  constructor(scope: Construct, id: string, props: NetworkChartProps) {
    super(scope, id, props);
    const { values } = props;
    for (const namespace of props.namespaces) {
      denyAll(this, namespace);
      allowDns(this, namespace);
    }

    const web = { namespace: values.web.namespace, labels: componentLabels(WEB_COMPONENT) };
    const search = { namespace: values.search.namespace, labels: componentLabels(SEARCH_COMPONENT) };
    const valkey = { namespace: values.valkey.namespace, labels: componentLabels(VALKEY_COMPONENT) };

    allowIngressFromNamespace(this, {
      name: 'ingress-to-web',
      fromNamespace: values.web.ingress.controllerNamespace,
      to: web,
      port: NGINX_PORT,
    });
    allowFlow(this, { name: 'web-to-search', from: web, to: search, port: SEARCH_DEFAULT_PORT });
    allowFlow(this, { name: 'search-to-valkey', from: search, to: valkey, port: VALKEY_PORT });
    if (values.valkey.replicas > 1)
      allowFlow(this, { name: 'valkey-replication', from: valkey, to: valkey, port: VALKEY_PORT });

    if (values.platform) {
      const { operator } = values.platform;
      allowEgressToCidrs(this, {
        name: 'operator-to-apiserver',
        from: { namespace: operator.namespace, labels: componentLabels(OPERATOR_COMPONENT) },
        cidrs: operator.apiServer.cidrs,
        ports: operator.apiServer.ports,
      });
    }
    const prometheus = { namespace: values.monitoring.namespace, labels: values.monitoring.prometheusPodLabels };
    for (const target of scrapeTargets(values)) {
      allowIngressFromPods(this, {
        name: `prometheus-to-${target.role}`,
        from: prometheus,
        to: { namespace: target.namespace, labels: target.podLabels },
        ports: target.endpoints.map((e) => e.containerPort),
      });
    }
    if (values.platform?.waker) {
      // The ingress controller reaches the waker (through the sleeping sites' ExternalName Services, which resolve
      // to its ClusterIP); the waker reaches the API server. Nothing else talks to it.
      const { operator } = values.platform;
      const waker = { namespace: operator.namespace, labels: componentLabels(WAKER_COMPONENT) };
      allowIngressFromNamespace(this, {
        name: 'ingress-to-waker',
        fromNamespace: values.web.ingress.controllerNamespace,
        to: waker,
        port: WAKER_PORT,
      });
      allowEgressToCidrs(this, {
        name: 'waker-to-apiserver',
        from: waker,
        cidrs: operator.apiServer.cidrs,
        ports: operator.apiServer.ports,
      });
    }
    if (values.erp && values.erp.smtp.relayCidrs.length > 0) {
      allowEgressToCidrs(this, {
        name: 'erp-to-smtp-relay',
        from: { namespace: values.erp.namespace, labels: componentLabels(ERP_COMPONENT) },
        cidrs: values.erp.smtp.relayCidrs,
        ports: [values.erp.smtp.port],
      });
    }
  }
}
