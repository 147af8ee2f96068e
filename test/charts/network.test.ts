import { strict as assert } from 'node:assert';
import { type Manifest, renderEnvironment } from '../../charts/synth.js';
import { objectsOf, testValues } from '../helpers/manifests.js';
import { allowedFlows, externalEndpoints } from '../helpers/network-graph.js';

/** Flows every pod has: DNS over UDP and TCP. */
function dnsFlows(pods: readonly string[]): string[] {
  return pods.flatMap((p) => [`${p} -> kube-dns:53/TCP`, `${p} -> kube-dns:53/UDP`]);
}

describe('network policies', () => {
  it('allow exactly the prod graph the README promises: ingress → web → search → Valkey, operator → API server, ingress → waker → API server, DNS', () => {
    const objects = objectsOf('prod');
    const pods = [
      'erp/erp',
      'roleplane-system/operator',
      'search/index-build',
      'roleplane-system/waker',
      'search/search',
      'search/valkey',
      'web/web',
    ];
    const expected = [
      'ingress-controller -> web/web:8080/TCP',
      // The sleeping sites' Ingresses fall back to the waker; its only other flow is to the API server.
      'ingress-controller -> roleplane-system/waker:8090/TCP',
      'roleplane-system/waker -> outside:443/TCP',
      'roleplane-system/waker -> outside:6443/TCP',
      'web/web -> search/search:8080/TCP',
      'search/search -> search/valkey:6379/TCP',
      'roleplane-system/operator -> outside:443/TCP',
      'roleplane-system/operator -> outside:6443/TCP',
      ...dnsFlows(pods),
    ].sort();
    assert.deepEqual(
      allowedFlows(objects, externalEndpoints(testValues('prod').web.ingress.controllerNamespace)),
      expected,
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
