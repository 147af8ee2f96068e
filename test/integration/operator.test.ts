import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, BatchV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  ASLEEP_UNTIL_ANNOTATION,
  AWAKE_UNTIL_ANNOTATION,
  EXCLUDE_LABEL,
  GROUP,
  LEASE_NAME,
  ORIGINAL_REPLICAS_ANNOTATION,
  ORIGINAL_SUSPEND_ANNOTATION,
  PLURAL,
  VERSION,
} from '../../operator/api/keys.js';
import type { PowerSchedule, PowerScheduleSpec } from '../../operator/api/power-schedule.js';
import { LEASE_DEFAULTS } from '../../operator/leader/lease.js';
import { systemClock } from '../../operator/clock.js';
import { type RunningOperator, startOperator } from '../../operator/operator.js';
import { runScheduleShow } from '../../operator/schedule-show-command.js';
import type { ShownSchedule } from '../../operator/schedule-show.js';
import { synth } from '../../cli/synth.js';
import { freePort } from '../helpers/ports.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { type TestCluster, useCluster } from './cluster.js';
import { installCrds } from '../../tools/cluster/kubectl.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'roleplane.js');
const SA = { namespace: 'roleplane-system', name: 'roleplane-operator' };

/**
 * The most a test allows between a moment (a schedule boundary, a replica stopping) and what it awaits (the
 * workloads patched, the lease taken over). What happens at once takes well under a second; the allowance is for a
 * loaded 2-core machine. It is no performance target: each test says what it would take without the behaviour
 * under test (the next event, if any; a lease duration), and that is always longer.
 */
const PROMPTLY_MS = 5_000;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function deployment(namespace: string, name: string, replicas: number, labels: Record<string, string> = {}) {
  const app = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: app },
      template: { metadata: { labels: app }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
    },
  };
}

function statefulSet(namespace: string, name: string, replicas: number) {
  const app = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: app },
      template: { metadata: { labels: app }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
    },
  };
}

function cronJob(namespace: string, name: string, suspend: boolean) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace },
    spec: {
      schedule: '0 3 * * *',
      suspend,
      jobTemplate: {
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
      },
    },
  };
}

function hpa(namespace: string, target: string) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: target, namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    },
  };
}

function schedule(name: string, spec: PowerScheduleSpec) {
  return { apiVersion: 'roleplane.io/v1alpha1', kind: 'PowerSchedule', metadata: { name }, spec };
}

describe('the power-schedule operator on a real control plane', function () {
  let cluster: TestCluster;
  let admin: KubeConfig;
  let apps: AppsV1Api;
  let batch: BatchV1Api;
  let custom: CustomObjectsApi;
  let saKubeconfig: string;
  const tempDir = useTempDir('operator-test', 'all');

  const apply = async (...objects: object[]) => {
    await cluster.kubectl.must(
      ['apply', '--server-side', '--field-manager=test', '-f', '-'],
      objects.map((o) => JSON.stringify(o)).join('\n'),
    );
  };
  const namespace = async (name: string, labels: Record<string, string> = {}) =>
    apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const replicas = async (ns: string, name: string) =>
    (await apps.readNamespacedDeployment({ name, namespace: ns })).spec?.replicas;
  const annotationsOf = async (ns: string, name: string) =>
    (await apps.readNamespacedDeployment({ name, namespace: ns })).metadata?.annotations ?? {};
  /** The status the operator reported for a namespace in the schedule of the same name. */
  const namespaceStatus = async (ns: string) => {
    const s = (await custom.getClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      name: ns,
    })) as PowerSchedule;
    return s.status?.namespaces?.find((n) => n.name === ns);
  };

  before(async function () {
    cluster = await useCluster(this);
    this.timeout(120_000);
    admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfigPath);
    apps = admin.makeApiClient(AppsV1Api);
    batch = admin.makeApiClient(BatchV1Api);
    custom = admin.makeApiClient(CustomObjectsApi);
    // The CRD and the operator's own RBAC, exactly as synthesized.
    const out = tempDir();
    synth({ outDir: out, environments: ['prod'] });
    await installCrds((args) => cluster.kubectl.must(args), join(out, 'prod', 'crds'), ['powerschedules']);
    await cluster.kubectl.must([
      'apply',
      '--server-side',
      '-f',
      join(out, 'prod', '01-namespaces.yaml'),
      '-f',
      join(out, 'prod', '20-operator.yaml'),
    ]);
    // The operator runs as its real ServiceAccount, so every test also checks its RBAC.
    const token = (
      await cluster.kubectl.must(['create', 'token', SA.name, '-n', SA.namespace, '--duration=2h'])
    ).trim();
    const cl = admin.getCurrentCluster()!;
    const sa = new KubeConfig();
    sa.loadFromOptions({
      clusters: [cl],
      users: [{ name: 'operator', token }],
      contexts: [{ name: 'operator', cluster: cl.name, user: 'operator' }],
      currentContext: 'operator',
    });
    saKubeconfig = join(out, 'operator.kubeconfig');
    writeFileSync(saKubeconfig, sa.exportConfig());
  });

  describe('in-process, as its ServiceAccount', () => {
    let operator: RunningOperator;

    before(async function () {
      this.timeout(60_000);
      const kc = new KubeConfig();
      kc.loadFromFile(saKubeconfig);
      operator = await startOperator({
        kubeConfig: kc,
        clock: systemClock,
        registry: new Registry(),
        log: pino({ level: process.env.ROLEPLANE_TEST_LOG ?? 'silent' }),
        options: {
          leaderElect: false,
          namespace: SA.namespace,
          identity: 'test-in-process',
          healthPort: 0,
          metricsPort: 0,
          host: '127.0.0.1',
        },
      });
    });

    after(async function () {
      this.timeout(30_000);
      await operator?.stop();
    });

    it('serves /healthz, /readyz and Prometheus /metrics', async () => {
      assert.equal((await fetch(`http://127.0.0.1:${operator.healthPort}/healthz`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${operator.healthPort}/readyz`)).status, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${operator.metricsPort}/metrics`)).text();
      assert.match(metrics, /roleplane_operator_api_requests_total\{verb="list"\} 6/);
    });

    it('puts a namespace to sleep at the boundary, on its own timer, and wakes it exactly as it was at the next', async function () {
      this.timeout(90_000);
      const ns = 'op-sleep-wake';
      await namespace(ns);
      await apply(
        deployment(ns, 'web', 3),
        deployment(ns, 'api', 2),
        hpa(ns, 'api'),
        statefulSet(ns, 'db', 2),
        cronJob(ns, 'report', false),
        cronJob(ns, 'paused', true),
      );
      // The operator acts at each boundary on a timer it armed for it; without one it would act only at the next
      // change in the namespace, if any. The window is twice PROMPTLY_MS, so the namespace is seen asleep before it
      // is due to wake.
      const start = Date.now() + 3_000;
      const end = start + 2 * PROMPTLY_MS;
      await apply(schedule(ns, { namespaces: [ns], downtime: `${rfc3339(start)} - ${rfc3339(end)}` }));

      const asleepAt = await waitFor(
        'everything asleep',
        end - Date.now(),
        async () => {
          const [web, api, db, report] = await Promise.all([
            replicas(ns, 'web'),
            replicas(ns, 'api'),
            apps.readNamespacedStatefulSet({ name: 'db', namespace: ns }),
            batch.readNamespacedCronJob({ name: 'report', namespace: ns }),
          ]);
          return web === 0 && api === 0 && db.spec?.replicas === 0 && report.spec?.suspend === true
            ? Date.now()
            : undefined;
        },
        50,
      );
      const sleepStart = Math.floor(start / 1000) * 1000;
      assert.ok(asleepAt >= sleepStart, 'not before the boundary');
      assert.ok(asleepAt - sleepStart <= PROMPTLY_MS, `asleep ${asleepAt - sleepStart} ms after the boundary`);
      assert.equal((await annotationsOf(ns, 'web'))[ORIGINAL_REPLICAS_ANNOTATION], '3');
      assert.equal(
        (await batch.readNamespacedCronJob({ name: 'report', namespace: ns })).metadata?.annotations?.[
          ORIGINAL_SUSPEND_ANNOTATION
        ],
        'false',
      );
      assert.equal(
        (await batch.readNamespacedCronJob({ name: 'paused', namespace: ns })).metadata?.annotations?.[
          ORIGINAL_SUSPEND_ANNOTATION
        ],
        undefined,
      );

      const awakeAt = await waitFor(
        'everything awake',
        end - Date.now() + 30_000,
        async () => ((await replicas(ns, 'web')) === 3 ? Date.now() : undefined),
        50,
      );
      const wakeStart = Math.floor(end / 1000) * 1000;
      assert.ok(awakeAt >= wakeStart, 'not before the boundary');
      assert.ok(awakeAt - wakeStart <= PROMPTLY_MS, `awake ${awakeAt - wakeStart} ms after the boundary`);
      await waitFor('all restored', 30_000, async () => {
        const db = await apps.readNamespacedStatefulSet({ name: 'db', namespace: ns });
        const report = await batch.readNamespacedCronJob({ name: 'report', namespace: ns });
        const paused = await batch.readNamespacedCronJob({ name: 'paused', namespace: ns });
        const ok =
          (await replicas(ns, 'api')) === 2 &&
          db.spec?.replicas === 2 &&
          report.spec?.suspend === false &&
          paused.spec?.suspend === true;
        const clean = ![
          await annotationsOf(ns, 'web'),
          await annotationsOf(ns, 'api'),
          db.metadata?.annotations ?? {},
          report.metadata?.annotations ?? {},
        ].some((a) => ORIGINAL_REPLICAS_ANNOTATION in a || ORIGINAL_SUSPEND_ANNOTATION in a);
        return ok && clean ? true : undefined;
      });
      // Only the two fields, under the operator's own field manager.
      const web = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      const ours = web.metadata?.managedFields?.find((m) => m.manager === 'roleplane-operator');
      assert.ok(ours, 'a managedFields entry for roleplane-operator');
      assert.deepEqual(Object.keys((ours.fieldsV1 as { 'f:spec'?: object })['f:spec'] ?? {}), ['f:replicas']);
      const status = JSON.parse(
        await cluster.kubectl.must(['get', 'powerschedule', ns, '-o', 'jsonpath={.status}']),
      ) as { namespaces: Array<{ phase: string; managed: object }> };
      assert.equal(status.namespaces[0]!.phase, 'Awake');
      assert.deepEqual(status.namespaces[0]!.managed, { cronJobs: 2, deployments: 2, statefulSets: 1 });
      const events = await cluster.kubectl.must(['get', 'events', '-n', ns, '-o', 'jsonpath={.items[*].reason}']);
      assert.match(events, /Slept/);
      assert.match(events, /Woke/);
    });

    it('keeps a change a human made while asleep (Warning event), and never touches excluded workloads', async function () {
      this.timeout(90_000);
      const ns = 'op-human';
      await namespace(ns);
      await apply(deployment(ns, 'web', 2), deployment(ns, 'keep', 2, { [EXCLUDE_LABEL]: 'true' }));
      await apply(schedule(ns, { namespaces: [ns], downtime: 'always', gracePeriod: '0s' }));
      await waitFor('asleep', 20_000, async () => ((await replicas(ns, 'web')) === 0 ? true : undefined));
      await cluster.kubectl.must(['scale', 'deployment', 'web', '-n', ns, '--replicas=5']);
      await apply(schedule(ns, { namespaces: [ns], downtime: 'never' }));
      await waitFor('annotation dropped', 20_000, async () =>
        !(ORIGINAL_REPLICAS_ANNOTATION in (await annotationsOf(ns, 'web'))) ? true : undefined,
      );
      assert.equal(await replicas(ns, 'web'), 5);
      assert.equal(await replicas(ns, 'keep'), 2);
      const warning = await waitFor('the warning event', 20_000, async () => {
        const out = await cluster.kubectl.must([
          'get',
          'events',
          '-n',
          ns,
          '--field-selector',
          'reason=ChangedWhileAsleep',
          '-o',
          'jsonpath={.items[*].message}',
        ]);
        return out.trim() ? out : undefined;
      });
      assert.match(warning, /replicas were changed to 5 while asleep \(2 before sleep\); keeping 5/);
    });

    it('obeys `roleplane wake --for` and `roleplane sleep --for` at once, and says why a bare `sleep` has nothing to do', async function () {
      this.timeout(90_000);
      const ns = 'op-override';
      await namespace(ns);
      await apply(deployment(ns, 'web', 2));
      await apply(schedule(ns, { namespaces: [ns], downtime: 'always', gracePeriod: '0s' }));
      await waitFor('asleep', 20_000, async () => ((await replicas(ns, 'web')) === 0 ? true : undefined));

      const cli = (...args: string[]) =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn(process.execPath, [BIN, ...args, '--kubeconfig', cluster.kubeconfigPath]);
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('close', (code) => resolve({ code, out, err }));
        });
      const bare = await cli('sleep', ns);
      assert.equal(bare.code, 1);
      assert.match(bare.err, /already has op-override asleep.*give --for <duration>/);

      const woke = await cli('wake', ns, '--for', '1h');
      assert.equal(woke.code, 0, woke.err);
      assert.match(woke.out, new RegExp(`${AWAKE_UNTIL_ANNOTATION}=`));
      // `downtime: always` never wakes by itself: only the override, seen through the namespace watch, can.
      const woken = Date.now();
      await waitFor('awake', 30_000, async () => ((await replicas(ns, 'web')) === 2 ? true : undefined), 50);
      assert.ok(Date.now() - woken <= PROMPTLY_MS, `awake ${Date.now() - woken} ms after the annotation`);

      const slept = await cli('sleep', ns, '--for', '30m');
      assert.equal(slept.code, 0, slept.err);
      await waitFor('asleep again', 30_000, async () => ((await replicas(ns, 'web')) === 0 ? true : undefined), 50);
      const annotations = JSON.parse(
        await cluster.kubectl.must(['get', 'ns', ns, '-o', 'jsonpath={.metadata.annotations}']),
      ) as Record<string, string>;
      assert.ok(
        ASLEEP_UNTIL_ANNOTATION in annotations && !(AWAKE_UNTIL_ANNOTATION in annotations),
        'sleep clears awake-until',
      );
    });

    it('leaves a workload created while asleep running for the grace period, then puts it to sleep', async function () {
      this.timeout(90_000);
      const ns = 'op-grace';
      const graceMs = 8_000;
      await namespace(ns);
      await apply(schedule(ns, { namespaces: [ns], downtime: 'always', gracePeriod: `${graceMs / 1000}s` }));
      const asleepSince = await waitFor('the empty namespace reported asleep', 20_000, async () => {
        const status = await namespaceStatus(ns);
        return status?.phase === 'Asleep' && status.asleepSince ? status.asleepSince : undefined;
      });
      // Creation times have whole seconds: only one from a later second than the sleep's is surely a deploy made
      // while asleep (one from the same second may be older and is put to sleep at once).
      const laterSecond = Math.floor(Date.parse(asleepSince) / 1000) * 1000 + 1000;
      await waitUntil('a second later than the sleep began', 5_000, () => Date.now() >= laterSecond);
      await apply(deployment(ns, 'hotfix', 1));
      const hotfix = await apps.readNamespacedDeployment({ name: 'hotfix', namespace: ns });
      const created = new Date(hotfix.metadata!.creationTimestamp!).getTime();
      // The operator has seen the hotfix and decided to leave it: the namespace is Sleeping, not Asleep, because of it.
      await waitFor('the hotfix seen and left running', graceMs, async () => {
        const status = await namespaceStatus(ns);
        return status?.phase === 'Sleeping' && status.managed.deployments === 1 ? true : undefined;
      });
      const seen = await apps.readNamespacedDeployment({ name: 'hotfix', namespace: ns });
      assert.equal(seen.spec?.replicas, 1, 'still running inside the grace period');
      assert.equal(seen.metadata?.annotations?.[ORIGINAL_REPLICAS_ANNOTATION], undefined);
      const asleepAt = await waitFor('asleep after the grace period', graceMs + 30_000, async () =>
        (await replicas(ns, 'hotfix')) === 0 ? Date.now() : undefined,
      );
      // Exact, whatever the load: the operator counts from the creationTimestamp (whole seconds), as this does.
      assert.ok(asleepAt >= created + graceMs, `put to sleep ${asleepAt - created} ms after its creationTimestamp`);
    });

    it('marks an invalid schedule ScheduleValid=False with the parser message and does nothing', async function () {
      this.timeout(60_000);
      const ns = 'op-invalid';
      await namespace(ns);
      await apply(deployment(ns, 'web', 2));
      await apply(schedule(ns, { namespaces: [ns], downtime: 'Mon-Fri 25:00-26:00' }));
      const message = await waitFor('ScheduleValid=False', 30_000, async () => {
        const out = await cluster.kubectl.must([
          'get',
          'powerschedule',
          ns,
          '-o',
          `jsonpath={.status.conditions[?(@.type=="ScheduleValid")]}`,
        ]);
        const c = out ? (JSON.parse(out) as { status: string; message: string }) : undefined;
        return c?.status === 'False' ? c.message : undefined;
      });
      assert.match(message, /downtime: .*25:00/);
      assert.equal(await replicas(ns, 'web'), 2);
    });

    it('is what `roleplane schedule show` lists: phases, overrides, the week; and without the right to read namespaces, the schedules alone', async function () {
      this.timeout(60_000);
      const ns = 'op-show';
      await namespace(ns);
      await apply(deployment(ns, 'web', 1));
      await apply(schedule(ns, { namespaces: [ns], uptime: 'never', timeZone: 'Europe/Berlin' }));
      await waitUntil('op-show reported Asleep', 30_000, async () => (await namespaceStatus(ns))?.phase === 'Asleep');
      const listed = async (): Promise<ShownSchedule> => {
        const shown = await runScheduleShow({ kubeconfig: cluster.kubeconfigPath, output: 'json' });
        assert.equal(shown.exitCode, 0, shown.stderr);
        const entry = (JSON.parse(shown.stdout) as { schedules: ShownSchedule[] }).schedules.find((e) => e.name === ns);
        assert.ok(entry, `${ns} listed`);
        return entry;
      };
      const asleep = await listed();
      assert.equal(asleep.timeZone, 'Europe/Berlin');
      assert.deepEqual(
        asleep.namespaces.map((n) => [n.name, n.phase, n.override]),
        [[ns, 'Asleep', undefined]],
      );
      assert.equal(asleep.week?.days.length, 7);
      // `roleplane wake --for 1h` as a person would run it: the override shows with its end.
      const until = rfc3339(Date.now() + 3_600_000);
      await cluster.kubectl.must(['annotate', 'namespace', ns, `${AWAKE_UNTIL_ANNOTATION}=${until}`, '--overwrite']);
      assert.deepEqual((await listed()).namespaces[0]?.override, { annotation: 'awake-until', until });

      // A reader that may list PowerSchedules but not namespaces (a typical read-only role) still sees them.
      await apply(
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'schedule-reader', namespace: SA.namespace } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'schedule-reader' },
          rules: [{ apiGroups: [GROUP], resources: [PLURAL], verbs: ['list'] }],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'schedule-reader' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'schedule-reader' },
          subjects: [{ kind: 'ServiceAccount', name: 'schedule-reader', namespace: SA.namespace }],
        },
      );
      const token = (
        await cluster.kubectl.must(['create', 'token', 'schedule-reader', '-n', SA.namespace, '--duration=1h'])
      ).trim();
      const cl = admin.getCurrentCluster()!;
      const reader = new KubeConfig();
      reader.loadFromOptions({
        clusters: [cl],
        users: [{ name: 'reader', token }],
        contexts: [{ name: 'reader', cluster: cl.name, user: 'reader' }],
        currentContext: 'reader',
      });
      const readerKubeconfig = join(tempDir(), 'reader.kubeconfig');
      writeFileSync(readerKubeconfig, reader.exportConfig());
      const limited = await runScheduleShow({ kubeconfig: readerKubeconfig, output: 'text', ascii: true });
      assert.equal(limited.exitCode, 0, limited.stderr);
      assert.match(limited.stdout, new RegExp(`^${ns} {2}\\(Europe/Berlin; uptime "never"\\)$`, 'm'));
      assert.match(limited.stderr, /^overrides not shown: .*403/);
    });
  });

  describe('as separate processes', () => {
    const children: ChildProcess[] = [];
    const startProcess = async (identity: string, extra: string[] = []) => {
      const [health, metrics] = [await freePort(), await freePort()];
      const child = spawn(
        process.execPath,
        [
          BIN,
          'operator',
          '--kubeconfig',
          saKubeconfig,
          '--identity',
          identity,
          '--health-port',
          String(health),
          '--metrics-port',
          String(metrics),
          '--log-level',
          'warn',
          ...extra,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      children.push(child);
      // A child that exits (or never answers) fails the test with its own words, not only a timeout.
      const said = () => `; its stderr: ${stderr.slice(-2000) || '(empty)'}`;
      const state = await waitFor(
        `operator ${identity} healthy`,
        30_000,
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) return 'exited';
          return (await fetch(`http://127.0.0.1:${health}/healthz`).catch(() => undefined))?.ok ? 'healthy' : undefined;
        },
        200,
      ).catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}${said()}`);
      });
      if (state === 'exited')
        throw new Error(
          `operator ${identity} exited (${child.exitCode ?? child.signalCode}) before it was healthy${said()}`,
        );
      return { child, health, metrics, stderr: () => stderr };
    };
    const exitOf = (child: ChildProcess) =>
      new Promise<number | null>((resolve) =>
        child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
      );

    afterEach(async () => {
      for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });

    it('loses nothing when killed with SIGKILL in the middle of putting 100 Deployments to sleep', async function () {
      this.timeout(120_000);
      const ns = 'op-kill';
      await namespace(ns);
      const names = Array.from({ length: 100 }, (_, i) => `app-${String(i).padStart(3, '0')}`);
      await apply(...names.map((n, i) => deployment(ns, n, 1 + (i % 3))));
      const first = await startProcess('kill-test-1', ['--concurrency', '1']);
      const start = Date.now() + 2_000;
      // Kill once the watch has shown 30 Deployments put to sleep: the transition is then well under way.
      const watch = new Watch(admin);
      let killedAfter = -1;
      const seen = new Set<string>();
      const request = await watch.watch(
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        {},
        (type, obj: { metadata?: { name?: string; annotations?: Record<string, string> } }) => {
          if (type === 'MODIFIED' && obj.metadata?.annotations?.[ORIGINAL_REPLICAS_ANNOTATION])
            seen.add(obj.metadata.name ?? '');
          if (killedAfter < 0 && seen.size >= 30) {
            first.child.kill('SIGKILL');
            killedAfter = Date.now();
          }
        },
        () => undefined,
      );
      await apply(schedule(ns, { namespaces: [ns], downtime: `from ${rfc3339(start)}` }));
      await exitOf(first.child);
      request.abort();
      assert.ok(killedAfter > 0, 'the operator was killed mid-transition');

      const list = async () => (await apps.listNamespacedDeployment({ namespace: ns })).items;
      const midway = await list();
      const asleep = midway.filter((d) => d.metadata?.annotations?.[ORIGINAL_REPLICAS_ANNOTATION]);
      assert.ok(
        asleep.length >= 30 && asleep.length < names.length,
        `killed mid-transition (${asleep.length} of ${names.length} asleep)`,
      );
      this.test!.title += ` [killed with ${asleep.length} of ${names.length} asleep]`;
      for (const d of midway) {
        const original = 1 + (names.indexOf(d.metadata!.name!) % 3);
        const note = d.metadata?.annotations?.[ORIGINAL_REPLICAS_ANNOTATION];
        // Every object is either untouched or fully asleep with its original remembered: nothing half-written.
        assert.ok(
          note === undefined ? d.spec?.replicas === original : d.spec?.replicas === 0 && note === String(original),
          `${d.metadata?.name}: replicas ${d.spec?.replicas}, annotation ${note}`,
        );
      }

      const second = await startProcess('kill-test-2');
      await waitFor(
        'all asleep after the restart',
        30_000,
        async () => ((await list()).every((d) => d.spec?.replicas === 0) ? true : undefined),
        200,
      );
      for (const d of await list())
        assert.equal(
          d.metadata?.annotations?.[ORIGINAL_REPLICAS_ANNOTATION],
          String(1 + (names.indexOf(d.metadata!.name!) % 3)),
        );
      await apply(schedule(ns, { namespaces: [ns], downtime: 'never' }));
      await waitFor(
        'all restored exactly',
        30_000,
        async () =>
          (await list()).every(
            (d) =>
              d.spec?.replicas === 1 + (names.indexOf(d.metadata!.name!) % 3) &&
              !d.metadata?.annotations?.[ORIGINAL_REPLICAS_ANNOTATION],
          )
            ? true
            : undefined,
        200,
      );
      second.child.kill('SIGTERM');
      assert.equal(await exitOf(second.child), 0, second.stderr());
    });

    it('runs two replicas with one leader; SIGTERM hands the lease over at once', async function () {
      this.timeout(180_000);
      await cluster.kubectl.run(['delete', 'lease', LEASE_NAME, '-n', SA.namespace, '--ignore-not-found']);
      const a = await startProcess('replica-a', ['--leader-elect']);
      const b = await startProcess('replica-b', ['--leader-elect']);
      const holder = async () =>
        (
          await cluster.kubectl.run([
            'get',
            'lease',
            LEASE_NAME,
            '-n',
            SA.namespace,
            '-o',
            'jsonpath={.spec.holderIdentity}',
          ])
        ).stdout.trim();
      const leaderId = await waitFor('a leader', 30_000, async () => (await holder()) || undefined, 200);
      const isLeader = async (port: number) =>
        /^roleplane_operator_is_leader 1$/m.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      const [leader, standby] = leaderId === 'replica-a' ? [a, b] : [b, a];
      // The lease is written before the leader's process hears back and says so in its metrics.
      await waitUntil(`${leaderId} reports itself leader`, 10_000, () => isLeader(leader.metrics));
      assert.equal(
        await isLeader(standby.metrics),
        false,
        `standby metrics:\n${(await (await fetch(`http://127.0.0.1:${standby.metrics}/metrics`)).text())
          .split('\n')
          .filter((l) => l.includes('leader'))
          .join('\n')}\nleader: ${leaderId}\nA: ${a.stderr()}\nB: ${b.stderr()}`,
      );
      assert.equal((await fetch(`http://127.0.0.1:${standby.health}/readyz`)).status, 200, 'a standby is ready');

      // Only the leader acts.
      const ns = 'op-leader';
      await namespace(ns);
      await apply(deployment(ns, 'web', 2));
      await apply(schedule(ns, { namespaces: [ns], downtime: 'always', gracePeriod: '0s' }));
      await waitFor('asleep', 20_000, async () => ((await replicas(ns, 'web')) === 0 ? true : undefined));

      const stoppedAt = Date.now();
      leader.child.kill('SIGTERM');
      assert.equal(await exitOf(leader.child), 0, leader.stderr());
      const next = await waitFor(
        'the standby to take the lease',
        30_000,
        async () =>
          (await holder()) === (leaderId === 'replica-a' ? 'replica-b' : 'replica-a') ? Date.now() : undefined,
        100,
      );
      // Handed over: the standby takes the lease at its next try. Without the hand-over it would first wait out a
      // lease duration after the last renewal it saw, at least 13 s after the stop.
      const handOverMs = 2 * PROMPTLY_MS;
      assert.ok(handOverMs < (LEASE_DEFAULTS.leaseDurationSeconds - LEASE_DEFAULTS.retryPeriodSeconds) * 1000);
      assert.ok(
        next - stoppedAt < handOverMs,
        `takeover took ${next - stoppedAt} ms\nstopped leader:\n${leader.stderr()}\nstandby:\n${standby.stderr()}`,
      );
      await waitUntil('the new leader acts', 20_000, () => isLeader(standby.metrics), 200);
      await apply(schedule(ns, { namespaces: [ns], downtime: 'never' }));
      await waitFor('woken by the new leader', 20_000, async () =>
        (await replicas(ns, 'web')) === 2 ? true : undefined,
      );
    });
  });
});
