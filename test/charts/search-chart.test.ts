import { strict as assert } from 'node:assert';
import { SEARCH_ENV } from '../../workloads/search/service/config.js';
import { find, objectsOf, ofKind, podTemplates } from '../helpers/manifests.js';

describe('SearchChart', () => {
  const objects = objectsOf('prod');
  const deployment = find(objects, 'Deployment', 'search', 'search');
  const pod = podTemplates([deployment])[0]!;
  const container = pod.spec.containers[0]!;

  it('mounts the embeddings PVC read-only', () => {
    const volume = pod.spec.volumes!.find((v) => v.persistentVolumeClaim?.claimName === 'search-embeddings')!;
    assert.equal(volume.persistentVolumeClaim!.readOnly, true);
    assert.ok(
      container.volumeMounts!.some((m) => m.name === volume.name && m.mountPath === '/data' && m.readOnly === true),
    );
    const pvc = find(objects, 'PersistentVolumeClaim', 'search-embeddings', 'search').spec as { accessModes: string[] };
    assert.deepEqual(pvc.accessModes, ['ReadWriteMany']);
  });

  it('is ready only on /readyz (index loaded) and live on /healthz', () => {
    assert.equal((container.readinessProbe as { httpGet: { path: string } }).httpGet.path, '/readyz');
    assert.equal((container.livenessProbe as { httpGet: { path: string } }).httpGet.path, '/healthz');
  });

  it('configures the service through the env names the service reads, with the Valkey password from the Secret', () => {
    const env = new Map(container.env!.map((e) => [e.name, e]));
    assert.equal(env.get(SEARCH_ENV.dataDir)?.value, '/data/index');
    assert.equal(env.get(SEARCH_ENV.valkeyUrl)?.value, 'redis://valkey.search.svc:6379');
    assert.deepEqual(env.get(SEARCH_ENV.valkeyPassword)?.valueFrom?.secretKeyRef, {
      name: 'valkey-auth',
      key: 'password',
    });
    assert.deepEqual(container.args, ['search', 'serve']);
  });

  it('mounts the suggestion blocklist as a directory the service re-reads, with the promotion rules', () => {
    const custom = objectsOf('prod', {
      search: { suggestions: { minClients: 5, minAgeMinutes: 30, blocklist: ['Knockoff', 'cheap replica'] } },
    });
    const customPod = podTemplates([find(custom, 'Deployment', 'search', 'search')])[0]!;
    const customContainer = customPod.spec.containers[0]!;
    const env = new Map(customContainer.env!.map((e) => [e.name, e.value]));
    assert.equal(env.get(SEARCH_ENV.suggestMinClients), '5');
    assert.equal(env.get(SEARCH_ENV.suggestMinAgeMinutes), '30');
    const path = env.get(SEARCH_ENV.suggestBlocklist) ?? '';
    const mount = customContainer.volumeMounts!.find((m) => path.startsWith(`${m.mountPath}/`))!;
    assert.equal(mount.subPath, undefined, 'a subPath mount would never see an edited ConfigMap');
    const volume = customPod.spec.volumes!.find((v) => v.name === mount.name)!;
    const configMap = find(custom, 'ConfigMap', volume.configMap!.name, 'search') as unknown as {
      data: Record<string, string>;
    };
    assert.equal(
      configMap.data[path.slice(mount.mountPath.length + 1)],
      '# terms never suggested (values: search.suggestions.blocklist)\nKnockoff\ncheap replica\n',
    );
  });

  it('keeps the blocklist file present when the list is empty (the service refuses a missing file)', () => {
    const configMap = find(objects, 'ConfigMap', 'search-suggestions', 'search') as unknown as {
      data: Record<string, string>;
    };
    assert.match(configMap.data['blocklist.txt'] ?? '', /^# terms never suggested/);
  });

  it('builds the index with a Job that writes the same volume, named by a hash of what it runs', () => {
    const jobs = ofKind(objects, 'Job');
    assert.equal(jobs.length, 1);
    assert.match(jobs[0]!.metadata.name, /^search-index-[0-9a-f]{8}$/);
    const jobPod = podTemplates(jobs)[0]!;
    const volume = jobPod.spec.volumes!.find((v) => v.persistentVolumeClaim?.claimName === 'search-embeddings')!;
    assert.notEqual(volume.persistentVolumeClaim!.readOnly, true);
    assert.deepEqual(jobPod.spec.containers[0]!.args!.slice(0, 2), ['search', 'index']);
    const other = ofKind(objectsOf('prod', { image: 'ghcr.io/roleplane/roleplane:0.2.0' }), 'Job')[0]!;
    assert.notEqual(
      other.metadata.name,
      jobs[0]!.metadata.name,
      'a new image makes a new Job, not an immutable-field error',
    );
  });

  it('passes product vectors computed elsewhere to the index build when the values name a .npy', () => {
    const args = (values: Parameters<typeof objectsOf>[1]): string[] =>
      podTemplates(ofKind(objectsOf('prod', values), 'Job'))[0]!.spec.containers[0]!.args!;
    assert.ok(!args({}).includes('--embeddings'));
    const given = args({ search: { indexBuild: { embeddingsPath: '/data/in/products.npy' } } });
    assert.deepEqual(given.slice(given.indexOf('--model'), given.indexOf('--out')), [
      '--model',
      '/data/models/default',
      '--embeddings',
      '/data/in/products.npy',
    ]);
  });

  it('sets where the product vectors live only when the values choose it (the service defaults to memory)', () => {
    assert.equal(
      container.env!.find((e) => e.name === SEARCH_ENV.embeddingsIn),
      undefined,
    );
    const custom = podTemplates([
      find(objectsOf('prod', { search: { embeddingsIn: 'page-cache' } }), 'Deployment', 'search', 'search'),
    ])[0]!;
    assert.equal(custom.spec.containers[0]!.env!.find((e) => e.name === SEARCH_ENV.embeddingsIn)?.value, 'page-cache');
  });

  it('has a Service, an HPA and a PDB', () => {
    assert.equal(find(objects, 'Service', 'search', 'search').kind, 'Service');
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'search', 'search').spec as {
      minReplicas: number;
      maxReplicas: number;
    };
    assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [2, 10]);
    assert.equal(find(objects, 'PodDisruptionBudget', 'search', 'search').kind, 'PodDisruptionBudget');
  });
});
