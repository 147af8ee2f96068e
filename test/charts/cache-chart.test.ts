import { strict as assert } from 'node:assert';
import { find, objectsOf, podTemplates } from '../helpers/manifests.js';

describe('CacheChart', () => {
  const objects = objectsOf('prod', {
    valkey: {
      maxmemory: '3Gi',
      maxmemoryPolicy: 'allkeys-lfu',
      replicas: 2,
      passwordSecret: { name: 'my-valkey', key: 'pw' },
    },
  });
  const statefulSet = find(objects, 'StatefulSet', 'valkey', 'search');
  const pod = podTemplates([statefulSet])[0]!;
  const container = pod.spec.containers[0]!;

  it('runs on the cache pool in the search namespace', () => {
    assert.equal(statefulSet.metadata.namespace, 'search');
    const terms = pod.spec.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    assert.deepEqual(terms[0]!.matchExpressions![0]!.values, ['cache']);
  });

  it('keeps data on a PVC per replica through volumeClaimTemplates, mounted at /data', () => {
    const spec = statefulSet.spec as {
      volumeClaimTemplates: Array<{
        metadata: { name: string };
        spec: { resources: { requests: { storage: string } }; storageClassName: string };
      }>;
    };
    assert.equal(spec.volumeClaimTemplates.length, 1);
    assert.equal(spec.volumeClaimTemplates[0]!.metadata.name, 'data');
    assert.equal(spec.volumeClaimTemplates[0]!.spec.resources.requests.storage, '10Gi');
    assert.equal(spec.volumeClaimTemplates[0]!.spec.storageClassName, 'gp3');
    assert.ok(container.volumeMounts!.some((m) => m.name === 'data' && m.mountPath === '/data'));
    assert.ok(!(pod.spec.volumes ?? []).some((v) => v.name === 'data'), 'no pod volume shadows the claim template');
  });

  it('configures AOF persistence and maxmemory with its eviction policy from values', () => {
    const conf = (find(objects, 'ConfigMap', 'valkey', 'search').data as Record<string, string>)['valkey.conf']!;
    assert.match(conf, /^appendonly yes$/m);
    assert.match(conf, /^appendfsync everysec$/m);
    assert.match(conf, /^maxmemory 3072mb$/m);
    assert.match(conf, /^maxmemory-policy allkeys-lfu$/m);
  });

  it('takes the password from the existing Secret and never inlines it', () => {
    const env = container.env!.find((e) => e.name === 'REDISCLI_AUTH')!;
    assert.deepEqual(env.valueFrom?.secretKeyRef, { name: 'my-valkey', key: 'pw' });
    assert.equal(env.value, undefined);
    assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0, 'roleplane writes no Secret');
  });

  it('probes with valkey-cli ping', () => {
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      assert.match(JSON.stringify(probe), /valkey-cli -h 127.0.0.1 -p 6379 ping/);
    }
  });

  it('has a headless Service, a client Service on the primary, a PDB and hostname anti-affinity', () => {
    const headless = find(objects, 'Service', 'valkey-headless', 'search').spec as {
      clusterIP: string;
      publishNotReadyAddresses: boolean;
    };
    assert.equal(headless.clusterIP, 'None');
    assert.equal(headless.publishNotReadyAddresses, true);
    assert.equal((statefulSet.spec as { serviceName: string }).serviceName, 'valkey-headless');
    const client = find(objects, 'Service', 'valkey', 'search').spec as { selector: Record<string, string> };
    assert.equal(client.selector['statefulset.kubernetes.io/pod-name'], 'valkey-0');
    assert.equal(find(objects, 'PodDisruptionBudget', 'valkey', 'search').kind, 'PodDisruptionBudget');
    assert.equal(
      pod.spec.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0]!.topologyKey,
      'kubernetes.io/hostname',
    );
    assert.equal((statefulSet.spec as { replicas: number }).replicas, 2);
  });

  it('makes every replica but ordinal 0 replicate from the primary', () => {
    const script = container.command!.join(' ');
    assert.match(script, /--replicaof valkey-0\.valkey-headless\.search\.svc 6379/);
    assert.match(script, /--requirepass "\$REDISCLI_AUTH"/);
  });
});
