import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { AWAKE_UNTIL_ANNOTATION } from '../../operator/api/keys.js';
import { systemClock } from '../../operator/clock.js';
import { type RunningOperator, startOperator } from '../../operator/operator.js';
import { type RunningWaker, startWaker } from '../../operator/waker/main.js';
import { synth } from '../../cli/synth.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { type TestCluster, useCluster } from './cluster.js';
import { installCrds } from '../../tools/cluster/kubectl.js';

const BROWSER = {
  accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
};
/** Namespaces the synthesized ClusterRole lets the waker read and annotate (added to the hosts in prod's values). */
const ALLOWED = { 'site-a.example.com': 'wake-a', 'site-b.example.com': 'wake-b' };
/** Mapped in the waker's own flags but not in its ClusterRole: RBAC must stop it. */
const NOT_ALLOWED = { 'site-c.example.com': 'wake-c' };

/** An HTTP request with the Host header a browser would send to the ingress controller. */
function get(port: number, host: string, opts: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/products/42',
        method: opts.method ?? 'GET',
        headers: { host, ...(opts.headers ?? BROWSER) },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the waker on a real control plane, with the real operator', function () {
  let cluster: TestCluster;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let waker: RunningWaker | undefined;
  let operator: RunningOperator | undefined;
  const tempDir = useTempDir('waker-test', 'all');

  /** A kubeconfig that authenticates as a ServiceAccount of the synthesized manifests. */
  const kubeconfigAs = async (name: string): Promise<string> => {
    const token = (
      await cluster.kubectl.must(['create', 'token', name, '-n', 'roleplane-system', '--duration=1h'])
    ).trim();
    const admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfigPath);
    const cl = admin.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cl],
      users: [{ name, token }],
      contexts: [{ name, cluster: cl.name, user: name }],
      currentContext: name,
    });
    const path = join(tempDir(), `${name}.kubeconfig`);
    writeFileSync(path, kc.exportConfig());
    return path;
  };
  const annotationOf = async (ns: string) =>
    (await core.readNamespace({ name: ns })).metadata?.annotations?.[AWAKE_UNTIL_ANNOTATION];
  const replicas = async (ns: string) =>
    (await apps.readNamespacedDeployment({ name: 'web', namespace: ns })).spec?.replicas;
  const apply = (...objects: object[]) =>
    cluster.kubectl.must(
      ['apply', '--server-side', '--field-manager=test', '-f', '-'],
      objects.map((o) => JSON.stringify(o)).join('\n'),
    );

  before(async function () {
    cluster = await useCluster(this);
    this.timeout(120_000);
    const admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfigPath);
    core = admin.makeApiClient(CoreV1Api);
    apps = admin.makeApiClient(AppsV1Api);

    // The waker's and the operator's RBAC exactly as synthesized, with this test's sites added to the values.
    const out = tempDir();
    const values = join(out, 'values.yaml');
    writeFileSync(values, `prod:\n  platform:\n    waker:\n      hosts: ${JSON.stringify(ALLOWED)}\n`);
    synth({ outDir: out, environments: ['prod'], valuesFile: values });
    await installCrds((args) => cluster.kubectl.must(args), join(out, 'prod', 'crds'), ['powerschedules']);
    for (const file of ['01-namespaces.yaml', '20-operator.yaml', '21-waker.yaml'])
      await cluster.kubectl.must(['apply', '--server-side', '-f', join(out, 'prod', file)]);

    for (const ns of ['wake-a', 'wake-b', 'wake-c']) {
      await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await apply({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
          },
        },
      });
    }
    // wake-a and wake-c sleep always; no schedule selects wake-b.
    await apply({
      apiVersion: 'roleplane.io/v1alpha1',
      kind: 'PowerSchedule',
      metadata: { name: 'wake-test' },
      spec: { namespaces: ['wake-a', 'wake-c'], uptime: 'never', gracePeriod: '0s' },
    });

    const log = pino({ level: process.env.ROLEPLANE_TEST_LOG ?? 'silent' });
    const operatorConfig = new KubeConfig();
    operatorConfig.loadFromFile(await kubeconfigAs('roleplane-operator'));
    operator = await startOperator({
      kubeConfig: operatorConfig,
      clock: systemClock,
      registry: new Registry(),
      log,
      options: {
        leaderElect: false,
        namespace: 'roleplane-system',
        identity: 'waker-test',
        healthPort: 0,
        metricsPort: 0,
        host: '127.0.0.1',
      },
    });
    await waitFor('wake-a asleep', 30_000, async () => ((await replicas('wake-a')) === 0 ? true : undefined));

    waker = await startWaker({
      kubeconfig: await kubeconfigAs('roleplane-waker'),
      hosts: Object.entries({ ...ALLOWED, ...NOT_ALLOWED })
        .map(([host, ns]) => `${host}=${ns}`)
        .join(','),
      port: 0,
      healthPort: 0,
      metricsPort: 0,
      host: '127.0.0.1',
      logLevel: process.env.ROLEPLANE_TEST_LOG ?? 'silent',
    });
  });

  after(async function () {
    this.timeout(60_000);
    await waker?.stop();
    await operator?.stop();
    if (!cluster) return;
    await cluster.kubectl.run(['delete', 'powerschedule', 'wake-test', '--ignore-not-found']);
    await cluster.kubectl.run(['delete', 'namespace', 'wake-a', 'wake-b', 'wake-c', '--wait=false']);
  });

  it('answers HEAD, a form POST, a crawler and a health checker with the page, and sets nothing', async function () {
    this.timeout(30_000);
    const head = await get(waker!.port, 'site-a.example.com', { method: 'HEAD' });
    assert.equal(head.status, 503);
    assert.equal(head.body, '');
    assert.equal((await get(waker!.port, 'site-a.example.com', { method: 'POST' })).status, 503);
    await get(waker!.port, 'site-a.example.com', {
      headers: { ...BROWSER, 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
    });
    await get(waker!.port, 'site-a.example.com', { headers: { ...BROWSER, 'user-agent': 'ELB-HealthChecker/2.0' } });
    assert.equal(await annotationOf('wake-a'), undefined);
    assert.equal(await replicas('wake-a'), 0);
  });

  it('a page view sets awake-until two hours on, and the operator wakes the namespace', async function () {
    this.timeout(60_000);
    const before = Date.now();
    const page = await get(waker!.port, 'site-a.example.com');
    assert.equal(page.status, 503);
    assert.equal(page.headers['retry-after'], '5');
    assert.match(page.body, /<meta http-equiv="refresh" content="5">/);
    assert.match(page.body, /Waking up site-a\.example\.com/);
    const until = await annotationOf('wake-a');
    assert.ok(until, 'roleplane.io/awake-until set before the page was answered');
    const ms = Date.parse(until) - before;
    assert.ok(ms > 2 * 3_600_000 - 5_000 && ms <= 2 * 3_600_000 + 5_000, `awake-until ${until} is ${ms} ms on`);
    const wokenAt = await waitFor('wake-a woken by the operator', 30_000, async () =>
      (await replicas('wake-a')) === 2 ? Date.now() : undefined,
    );
    this.test!.title += ` [page view to replicas restored: ${wokenAt - before} ms]`;
  });

  it('leaves a namespace no PowerSchedule manages alone, and cannot touch one its ClusterRole does not name', async function () {
    this.timeout(30_000);
    const loose = await get(waker!.port, 'site-b.example.com');
    assert.match(loose.body, /nothing to wake: no PowerSchedule selects namespace wake-b/);
    assert.equal(await annotationOf('wake-b'), undefined);
    const forbidden = await get(waker!.port, 'site-c.example.com');
    assert.match(forbidden.body, /did not go through/);
    assert.equal(await annotationOf('wake-c'), undefined);
    assert.equal(await replicas('wake-c'), 0);
    const metrics = await (await fetch(`http://127.0.0.1:${waker!.metricsPort}/metrics`)).text();
    assert.match(metrics, /roleplane_waker_requests_total\{outcome="failed"\} 1/);
    assert.match(metrics, /roleplane_waker_requests_total\{outcome="woken"\} 1/);
  });
});
