import { strict as assert } from 'node:assert';
import { type Manifest, renderEnvironment } from '../../charts/synth.js';
import { objectsOf, testValues } from '../helpers/manifests.js';
import { allowedFlows, externalEndpoints, externalPod } from '../helpers/network-graph.js';

/** Flows every pod has: DNS over UDP and TCP. */
function dnsFlows(pods: readonly string[]): string[] {
  return pods.flatMap((p) => [`${p} -> kube-dns:53/TCP`, `${p} -> kube-dns:53/UDP`]);
}

const PROMETHEUS_LABELS = { 'app.kubernetes.io/name': 'prometheus' };
/** The monitoring namespace's Prometheus, and pods that must not pass for it. */
const MONITORING_PODS = [
  externalPod('prometheus', 'monitoring', PROMETHEUS_LABELS),
  externalPod('grafana', 'monitoring', { 'app.kubernetes.io/name': 'grafana' }),
  externalPod('prometheus-elsewhere', 'default', PROMETHEUS_LABELS),
];
/** What the monitoring namespace's Prometheus scrapes in prod: each role's metrics port, and nothing else. */
const PROD_SCRAPES = [
  'prometheus -> roleplane-system/operator:8082/TCP',
  'prometheus -> search/search:8080/TCP',
  'prometheus -> search/valkey:9121/TCP',
  'prometheus -> web/web:3903/TCP',
  'prometheus -> web/web:9113/TCP',
];

describe('network policies', () => {
  it('allow exactly the prod graph the README promises: ingress → web → search → Valkey, operator → API server, ingress → waker → API server, DNS, Prometheus → metrics ports', () => {
    const objects = objectsOf('prod');
    const pods = [
      'erp/erp',
      'roleplane-system/operator',
      'search/index-build',
      'search/search',
      'search/valkey',
      'roleplane-system/waker',
      'web/web',
    ];
    const expected = [
      'ingress-controller -> web/web:8080/TCP',
      'web/web -> search/search:8080/TCP',
      'search/search -> search/valkey:6379/TCP',
      'roleplane-system/operator -> outside:443/TCP',
      'roleplane-system/operator -> outside:6443/TCP',
      // The sleeping sites' Ingresses fall back to the waker; its only other flow is to the API server.
      'ingress-controller -> roleplane-system/waker:8090/TCP',
      'roleplane-system/waker -> outside:443/TCP',
      'roleplane-system/waker -> outside:6443/TCP',
      ...dnsFlows(pods),
      ...PROD_SCRAPES,
    ].sort();
    assert.deepEqual(
      allowedFlows(objects, externalEndpoints(testValues('prod').web.ingress.controllerNamespace, MONITORING_PODS)),
      expected,
    );
  });

  it('open the metrics ports to the Prometheus of the namespace and labels the values name, and to no other', () => {
    const objects = objectsOf('prod', {
      monitoring: { namespace: 'observability', prometheusPodLabels: { 'app.kubernetes.io/instance': 'prom' } },
    });
    // Values merge key by key: the pods must carry both labels.
    const moved = [
      externalPod('prometheus', 'observability', { ...PROMETHEUS_LABELS, 'app.kubernetes.io/instance': 'prom' }),
      externalPod('other-prometheus', 'observability', PROMETHEUS_LABELS),
      ...MONITORING_PODS.map((p) => ({ ...p, name: `old-${p.name}` })),
    ];
    const scrapes = allowedFlows(objects, externalEndpoints('ingress-nginx', moved)).filter((f) =>
      /prometheus|grafana/.test(f),
    );
    assert.deepEqual(scrapes, PROD_SCRAPES);
  });

  it('open nothing to Prometheus with monitoring off', () => {
    const objects = objectsOf('prod', { monitoring: { enabled: false } });
    const flows = allowedFlows(objects, externalEndpoints('ingress-nginx', MONITORING_PODS));
    assert.deepEqual(
      flows.filter((f) => f.startsWith('prometheus')),
      [],
    );
  });

  for (const env of ['staging', 'dev'] as const) {
    it(`allow exactly ingress → web → search → Valkey and DNS inside ${env}`, () => {
      const objects = objectsOf(env);
      const pods = ['campaign', 'index-build', 'search', 'valkey', 'web'].map((c) => `${env}/${c}`);
      const expected = [
        `ingress-controller -> ${env}/web:8080/TCP`,
        `${env}/web -> ${env}/search:8080/TCP`,
        `${env}/search -> ${env}/valkey:6379/TCP`,
        ...dnsFlows(pods),
      ].sort();
      assert.deepEqual(allowedFlows(objects, externalEndpoints('ingress-nginx')), expected);
    });
  }

  it('open the SMTP relay to the ERP only when its CIDRs are given', () => {
    const objects = objectsOf('prod', { erp: { smtp: { relayCidrs: ['192.0.2.0/24'] } } });
    const flows = allowedFlows(objects, externalEndpoints('ingress-nginx')).filter((f) => f.includes('outside'));
    assert.deepEqual(flows, [
      'erp/erp -> outside:587/TCP',
      'roleplane-system/operator -> outside:443/TCP',
      'roleplane-system/operator -> outside:6443/TCP',
      'roleplane-system/waker -> outside:443/TCP',
      'roleplane-system/waker -> outside:6443/TCP',
    ]);
  });

  it('open no flow to a waker that is not installed', () => {
    const values = testValues('prod');
    const { waker: _installed, ...platform } = values.platform!;
    const objects = renderEnvironment({ ...values, platform }).flatMap((f) => [...f.objects]);
    assert.deepEqual(
      allowedFlows(objects, externalEndpoints('ingress-nginx')).filter((f) => f.includes('waker')),
      [],
    );
  });

  it('let Valkey replicas reach their primary only when there are replicas', () => {
    const flows = allowedFlows(objectsOf('prod', { valkey: { replicas: 2 } }), externalEndpoints('ingress-nginx'));
    assert.ok(flows.includes('search/valkey -> search/valkey:6379/TCP'));
  });

  it('the checker sees a policy that opens too much', () => {
    const objects = structuredClone<Manifest[]>(objectsOf('prod'));
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'oops', namespace: 'search' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
    });
    const flows = allowedFlows(objects, externalEndpoints('ingress-nginx'));
    // Ingress is open, but egress from web to Valkey is still denied on web's side; the ingress controller is not ours.
    assert.ok(flows.includes('ingress-controller -> search/valkey:6379/TCP'));
  });
});
