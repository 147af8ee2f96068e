import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type Manifest } from '../../charts/synth.js';
import { ENVIRONMENTS } from '../../charts/values/schema.js';
import { synth } from '../../cli/synth.js';
import { render, testValues } from '../helpers/manifests.js';
import { useTempDir } from '../helpers/temp-dir.js';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function snapshot(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** The object order `kubectl apply -f dist/<env>/` sees: crds/ is applied first, then the folder's files by name. */
function applyOrder(envDir: string): Manifest[] {
  const files = listFiles(envDir).sort(
    (a, b) => Number(!a.startsWith('crds/')) - Number(!b.startsWith('crds/')) || a.localeCompare(b),
  );
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(envDir, f), 'utf8')).map((d) => d.toJS() as Manifest),
  );
}

const CLUSTER_SCOPED = [
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'NodePool',
  'EC2NodeClass',
  'PowerSchedule',
];

describe('synth', () => {
  const tempDir = useTempDir('synth');

  it('writes byte-identical output on two runs', () => {
    const a = join(tempDir(), 'a');
    const b = join(tempDir(), 'b');
    synth({ outDir: a });
    synth({ outDir: b });
    const first = snapshot(a);
    assert.ok(first.size >= 15, `expected many files, got ${first.size}`);
    assert.deepEqual(snapshot(b), first);
  });

  it('writes one folder per environment, each applying in order: CRDs, namespaces, then objects in them', () => {
    const out = join(tempDir(), 'dist');
    synth({ outDir: out });
    assert.deepEqual(readdirSync(out).sort(), [...ENVIRONMENTS].sort());
    for (const env of ENVIRONMENTS) {
      const objects = applyOrder(join(out, env));
      // The monitoring namespace is Prometheus' and Grafana's: it exists before roleplane is applied (dashboards go there).
      const { monitoring } = testValues(env);
      const seenNamespaces = new Set<string>(monitoring.enabled ? [monitoring.namespace] : []);
      const seenCrds = new Set<string>();
      for (const o of objects) {
        if (o.kind === 'Namespace') seenNamespaces.add(o.metadata.name);
        if (o.kind === 'CustomResourceDefinition')
          seenCrds.add(`${(o.spec as { names: { kind: string } }).names.kind}`);
        if (o.kind === 'PowerSchedule')
          assert.ok(seenCrds.has('PowerSchedule'), `${env}: PowerSchedule before its CRD`);
        if (CLUSTER_SCOPED.includes(o.kind)) {
          assert.equal(
            o.metadata.namespace,
            undefined,
            `${env}: cluster-scoped ${o.kind} ${o.metadata.name} has a namespace`,
          );
        } else {
          assert.ok(o.metadata.namespace, `${env}: ${o.kind} ${o.metadata.name} has no namespace`);
          assert.ok(
            seenNamespaces.has(o.metadata.namespace),
            `${env}: ${o.kind} ${o.metadata.name} comes before namespace ${o.metadata.namespace}`,
          );
        }
      }
    }
  });

  it('writes nothing when any environment has bad values', () => {
    const out = join(tempDir(), 'dist');
    synth({ outDir: out, environments: ['dev'] });
    const before = snapshot(out);
    const values = join(tempDir(), 'bad-values.yaml');
    writeFileSync(
      values,
      'dev:\n  web:\n    autoscaling:\n      minReplicas: 2\nstaging:\n  valkey:\n    maxmemory: lots\n',
    );
    assert.throws(() => synth({ outDir: out, valuesFile: values }), /staging[\s\S]*valkey\.maxmemory/);
    assert.deepEqual(snapshot(out), before, 'dist/ must be untouched');
  });

  it('replaces an environment folder whole, dropping files that are no longer produced', () => {
    const out = join(tempDir(), 'dist');
    synth({ outDir: out, environments: ['dev'] });
    assert.ok(listFiles(join(out, 'dev')).includes('70-campaigns.yaml'));
    const values = join(out, '..', `no-campaigns-${process.pid}.yaml`);
    writeFileSync(values, 'dev:\n  campaigns: []\n');
    synth({ outDir: out, environments: ['dev'], valuesFile: values });
    assert.ok(!listFiles(join(out, 'dev')).includes('70-campaigns.yaml'));
    assert.deepEqual(readdirSync(out), ['dev'], 'no staging folders left behind');
  });

  it('produces unique object identities in each environment', () => {
    for (const env of ENVIRONMENTS) {
      const ids = render(env).flatMap((f) =>
        f.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      );
      assert.equal(new Set(ids).size, ids.length, `${env} has duplicate objects`);
    }
  });
});
