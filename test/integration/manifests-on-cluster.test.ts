import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABEL_COMPONENT } from '../../charts/lib/labels.js';
import { POOL_KEY } from '../../charts/lib/pool.js';
import { loadValues } from '../../charts/values/load.js';
import { ENVIRONMENTS } from '../../charts/values/schema.js';
import { createFakeNodes } from '../../tools/cluster/nodes.js';
import { fakePoolsFromValues, platformValues } from '../../tools/cluster/prepare.js';
import { synth } from '../../cli/synth.js';
import type { PodSpec } from '../helpers/manifests.js';
import { requiredPool } from '../helpers/policy.js';
import { waitFor } from '../helpers/wait.js';
import { type TestCluster, useCluster } from './cluster.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { render } from '../helpers/manifests.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUR_NAMESPACES = ['erp', 'web', 'search', 'roleplane-system', 'staging', 'dev'];
const OPERATOR_SA = 'system:serviceaccount:roleplane-system:roleplane-operator';
/** The Prometheus Operator's CRDs (v0.85.0, vendored by `npm run import`): kube-prometheus-stack installs these. */
const PROMETHEUS_OPERATOR_CRDS = [
  'monitoring.coreos.com_servicemonitors.yaml',
  'monitoring.coreos.com_podmonitors.yaml',
  'monitoring.coreos.com_prometheusrules.yaml',
].map((file) => join(REPO, 'imports', 'crds', file));
const MONITORING_KINDS = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'];

interface Pod {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ kind: string }>;
  };
  spec: PodSpec & { nodeName?: string };
  status: { phase: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
}
interface Node {
  metadata: { name: string; labels: Record<string, string> };
}

/** The shell commands of the README's "Apply the output" section, exactly as a user copies them. */
function readmeApplyCommands(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Apply the output'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no sh block under "## Apply the output"');
  return block[1]!;
}

async function pods(k: TestCluster, namespaces = OUR_NAMESPACES): Promise<Pod[]> {
  const all = JSON.parse(await k.kubectl.must(['get', 'pods', '-A', '-o', 'json'])) as { items: Pod[] };
  return all.items.filter((p) => namespaces.includes(p.metadata.namespace));
}

async function nodes(k: TestCluster): Promise<Map<string, Node>> {
  const list = JSON.parse(await k.kubectl.must(['get', 'nodes', '-o', 'json'])) as { items: Node[] };
  return new Map(list.items.map((n) => [n.metadata.name, n]));
}

function poolOfPod(pod: Pod): string | undefined {
  return requiredPool({
    owner: pod.metadata.name,
    kind: 'Pod',
    namespace: pod.metadata.namespace,
    labels: pod.metadata.labels ?? {},
    spec: pod.spec,
  });
}

function isUnschedulable(pod: Pod): boolean {
  return (
    !pod.spec.nodeName &&
    pod.status.phase === 'Pending' &&
    (pod.status.conditions ?? []).some(
      (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
    )
  );
}

describe('the synthesized manifests on a real control plane', function () {
  let cluster: TestCluster;
  const workDir = useTempDir('apply', 'all');
  let work: string;

  before(async function () {
    cluster = await useCluster(this);
    work = workDir();
    synth({ outDir: join(work, 'dist') });
    // What a cluster running kube-prometheus-stack has before roleplane comes: the Prometheus Operator's CRDs and the
    // monitoring namespace (prod's monitoring objects and dashboards need both).
    await cluster.kubectl.must(['apply', '--server-side', ...PROMETHEUS_OPERATOR_CRDS.flatMap((f) => ['-f', f])]);
    await cluster.kubectl.must([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...PROMETHEUS_OPERATOR_CRDS.flatMap((f) => ['-f', f]),
    ]);
    await cluster.kubectl.must(['create', 'namespace', 'monitoring']);
  });

  it('apply with the README commands, server-side, with zero errors and zero warnings', function () {
    this.timeout(120_000);
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', readmeApplyCommands()], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, PATH: `${cluster.binDir}:${process.env.PATH}` },
    });
    assert.equal(result.status, 0, `apply failed:\n${result.stderr}`);
    assert.equal(result.stderr.trim(), '', `apply printed warnings or errors:\n${result.stderr}`);
    const applied = result.stdout.split('\n').filter((l) => l.includes('serverside-applied')).length;
    assert.ok(applied >= 100, `expected every object applied, saw ${applied} lines`);
  });

  it('has every ServiceMonitor, PodMonitor and PrometheusRule of prod stored as synthesized', async function () {
    this.timeout(30_000);
    const synthesized = render('prod')
      .flatMap((f) => [...f.objects])
      .filter((o) => MONITORING_KINDS.includes(o.kind));
    assert.equal(synthesized.length, 4 + 5);
    const stored = JSON.parse(
      await cluster.kubectl.must(['get', 'servicemonitors,podmonitors,prometheusrules', '-A', '-o', 'json']),
    ) as { items: Array<{ kind: string; metadata: { name: string; namespace: string }; spec: unknown }> };
    const key = (o: { kind: string; metadata: { name: string; namespace?: string } }) =>
      `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
    assert.deepEqual(stored.items.map(key).sort(), synthesized.map(key).sort());
    // The API server kept every field (a field unknown to the CRD's schema would be pruned).
    for (const o of synthesized) {
      const found = stored.items.find((s) => key(s) === key(o));
      assert.deepEqual(found?.spec, JSON.parse(JSON.stringify(o.spec)), key(o));
    }
  });

  it('would reject a monitoring object that breaks the Prometheus Operator schema', async function () {
    this.timeout(30_000);
    const broken = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'broken', namespace: 'search' },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'X', expr: 'up == 0', for: 'soon' }] }] },
    };
    const rejected = await cluster.kubectl.run(
      ['apply', '--server-side', '--dry-run=server', '-f', '-'],
      JSON.stringify(broken),
    );
    assert.notEqual(rejected.status, 0);
    assert.match(rejected.stderr, /spec\.groups\[0\]\.rules\[0\]\.for/);
  });

  it('would see a PodSecurity warning and a schema rejection (the checks above can fail)', async function () {
    this.timeout(30_000);
    const privileged = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'privileged', namespace: 'web' },
      spec: {
        selector: { matchLabels: { app: 'privileged' } },
        template: {
          metadata: { labels: { app: 'privileged' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] },
        },
      },
    };
    const warned = await cluster.kubectl.run(
      ['apply', '--server-side', '--dry-run=server', '-f', '-'],
      JSON.stringify(privileged),
    );
    assert.match(warned.stderr, /Warning: would violate PodSecurity "restricted:latest"/);

    const badPool = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'broken' },
      spec: {
        disruption: { consolidateAfter: 'soon' },
        template: {
          spec: { requirements: [], nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'x' } },
        },
      },
    };
    const rejected = await cluster.kubectl.run(
      ['apply', '--server-side', '--dry-run=server', '-f', '-'],
      JSON.stringify(badPool),
    );
    assert.notEqual(rejected.status, 0);
    assert.match(rejected.stderr, /consolidateAfter/);

    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: 'search' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
    };
    const forbidden = await cluster.kubectl.run(
      ['apply', '--server-side', '--dry-run=server', '-f', '-'],
      JSON.stringify(pod),
    );
    assert.notEqual(forbidden.status, 0);
    assert.match(forbidden.stderr, /violates PodSecurity "restricted:latest"/);
  });

  it('schedules every pod of every role on a node of its own pool and nowhere else', async function () {
    this.timeout(120_000);
    // Replicas as synthesized (HPA minimums included): prod erp 2, operator 2, web 3, search 2, Valkey 1,
    // index build 1; staging and dev: web, search, Valkey and index build 1 each.
    const expected = 2 + 2 + 3 + 2 + 1 + 1 + 2 * 4;
    const placed = await waitFor(`${expected} pods scheduled and running`, 90_000, async () => {
      const list = await pods(cluster);
      const done = list.filter((p) => p.spec.nodeName && ['Running', 'Succeeded'].includes(p.status.phase));
      return done.length >= expected && list.every((p) => p.spec.nodeName) ? list : undefined;
    });
    const byName = await nodes(cluster);
    const misplaced = placed
      .map((p) => ({
        pod: `${p.metadata.namespace}/${p.metadata.name}`,
        want: poolOfPod(p),
        got: byName.get(p.spec.nodeName!)?.metadata.labels[POOL_KEY],
      }))
      .filter((p) => p.want === undefined || p.want !== p.got);
    assert.deepEqual(misplaced, []);
    const poolsUsed = new Set(placed.map((p) => byName.get(p.spec.nodeName!)?.metadata.labels[POOL_KEY]));
    assert.deepEqual([...poolsUsed].sort(), ['cache', 'dev', 'erp', 'search', 'web']);
  });

  it('gives the Valkey StatefulSets their PVCs, bound', async function () {
    this.timeout(30_000);
    for (const namespace of ['search', 'staging', 'dev']) {
      const phase = await cluster.kubectl.must([
        'get',
        'pvc',
        'data-valkey-0',
        '-n',
        namespace,
        '-o',
        'jsonpath={.status.phase}',
      ]);
      assert.equal(phase, 'Bound', namespace);
    }
  });

  it('leaves pods Pending when their pool is cordoned, instead of landing on another pool', async function () {
    this.timeout(120_000);
    await cluster.kubectl.must(['cordon', '-l', `${POOL_KEY}=search`]);
    try {
      await cluster.kubectl.must(['delete', 'pods', '-n', 'search', '-l', `${LABEL_COMPONENT}=search`, '--wait=false']);
      const pending = await waitFor('replacement search pods to be unschedulable', 60_000, async () => {
        const list = (await pods(cluster, ['search'])).filter(
          (p) => p.metadata.labels?.[LABEL_COMPONENT] === 'search' && !p.metadata.name.startsWith('search-index'),
        );
        const fresh = list.filter((p) => !p.spec.nodeName);
        return fresh.length >= 2 && fresh.every(isUnschedulable) ? fresh : undefined;
      });
      assert.ok(pending.every((p) => !p.spec.nodeName));
    } finally {
      await cluster.kubectl.must(['uncordon', '-l', `${POOL_KEY}=search`]);
    }
    const rescheduled = await waitFor('search pods back on the search pool', 60_000, async () => {
      const list = (await pods(cluster, ['search'])).filter(
        (p) => p.metadata.labels?.[LABEL_COMPONENT] === 'search' && p.status.phase === 'Running',
      );
      return list.length >= 2 ? list : undefined;
    });
    const byName = await nodes(cluster);
    for (const p of rescheduled) assert.equal(byName.get(p.spec.nodeName!)?.metadata.labels[POOL_KEY], 'search');
  });

  it('leaves Valkey Pending when the cache pool is gone, and places it there again when the pool returns', async function () {
    this.timeout(120_000);
    await cluster.kubectl.must(['delete', 'nodes', '-l', `${POOL_KEY}=cache`]);
    // The kubelet that would confirm the old pod's end is gone with its node: remove the pod as a node-lifecycle controller would.
    await cluster.kubectl.must(['delete', 'pod', 'valkey-0', '-n', 'search', '--force', '--grace-period=0']);
    await waitFor('valkey-0 to be recreated and unschedulable', 60_000, async () => {
      const pod = (await pods(cluster, ['search'])).find((p) => p.metadata.name === 'valkey-0');
      return pod && isUnschedulable(pod) ? pod : undefined;
    });
    const all = ENVIRONMENTS.map((environment) => loadValues({ environment }));
    const cachePool = fakePoolsFromValues(platformValues(all)).filter((p) => p.name === 'cache');
    await createFakeNodes(cluster.kubeconfigPath, cachePool);
    const back = await waitFor('valkey-0 on a cache node', 60_000, async () => {
      const pod = (await pods(cluster, ['search'])).find((p) => p.metadata.name === 'valkey-0');
      return pod?.spec.nodeName && pod.status.phase === 'Running' ? pod : undefined;
    });
    assert.match(back.spec.nodeName!, /^cache-/);
  });

  describe("the operator's ServiceAccount", () => {
    const cases: Array<[string, string[], boolean]> = [
      ['list powerschedules', ['list', 'powerschedules.roleplane.io'], true],
      ['patch powerschedule status', ['patch', 'powerschedules.roleplane.io', '--subresource=status'], true],
      ['watch namespaces', ['watch', 'namespaces'], true],
      ['patch deployments anywhere', ['patch', 'deployments', '-n', 'dev'], true],
      ['patch statefulsets', ['patch', 'statefulsets', '-n', 'staging'], true],
      ['patch cronjobs', ['patch', 'cronjobs', '-n', 'dev'], true],
      ['list HPAs', ['list', 'horizontalpodautoscalers', '-n', 'dev'], true],
      ['create events', ['create', 'events.events.k8s.io', '-n', 'dev'], true],
      ['create its lease', ['create', 'leases', '-n', 'roleplane-system'], true],
      ['update its own lease', ['update', 'leases/roleplane-operator', '-n', 'roleplane-system'], true],
      ['update another lease', ['update', 'leases/kube-scheduler', '-n', 'roleplane-system'], false],
      ['create leases elsewhere', ['create', 'leases', '-n', 'kube-system'], false],
      ['delete deployments', ['delete', 'deployments', '-n', 'dev'], false],
      ['update deployments (only patch)', ['update', 'deployments', '-n', 'dev'], false],
      ['read secrets', ['get', 'secrets', '-n', 'dev'], false],
      ['create pods', ['create', 'pods', '-n', 'dev'], false],
      ['exec into pods', ['create', 'pods/exec', '-n', 'dev'], false],
      ['change its own schedules', ['update', 'powerschedules.roleplane.io'], false],
      ['patch namespaces', ['patch', 'namespaces'], false],
      ['touch nodes', ['patch', 'nodes'], false],
    ];
    for (const [what, args, allowed] of cases) {
      it(`${allowed ? 'may' : 'may not'} ${what}`, async function () {
        const result = await cluster.kubectl.run(['auth', 'can-i', ...args, '--as', OPERATOR_SA]);
        assert.equal(
          result.stdout.trim(),
          allowed ? 'yes' : 'no',
          `kubectl auth can-i ${args.join(' ')}: ${result.stdout}${result.stderr}`,
        );
      });
    }
  });

  it('also accepts the labels-mode output, which has no pool objects', async function () {
    this.timeout(60_000);
    const out = join(work, 'labels');
    const values = join(work, 'labels-values.yaml');
    writeFileSync(values, 'prod:\n  platform:\n    provider:\n      mode: labels\n');
    synth({ outDir: out, environments: ['prod'], valuesFile: values });
    const result = await cluster.kubectl.run(['apply', '--server-side', '--dry-run=server', '-f', join(out, 'prod')]);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /nodepool|ec2nodeclass/i);
  });
});
