import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { runMigrateKubeDownscaler } from '../../operator/migrate/migrate-command.js';
import { synth } from '../../cli/synth.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { type TestCluster, useCluster } from './cluster.js';
import { installCrds } from '../../tools/cluster/kubectl.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'roleplane.js');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    managedFields?: Array<{ manager: string }>;
  };
  spec?: Record<string, unknown>;
}

const UPTIME = 'Mon-Fri 07:00-20:00 Europe/Berlin';
const NIGHTS = 'Mon-Fri 20:00-08:00 Europe/Berlin';

const namespace = (name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations },
});

const deployment = (ns: string, name: string, annotations: Record<string, string> = {}, podSpec: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, annotations },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...podSpec },
    },
  },
});

describe('roleplane migrate kube-downscaler on a real control plane', function () {
  let cluster: TestCluster;
  const tempDir = useTempDir('migrate-test', 'all');

  const apply = (...objects: object[]) =>
    cluster.kubectl.must(
      ['apply', '--server-side', '--field-manager=test', '-f', '-'],
      objects.map((o) => JSON.stringify(o)).join('\n'),
    );
  const get = async (kind: string, name: string, ns?: string): Promise<Obj | undefined> => {
    const result = await cluster.kubectl.run([
      'get',
      kind,
      name,
      ...(ns ? ['-n', ns] : []),
      '-o',
      'json',
      '--show-managed-fields',
    ]);
    return result.status === 0 ? (JSON.parse(result.stdout) as Obj) : undefined;
  };
  const migrate = (apply = false) => runMigrateKubeDownscaler({ kubeconfig: cluster.kubeconfigPath, apply });
  const docsOf = (stdout: string) => loadAllYaml(stdout) as Obj[];
  const find = (docs: Obj[], kind: string, name: string) =>
    docs.find((d) => d.kind === kind && d.metadata.name === name);

  before(async function () {
    cluster = await useCluster(this);
    this.timeout(120_000);
    const out = tempDir();
    synth({ outDir: out, environments: ['prod'] });
    await installCrds((args) => cluster.kubectl.must(args), join(out, 'prod', 'crds'), ['powerschedules']);
    await apply(
      namespace('mig-ops'),
      namespace('mig-team-a'),
      namespace('mig-team-b'),
      namespace('mig-night', {
        'downscaler/uptime': 'always',
        'downscaler/downtime': NIGHTS,
        'downscaler/downtime-replicas': '1',
      }),
      namespace('mig-shared', { 'downscaler/exclude': 'true' }),
      namespace('mig-until', { 'downscaler/exclude-until': '2099-01-01' }),
    );
    await apply(
      // kube-downscaler itself, limited to this test's namespaces by its own --exclude-namespaces.
      deployment(
        'mig-ops',
        'kube-downscaler',
        {},
        {
          containers: [
            {
              name: 'downscaler',
              image: 'ghcr.io/caas-team/py-kube-downscaler:24.8.2',
              args: [
                `--default-uptime=${UPTIME}`,
                '--exclude-namespaces=kube-.*,(?!mig-).*',
                '--grace-period',
                '1800',
                '--enable-events',
              ],
            },
          ],
        },
      ),
      deployment('mig-team-a', 'web'),
      deployment('mig-team-a', 'api', { 'downscaler/uptime': 'Mon-Fri 09:00-17:00 Europe/Berlin' }),
      deployment('mig-team-a', 'batch', { 'downscaler/exclude': 'true' }),
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: 'mig-team-b' },
        spec: {
          replicas: 1,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
          },
        },
      },
    );
  });

  after(async function () {
    this.timeout(60_000);
    if (!cluster) return;
    await cluster.kubectl.run([
      'delete',
      'powerschedules',
      '-l',
      'roleplane.io/migrated-from=kube-downscaler',
      '--ignore-not-found',
    ]);
    await cluster.kubectl.run([
      'delete',
      'namespace',
      'mig-ops',
      'mig-team-a',
      'mig-team-b',
      'mig-night',
      'mig-shared',
      'mig-until',
      '--wait=false',
    ]);
  });

  it('prints the PowerSchedules, exclusions and overrides, says what it cannot carry, and writes nothing', async function () {
    this.timeout(60_000);
    const result = await migrate();
    assert.equal(result.exitCode, 0, result.stdout);
    assert.match(result.stdout, /^# roleplane migrate kube-downscaler: read Deployment mig-ops\/kube-downscaler at /);
    const docs = docsOf(result.stdout);

    assert.deepEqual(find(docs, 'PowerSchedule', 'kube-downscaler-default')?.spec, {
      namespaces: ['mig-ops', 'mig-team-a', 'mig-team-b', 'mig-until'],
      uptime: UPTIME,
      downtimeReplicas: 0,
      gracePeriod: '30m',
    });
    assert.deepEqual(find(docs, 'PowerSchedule', 'kube-downscaler-mig-night')?.spec, {
      namespaces: ['mig-night'],
      downtime: NIGHTS,
      downtimeReplicas: 1,
      gracePeriod: '30m',
    });
    assert.equal(docs.filter((d) => d.kind === 'PowerSchedule').length, 2, 'nothing outside the mig- namespaces');
    assert.deepEqual(find(docs, 'Namespace', 'mig-shared')?.metadata.labels, { 'roleplane.io/exclude': 'true' });
    assert.deepEqual(find(docs, 'Namespace', 'mig-until')?.metadata.annotations, {
      'roleplane.io/awake-until': '2099-01-01T00:00:00Z',
    });
    for (const [kind, ns, name] of [
      ['Deployment', 'mig-team-a', 'batch'], // downscaler/exclude
      ['Deployment', 'mig-ops', 'kube-downscaler'], // --exclude-deployments' default names
      ['StatefulSet', 'mig-team-b', 'db'], // not in --include-resources (deployments)
    ] as const) {
      const doc = docs.find((d) => d.kind === kind && d.metadata.name === name && d.metadata.namespace === ns);
      assert.deepEqual(doc?.metadata.labels, { 'roleplane.io/exclude': 'true' }, `${kind} ${ns}/${name}`);
    }
    assert.match(
      result.stdout,
      /^# {3}- Deployment mig-team-a\/api: its own uptime "Mon-Fri 09:00-17:00 Europe\/Berlin": roleplane schedules whole namespaces/m,
    );
    assert.match(
      result.stdout,
      /^# {3}- Deployment mig-ops\/kube-downscaler: --enable-events: roleplane always writes Events/m,
    );

    assert.equal(await get('powerschedule', 'kube-downscaler-default'), undefined, 'nothing written without --apply');
    assert.equal((await get('namespace', 'mig-shared'))?.metadata.labels?.['roleplane.io/exclude'], undefined);
  });

  it('names a bad annotation value and, with --apply, writes nothing at all', async function () {
    this.timeout(60_000);
    await cluster.kubectl.must([
      'annotate',
      'namespace',
      'mig-team-b',
      'downscaler/uptime=Mon-Fry 07:00-20:00 Europe/Berlin',
    ]);
    try {
      const result = await migrate(true);
      assert.equal(result.exitCode, 1);
      assert.match(
        result.stdout,
        /^# {3}- namespace mig-team-b: downscaler\/uptime "Mon-Fry 07:00-20:00 Europe\/Berlin": unknown weekday "Fry"/m,
      );
      assert.match(result.stderr, /^not applied: 1 invalid value\(s\), listed at the top; nothing was written$/m);
      assert.equal(await get('powerschedule', 'kube-downscaler-default'), undefined);
      assert.equal((await get('namespace', 'mig-shared'))?.metadata.labels?.['roleplane.io/exclude'], undefined);
    } finally {
      await cluster.kubectl.must(['annotate', 'namespace', 'mig-team-b', 'downscaler/uptime-']);
    }
  });

  it('with --apply creates them under its field manager, and a second run changes nothing', async function () {
    this.timeout(90_000);
    const first = await migrate(true);
    assert.equal(first.exitCode, 0, first.stderr);
    assert.match(first.stderr, /^applied 7 object\(s\) with field manager roleplane-migrate$/m);
    const written = [
      ['powerschedule', 'kube-downscaler-default', undefined],
      ['powerschedule', 'kube-downscaler-mig-night', undefined],
      ['namespace', 'mig-shared', undefined],
      ['namespace', 'mig-until', undefined],
      ['deployment', 'batch', 'mig-team-a'],
      ['deployment', 'kube-downscaler', 'mig-ops'],
      ['statefulset', 'db', 'mig-team-b'],
    ] as const;
    const versions = async () =>
      Promise.all(written.map(async ([kind, name, ns]) => (await get(kind, name, ns))?.metadata.resourceVersion));

    const schedule = await get('powerschedule', 'kube-downscaler-default');
    assert.deepEqual(schedule?.spec?.namespaces, ['mig-ops', 'mig-team-a', 'mig-team-b', 'mig-until']);
    assert.equal((await get('namespace', 'mig-shared'))?.metadata.labels?.['roleplane.io/exclude'], 'true');
    assert.equal(
      (await get('namespace', 'mig-until'))?.metadata.annotations?.['roleplane.io/awake-until'],
      '2099-01-01T00:00:00Z',
    );
    const db = await get('statefulset', 'db', 'mig-team-b');
    assert.equal(db?.metadata.labels?.['roleplane.io/exclude'], 'true');
    assert.ok(db?.metadata.managedFields?.some((m) => m.manager === 'roleplane-migrate'));

    const before = await versions();
    const second = await migrate(true);
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal(second.stdout.replace(/ at \S+/, ''), first.stdout.replace(/ at \S+/, ''));
    assert.deepEqual(await versions(), before, 'a re-run writes nothing new');
  });

  it('runs as `roleplane migrate kube-downscaler`', async function () {
    this.timeout(60_000);
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [
        BIN,
        'migrate',
        'kube-downscaler',
        '--kubeconfig',
        cluster.kubeconfigPath,
      ]);
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (c) => resolve({ code: c, out }));
    });
    assert.equal(code, 0);
    assert.ok(find(docsOf(out), 'PowerSchedule', 'kube-downscaler-mig-night'));
  });
});
