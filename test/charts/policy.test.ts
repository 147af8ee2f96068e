import { strict as assert } from 'node:assert';
import { LABEL_COMPONENT } from '../../charts/lib/labels.js';
import type { Manifest } from '../../charts/synth.js';
import { ENVIRONMENTS } from '../../charts/values/schema.js';
import { objectsOf, podTemplates } from '../helpers/manifests.js';
import {
  allViolations,
  checkLabels,
  checkPinnedImages,
  checkPoolPinning,
  checkProbes,
  checkRbac,
  checkResources,
  checkRestrictedSecurity,
  requiredPool,
} from '../helpers/policy.js';

function clone(objects: readonly Manifest[]): Manifest[] {
  return structuredClone(objects) as Manifest[];
}

function firstDeployment(objects: Manifest[]): {
  spec: { template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } } };
} {
  return objects.find((o) => o.kind === 'Deployment') as unknown as ReturnType<typeof firstDeployment>;
}

describe('policy over every environment', () => {
  for (const env of ENVIRONMENTS) {
    describe(env, () => {
      const objects = objectsOf(env);

      it('has no policy violations at all', () => {
        assert.deepEqual(allViolations(objects), []);
      });

      it('pins every pod to the pool of its role', () => {
        const expected = (component: string | undefined): string | undefined => {
          if (env !== 'prod') return 'dev';
          return {
            erp: 'erp',
            web: 'web',
            search: 'search',
            'index-build': 'search',
            valkey: 'cache',
            operator: 'erp',
            waker: 'erp',
          }[component ?? ''];
        };
        const pods = podTemplates(objects);
        assert.ok(pods.length >= 4, `expected workloads in ${env}, found ${pods.length}`);
        assert.deepEqual(
          checkPoolPinning(objects, (pod) => expected(pod.labels[LABEL_COMPONENT])),
          [],
        );
        for (const pod of pods)
          assert.ok(expected(pod.labels[LABEL_COMPONENT]), `${pod.owner} has an unexpected component`);
      });
    });
  }
});

describe('policy over the monitoring sidecars', () => {
  const objects = objectsOf('prod');

  it('checks the exporter sidecars with the rest (they are among the containers the checks read)', () => {
    const containers = podTemplates(objects).flatMap((p) => p.spec.containers.map((c) => `${p.owner} ${c.name}`));
    for (const sidecar of [
      'Deployment web/web nginx-exporter',
      'Deployment web/web page-cache-exporter',
      'StatefulSet search/valkey valkey-exporter',
    ])
      assert.ok(containers.includes(sidecar), `${sidecar} is not checked`);
  });

  it('catches a sidecar that breaks the policy', () => {
    const broken = clone(objects);
    const web = broken.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web') as unknown as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    const sidecar = web.spec.template.spec.containers.find((c) => c.name === 'page-cache-exporter')!;
    delete sidecar.livenessProbe;
    sidecar.image = 'ghcr.io/roleplane/mtail';
    const found = allViolations(broken).join('\n');
    assert.match(found, /page-cache-exporter: no liveness probe/);
    assert.match(found, /page-cache-exporter: image ghcr.io\/roleplane\/mtail is not pinned/);
  });
});

describe('policy covers the waker like every other workload', () => {
  const objects = objectsOf('prod');
  const waker = () =>
    objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'roleplane-waker') as unknown as ReturnType<
      typeof firstDeployment
    >;

  it('checks its pod: restricted security, probes, resources, pinned image, its pool, its RBAC', () => {
    assert.ok(
      podTemplates(objects).some((p) => p.labels[LABEL_COMPONENT] === 'waker'),
      'the waker is among the pods checked',
    );
    assert.deepEqual(allViolations(objects.filter((o) => o.metadata.name === 'roleplane-waker')), []);
  });

  it('would catch a waker without probes, resources or its hardening', () => {
    const broken = clone(objects);
    const deployment = broken.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'roleplane-waker',
    ) as unknown as ReturnType<typeof firstDeployment>;
    const container = deployment.spec.template.spec.containers[0]!;
    delete container.readinessProbe;
    container.resources = {};
    (container.securityContext as Record<string, unknown>).allowPrivilegeEscalation = true;
    assert.match(checkProbes(broken).join('\n'), /roleplane-waker.*no readiness probe/);
    assert.ok(checkResources(broken).some((v) => v.includes('roleplane-waker')));
    assert.match(checkRestrictedSecurity(broken).join('\n'), /roleplane-waker.*allowPrivilegeEscalation/);
    assert.ok(waker());
  });
});

describe('policy checks fail on broken manifests', () => {
  const good = objectsOf('prod');

  it('catches a pod without pool affinity', () => {
    const objects = clone(good);
    delete firstDeployment(objects).spec.template.spec.affinity;
    assert.match(checkPoolPinning(objects).join('\n'), /no required node affinity/);
  });

  it('catches a pod that tolerates every taint', () => {
    const objects = clone(good);
    firstDeployment(objects).spec.template.spec.tolerations = [{ operator: 'Exists' }];
    assert.match(checkPoolPinning(objects).join('\n'), /no toleration|another pool/);
  });

  it('catches a second node selector term that lets the pod escape its pool', () => {
    const objects = clone(good);
    const spec = firstDeployment(objects).spec.template.spec as unknown as {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } } };
    };
    spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.push({
      matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }],
    });
    assert.equal(requiredPool(podTemplates(objects)[0]!), undefined);
  });

  it('catches privilege escalation, missing seccomp and a writable root', () => {
    const objects = clone(good);
    const spec = firstDeployment(objects).spec.template.spec;
    const container = spec.containers[0] as { securityContext: Record<string, unknown> };
    container.securityContext.allowPrivilegeEscalation = true;
    container.securityContext.readOnlyRootFilesystem = false;
    delete (spec.securityContext as Record<string, unknown>).seccompProfile;
    const found = checkRestrictedSecurity(objects).join('\n');
    assert.match(found, /allowPrivilegeEscalation/);
    assert.match(found, /seccompProfile/);
    assert.match(found, /root filesystem is writable/);
  });

  it('catches a container without requests or memory limit', () => {
    const objects = clone(good);
    firstDeployment(objects).spec.template.spec.containers[0]!.resources = {};
    assert.equal(checkResources(objects).length, 3);
  });

  it('catches a missing readiness probe', () => {
    const objects = clone(good);
    delete firstDeployment(objects).spec.template.spec.containers[0]!.readinessProbe;
    assert.match(checkProbes(objects).join('\n'), /no readiness probe/);
  });

  it('catches a container with a read-only root and no writable /tmp', () => {
    const objects = clone(objectsOf('prod'));
    const container = firstDeployment(objects).spec.template.spec.containers[0]!;
    container.volumeMounts = ((container.volumeMounts ?? []) as Array<{ mountPath: string }>).filter(
      (m) => m.mountPath !== '/tmp',
    );
    assert.ok(checkRestrictedSecurity(objects).some((v) => v.includes('no writable /tmp')));
  });

  it('catches an unpinned image', () => {
    const objects = clone(good);
    firstDeployment(objects).spec.template.spec.containers[0]!.image = 'docker.io/library/nginx:latest';
    assert.match(checkPinnedImages(objects).join('\n'), /not pinned/);
  });

  it('catches a wildcard RBAC rule', () => {
    const objects = clone(good);
    const role = objects.find((o) => o.kind === 'ClusterRole') as unknown as { rules: Array<Record<string, string[]>> };
    role.rules.push({ apiGroups: ['apps'], resources: ['*'], verbs: ['get'] });
    assert.match(checkRbac(objects).join('\n'), /wildcard/);
  });

  it('catches an object without app.kubernetes.io labels', () => {
    const objects = clone(good);
    objects[0]!.metadata.labels = {};
    assert.match(checkLabels(objects).join('\n'), /no app.kubernetes.io\/name label/);
  });
});
