/**
 * The synthesized prod stack as real containers (podman kube play, runc) with the operator against the real local
 * control plane: every pod template runs as synthesized, the request path works end to end, and the seed's fault
 * table holds with generous bounds. Needs root, podman and the images (`npm run image`, `npm run stack:images`);
 * skips loudly without them, fails under CI=true.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { V1PodSpec } from '@kubernetes/client-node';
import type { Context } from 'mocha';
import { parseAllDocuments, stringify } from 'yaml';
import { synth } from '../../../cli/synth.js';
import { prepareControlPlane, SLEEP_NAMESPACE } from '../../../tools/stack/control-plane.js';
import {
  type FaultRow,
  operatorKilledMidSleep,
  operatorLeads,
  runFaultTable,
  searchCacheBack,
} from '../../../tools/stack/faults.js';
import { catalogIds, fixtureIndexInputs } from '../../../tools/stack/inputs.js';
import { containerName, run } from '../../../tools/stack/podman.js';
import { type StackPrometheus, startPrometheus } from '../../../tools/stack/prometheus.js';
import type { KubeObject } from '../../../tools/stack/pods.js';
import { readManifests, type RunningStack, startStack } from '../../../tools/stack/stack.js';
import { useCluster } from '../../integration/cluster.js';
import { IN_CI, requireBinary } from '../../helpers/binaries.js';
import { makeTempDir, removeDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

const STACK_IMAGES = ['docker.io/valkey/valkey:8.1.4', 'docker.io/odoo:18.0', 'ghcr.io/example/storefront:1.0.0'];

/** podman as root and every image the prod pods name, or a loud skip (a failure under CI=true). */
async function requireStackParts(ctx: Context, prodDist: string): Promise<void> {
  requireBinary(ctx, ['podman'], 'the stack runs the synthesized pods with podman');
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('podman must run as root here (rootless lacks the network setup)');
  const images = new Set<string>(STACK_IMAGES);
  for (const o of readManifests(prodDist)) {
    const spec = (o.spec as { template?: { spec?: { containers?: Array<{ image: string }> } } } | undefined)?.template
      ?.spec;
    for (const c of spec?.containers ?? []) images.add(c.image);
  }
  for (const image of images)
    if ((await run('podman', ['image', 'exists', image])).status !== 0) problems.push(`image ${image} is missing`);
  if (problems.length === 0) return;
  const message = `${problems.join('; ')} (npm run image && npm run stack:images)`;
  if (IN_CI) throw new Error(`${message} — CI=true: .ci/run must build them`);
  process.stderr.write(`\n  SKIPPED (loudly): ${message}.\n\n`);
  ctx.skip();
}

function synthInto(dir: string, valuesFile?: string): { prod: string; dev: string } {
  const [prod, dev] = synth({ environments: ['prod', 'dev'], outDir: dir, ...(valuesFile ? { valuesFile } : {}) });
  assert.ok(prod && dev);
  return { prod, dev };
}

async function inspect(container: string): Promise<{
  /** The process podman started: its executable and the rest of its argv. */
  Path: string;
  Args: string[];
  Config: { User: string; Env: string[] };
  HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[] };
  Mounts: Array<{ Destination: string; RW: boolean }>;
  ImageName: string;
}> {
  const result = await run('podman', ['inspect', container]);
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as Array<Awaited<ReturnType<typeof inspect>>>)[0]!;
}

/** A copy of one synthesized file with `edit` applied to its documents. */
function editedCopy(from: string, to: string, file: string, edit: (o: KubeObject) => void): void {
  const docs = parseAllDocuments(readFileSync(join(from, file), 'utf8')).map((d) => d.toJS() as KubeObject);
  for (const d of docs) edit(d);
  writeFileSync(join(to, file), docs.map((d) => stringify(d)).join('---\n'));
}

/** How podman names an image a manifest names: Docker Hub's official images live under `library/`. */
function fullImageName(image: string): string {
  const match = /^docker\.io\/([^/]+)$/.exec(image.split(':')[0]!);
  return match ? image.replace('docker.io/', 'docker.io/library/') : image;
}

type PodTemplate = { spec: { containers: Array<Record<string, unknown> & { name: string }> } };

describe('tools/stack: a container spec that cannot run as synthesized fails', function () {
  this.timeout(10 * 60_000);
  let work: string;
  let dists: { prod: string; dev: string };

  before(async function () {
    work = makeTempDir('stack-broken');
    dists = synthInto(join(work, 'dist'));
    await requireStackParts(this, dists.prod);
  });
  after(() => removeDir(work));

  const attempt = async (name: string, edit: (template: PodTemplate) => void): Promise<Error> => {
    const broken = join(work, name);
    mkdirSync(broken, { recursive: true });
    editedCopy(dists.prod, broken, '60-web.yaml', (o) => {
      if (o.kind === 'Deployment') edit((o.spec as { template: PodTemplate }).template);
    });
    const error = await startStack({
      distDir: broken,
      stateDir: join(work, `${name}-state`),
      indexInputs: fixtureIndexInputs(),
      readyTimeoutMs: 20_000,
    }).then(
      async (stack) => {
        await stack.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    assert.ok(error, `the stack with ${name} started`);
    return error;
  };

  it('a probe on a port nothing listens on', async () => {
    const error = await attempt('probe-port', (t) => {
      const nginx = t.spec.containers.find((c) => c.name === 'nginx')!;
      nginx.readinessProbe = { httpGet: { path: '/nginx-health', port: 9999 }, periodSeconds: 5 };
    });
    assert.match(error.message, /Deployment web\/web: not ready after 20 s; last: nginx: GET http:\/\/[\d.]+:9999/);
  });

  it('a read-only root with no writable /tmp for the app', async () => {
    const error = await attempt('no-tmp', (t) => {
      const app = t.spec.containers.find((c) => c.name === 'app')!;
      app.volumeMounts = [];
      // The storefront writes nothing; nginx is the one that needs /tmp (its pid and temp files).
      const nginx = t.spec.containers.find((c) => c.name === 'nginx')!;
      nginx.volumeMounts = (nginx.volumeMounts as Array<{ mountPath: string }>).filter((m) => m.mountPath !== '/tmp');
    });
    // nginx exits at start; its exporter, which cannot reach it, may be the first to count as crash-looping. The
    // error carries the pod's logs, with nginx's reason.
    assert.match(error.message, /Deployment web\/web: container nginx(-exporter)? .*cannot run as synthesized/);
    assert.match(error.message, /mkdir\(\) "\/tmp\/client_body" failed \(30: Read-only file system\)/);
  });
});

describe('tools/stack: the prod stack as real containers, the operator on the local control plane, a Prometheus', function () {
  this.timeout(20 * 60_000);
  let work: string;
  let dists: { prod: string; dev: string };
  let stack: RunningStack | undefined;
  let prometheus: StackPrometheus | undefined;
  let objects: KubeObject[];
  let kubectl: (args: readonly string[], input?: string) => Promise<string>;

  before(async function () {
    work = makeTempDir('stack');
    // As demo:faults: scrape every second and page after 5 s, so each fault's alert fires within the test.
    const valuesFile = join(work, 'values.yaml');
    writeFileSync(valuesFile, 'prod:\n  monitoring:\n    scrapeInterval: 1s\n    alerts: { downFor: 5s }\n');
    dists = synthInto(join(work, 'dist'), valuesFile);
    await requireStackParts(this, dists.prod);
    requireBinary(this, ['prometheus'], 'a real Prometheus watches the stack for the fault table’s alerts');
    const cluster = await useCluster(this);
    kubectl = (args, input) => cluster.kubectl.must(args, input);
    await prepareControlPlane(kubectl, dists.prod, dists.dev);
    objects = readManifests(dists.prod);
    stack = await startStack({
      distDir: dists.prod,
      stateDir: join(work, 'state'),
      indexInputs: fixtureIndexInputs(),
      controlPlane: { kubeconfigPath: cluster.kubeconfigPath, kubectl },
    });
    prometheus = await startPrometheus(stack, objects, join(work, 'prometheus'));
    // Settled before any assertion: search reconnects to Valkey by itself, the operator waits out an earlier lease.
    await searchCacheBack(stack);
    await operatorLeads(stack);
  });
  after(async () => {
    await prometheus?.stop();
    await stack?.stop();
    removeDir(work);
  });

  it('runs a pod for every Deployment, StatefulSet and Job of dist/prod, each ready by its own probes', () => {
    const templates = objects
      .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
      .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    assert.deepEqual(
      templates,
      [
        'Deployment erp/erp',
        'Deployment roleplane-system/roleplane-operator',
        'Deployment roleplane-system/roleplane-waker',
        'Deployment search/search',
        'Deployment web/web',
        `Job search/${objects.find((o) => o.kind === 'Job')!.metadata.name}`,
        'StatefulSet search/valkey',
      ].sort(),
    );
    const running = stack!.pods.map((p) => p.plan.source);
    assert.deepEqual(running.sort(), templates.filter((t) => !t.startsWith('Job')).sort());
  });

  it('runs every container with the synthesized image, user, command, env, read-only root and mounts', async () => {
    for (const pod of stack!.pods) {
      const template = objects.find((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` === pod.plan.source)!;
      const spec = (template.spec as { template: { spec: V1PodSpec } }).template.spec;
      for (const c of spec.containers) {
        const where = `${pod.plan.source} ${c.name}`;
        const got = await inspect(containerName(pod.plan.name, c.name));
        const user = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
        const group = c.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup;
        assert.equal(got.Config.User, `${user}:${group}`, `${where}: user`);
        assert.equal(
          got.HostConfig.ReadonlyRootfs,
          c.securityContext?.readOnlyRootFilesystem === true,
          `${where}: root`,
        );
        assert.ok(
          got.HostConfig.CapDrop.length >= 10,
          `${where}: capabilities dropped ${got.HostConfig.CapDrop.join(',')}`,
        );
        assert.equal(got.ImageName, fullImageName(c.image!), `${where}: image`);
        const argv = [got.Path, ...got.Args];
        for (const part of [...(c.command ?? []), ...(c.args ?? [])])
          assert.ok(argv.includes(part), `${where}: ${JSON.stringify(part)} not in ${JSON.stringify(argv)}`);
        for (const e of c.env ?? [])
          assert.ok(
            got.Config.Env.some((x) => x.startsWith(`${e.name}=`)),
            `${where}: env ${e.name} missing from the container`,
          );
        for (const m of c.volumeMounts ?? []) {
          const mount = got.Mounts.find((x) => x.Destination === m.mountPath);
          assert.ok(mount, `${where}: nothing mounted at ${m.mountPath}`);
          assert.equal(mount.RW, !m.readOnly, `${where}: ${m.mountPath} read-write`);
        }
      }
    }
  });

  it('has the index the Job wrote, mounted read-only into search', async () => {
    const search = containerName(stack!.pod('search').plan.name, 'search');
    const listed = await run('podman', ['exec', search, 'ls', '/data/index']);
    assert.match(listed.stdout, /manifest\.json/);
    const write = await run('podman', ['exec', search, 'touch', '/data/index/x']);
    assert.notEqual(write.status, 0);
    assert.match(write.stderr, /Read-only file system/);
  });

  it('serves a search page along nginx → storefront → search Service → Valkey', async () => {
    const web = stack!.pod('web').url(8080);
    const page = await fetch(`${web}/search?q=${encodeURIComponent('red running shoes')}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Nike Pegasus Red Running Shoes/);
    const related = await fetch(`${web}/products/P-001`);
    assert.equal(related.status, 200);
    assert.match(await related.text(), /Related products/);
    const search = stack!.pod('search').url(8080);
    const ask = async (): Promise<string> =>
      ((await (await fetch(`${search}/search?q=breathable+mesh`)).json()) as { cache: { embedding: string } }).cache
        .embedding;
    await ask();
    // Free text, not only filter words: a filters-only query is ranked without an embedding (cache "off").
    assert.equal(await ask(), 'hit', 'the second identical search reads its embedding from Valkey');
  });

  it('wakes a sleeping site on a page view: the waker in its container annotates, the operator in its own wakes it', async () => {
    // dev, managed by one schedule that is never awake (its office-hours label, if an earlier test left one, removed
    // so that the time of day cannot decide), with the dev environment's web Deployment in it.
    await kubectl(['label', 'namespace', 'dev', 'roleplane.io/power-schedule-']).catch(() =>
      kubectl(['create', 'namespace', 'dev']),
    );
    const web = readManifests(dists.dev).find((o) => o.kind === 'Deployment' && o.metadata.name === 'web')!;
    const replicas = (web.spec as { replicas?: number }).replicas ?? 1;
    const schedule = {
      apiVersion: 'roleplane.io/v1alpha1',
      kind: 'PowerSchedule',
      metadata: { name: 'stack-dev-never' },
      spec: { namespaces: ['dev'], uptime: 'never', timeZone: 'UTC' },
    };
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=stack-test', '-f', '-'],
      [schedule, web].map((d) => stringify(d)).join('---\n'),
    );
    const webReplicas = async (): Promise<number> =>
      Number(await kubectl(['get', 'deployment', 'web', '-n', 'dev', '-o', 'jsonpath={.spec.replicas}']));
    try {
      await waitFor('dev asleep', 60_000, async () => ((await webReplicas()) === 0 ? true : undefined), 250);
      const waker = stack!.pod('roleplane-waker').plan;
      const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: waker.ip,
            port: 8090,
            path: '/',
            headers: {
              host: 'dev.shop.example.com',
              accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
              'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
            },
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(page.status, 503);
      assert.match(page.body, /http-equiv="refresh"/i);
      await waitFor(
        'dev awake again',
        60_000,
        async () => ((await webReplicas()) === replicas ? true : undefined),
        250,
      );
      const annotation = await kubectl([
        'get',
        'namespace',
        'dev',
        '-o',
        'jsonpath={.metadata.annotations.roleplane\\.io/awake-until}',
      ]);
      assert.ok(Date.parse(annotation) > Date.now() + 3600_000, `awake-until ${annotation}`);
    } finally {
      await kubectl(['delete', 'powerschedule', 'stack-dev-never', '--ignore-not-found']);
      await kubectl(['annotate', 'namespace', 'dev', 'roleplane.io/awake-until-']);
    }
  });

  it('keeps the seed’s promises under faults (generous bounds) and loses nothing when the operator dies mid-sleep', async () => {
    const rows: FaultRow[] = await runFaultTable(stack!, {
      productIds: catalogIds(fixtureIndexInputs().catalog),
      seconds: 2,
      concurrency: 4,
      failFastMs: 5000,
      searchBoundMs: 2500,
      prometheus,
    });
    const broken = rows.filter((r) => r.violations.length > 0);
    assert.deepEqual(
      broken.map((r) => `${r.fault} / ${r.target}: ${r.violations.join('; ')}`),
      [],
    );
    for (const fault of ['search killed', 'search hung', 'Valkey killed', 'Valkey hung', 'web killed'])
      assert.ok(
        rows.some((r) => r.fault === fault && r.summary.requests > 0),
        `no requests measured for ${fault}`,
      );
    // Each fault raised its alert in the real Prometheus, which resolved once the role was back; none with nothing broken.
    assert.deepEqual(rows[0]!.activeAlerts, []);
    const alerts = rows
      .filter((r) => r.alert)
      .map((r) => [r.fault, r.alert!.name, r.alert!.firingAfter !== undefined, r.alert!.resolvedAfter !== undefined]);
    assert.deepEqual(alerts, [
      ['search killed', 'RoleplaneSearchDown', true, true],
      ['search hung', 'RoleplaneSearchDown', true, true],
      ['Valkey killed', 'RoleplaneValkeyDown', true, true],
      ['Valkey hung', 'RoleplaneValkeyDown', true, true],
      ['web killed', 'RoleplaneWebDown', true, true],
    ]);
    const operator = await operatorKilledMidSleep(stack!, { kubectl, namespace: SLEEP_NAMESPACE, timeoutMs: 90_000 });
    assert.deepEqual(operator.lost, []);
    assert.equal(operator.asleepAfterRestart, operator.workloads);
    assert.equal(operator.restoredExactly, operator.workloads);
    assert.ok(operator.workloads >= 3);
  });
});
