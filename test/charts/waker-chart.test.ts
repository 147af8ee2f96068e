import { strict as assert } from 'node:assert';
import { LABEL_COMPONENT } from '../../charts/lib/labels.js';
import { WAKER_NAME } from '../../charts/waker-chart.js';
import { DEFAULT_BACKEND_ANNOTATION } from '../../charts/web-chart.js';
import { find, objectsOf, ofKind } from '../helpers/manifests.js';
import { requiredPool } from '../helpers/policy.js';
import { podTemplates } from '../helpers/manifests.js';

interface Container {
  args: string[];
  env: Array<{ name: string; value: string }>;
}

describe('WakerChart', () => {
  const prod = objectsOf('prod');

  it('grants get and patch on the namespaces it wakes only, by name, and list on PowerSchedules; nothing else', () => {
    assert.deepEqual(find(prod, 'ClusterRole', WAKER_NAME).rules, [
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['dev', 'staging'], verbs: ['get', 'patch'] },
      { apiGroups: ['roleplane.io'], resources: ['powerschedules'], verbs: ['list'] },
    ]);
    const binding = find(prod, 'ClusterRoleBinding', WAKER_NAME) as unknown as { subjects: object[] };
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: WAKER_NAME, namespace: 'roleplane-system' }]);
  });

  it('runs `roleplane waker` on the always-on erp pool with the host map and period from the values', () => {
    const pod = podTemplates(prod).find((p) => p.labels[LABEL_COMPONENT] === 'waker');
    assert.ok(pod, 'a waker pod template');
    assert.equal(requiredPool(pod), 'erp');
    const deployment = find(prod, 'Deployment', WAKER_NAME, 'roleplane-system') as unknown as {
      spec: { replicas: number; template: { spec: { containers: Container[] } } };
    };
    assert.equal(deployment.spec.replicas, 2);
    const container = deployment.spec.template.spec.containers[0]!;
    assert.equal(container.args[0], 'waker');
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    assert.equal(env.WAKER_HOSTS, 'dev.shop.example.com=dev,staging.shop.example.com=staging');
    assert.equal(env.WAKER_AWAKE_FOR, '2h');
    const service = find(prod, 'Service', WAKER_NAME, 'roleplane-system') as unknown as {
      spec: { ports: Array<{ port: number; targetPort: number }> };
    };
    assert.deepEqual(
      service.spec.ports.map((p) => [p.port, p.targetPort]),
      [[8090, 8090]],
    );
  });

  for (const env of ['staging', 'dev'] as const) {
    it(`points ${env}'s Ingress at the waker through an ExternalName Service in ${env}`, () => {
      const objects = objectsOf(env);
      const ingress = find(objects, 'Ingress', 'web', env);
      assert.equal(ingress.metadata.annotations?.[DEFAULT_BACKEND_ANNOTATION], WAKER_NAME);
      const service = find(objects, 'Service', WAKER_NAME, env) as unknown as {
        spec: { type: string; externalName: string; ports: Array<{ port: number; targetPort: number }> };
      };
      assert.equal(service.spec.type, 'ExternalName');
      assert.equal(service.spec.externalName, 'roleplane-waker.roleplane-system.svc.cluster.local');
      assert.deepEqual(
        service.spec.ports.map((p) => [p.port, p.targetPort]),
        [[8090, 8090]],
      );
    });
  }

  it('leaves prod’s own site, which never sleeps, without a fallback', () => {
    assert.equal(find(prod, 'Ingress', 'web', 'web').metadata.annotations?.[DEFAULT_BACKEND_ANNOTATION], undefined);
    assert.equal(
      ofKind(prod, 'Service').filter(
        (s) => s.metadata.name === WAKER_NAME && s.metadata.namespace !== 'roleplane-system',
      ).length,
      0,
    );
  });
});
