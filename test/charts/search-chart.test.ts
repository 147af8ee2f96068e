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
