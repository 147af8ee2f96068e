/**
 * `npm run bench:operator -- [--namespaces 100] [--deployments 20] [--interval 30]`
 *
 * On a fresh local control plane: N namespaces × M Deployments. The roleplane operator (watches, wakes itself at
 * the boundary) and a kube-downscaler-style polling loop each put them all to sleep at a boundary and wake them
 * at the next; printed side by side: seconds from each boundary until the last Deployment is done, and API
 * requests each sent. Completion is observed through a watch, so measuring adds no polling.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppsV1Api, KubeConfig, type V1Deployment, Watch } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { synth } from '../cli/synth.js';
import { clusterDown, clusterUp } from '../tools/cluster/cli.js';
import { kubectl } from '../tools/cluster/kubectl.js';
import { ORIGINAL_REPLICAS_ANNOTATION } from '../operator/api/keys.js';
import { systemClock } from '../operator/clock.js';
import { startOperator } from '../operator/operator.js';
import { startPollingBaseline } from './polling-baseline.js';

const { values: args } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '100' },
    deployments: { type: 'string', default: '20' },
    interval: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(args.namespaces);
const M = Number(args.deployments);
const INTERVAL_S = Number(args.interval);
const PREFIX = 'bench-';
const REPLICAS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

/** Counts Deployments in the bench namespaces that are asleep, from a watch; resolves when `target` holds for all. */
function trackDeployments(kc: KubeConfig) {
  const state = new Map<string, boolean>();
  let waiter: { asleep: boolean; resolve: (t: number) => void } | undefined;
  const check = () => {
    if (!waiter || state.size < N * M) return;
    for (const asleep of state.values()) if (asleep !== waiter.asleep) return;
    const w = waiter;
    waiter = undefined;
    w.resolve(Date.now());
  };
  const watch = new Watch(kc);
  const started = watch.watch(
    '/apis/apps/v1/deployments',
    { labelSelector: 'bench=roleplane' },
    (type, d: V1Deployment) => {
      const key = `${d.metadata?.namespace}/${d.metadata?.name}`;
      if (type === 'DELETED') state.delete(key);
      else
        state.set(key, d.spec?.replicas === 0 && d.metadata?.annotations?.[ORIGINAL_REPLICAS_ANNOTATION] !== undefined);
      check();
    },
    (err: unknown) => {
      if (err && !stopping) log(`watch ended: ${err instanceof Error ? err.message : JSON.stringify(err)}`);
    },
  );
  let stopping = false;
  return {
    started,
    async stop() {
      stopping = true;
      (await started).abort();
    },
    until(asleep: boolean): Promise<number> {
      return new Promise((resolve) => {
        waiter = { asleep, resolve };
        check();
      });
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roleplane-bench-operator-'));
  log(`starting a local control plane in ${dir}`);
  const up = await clusterUp({ dir, log: () => undefined, out: () => undefined });
  const k = kubectl(up.binDir, up.kubeconfigPath);
  const kc = new KubeConfig();
  kc.loadFromFile(up.kubeconfigPath);
  try {
    const out = join(dir, 'dist');
    synth({ outDir: out, environments: ['prod'] });
    await k.must(['apply', '--server-side', '-f', join(out, 'prod', 'crds')]);
    await k.must(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(out, 'prod', 'crds')]);

    log(
      `creating ${N} namespaces × ${M} Deployments (${REPLICAS} replicas each, pods unschedulable so only the API is measured)`,
    );
    const docs: string[] = [];
    for (let n = 0; n < N; n++) {
      const ns = `${PREFIX}${String(n).padStart(3, '0')}`;
      docs.push(
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { bench: 'roleplane' } } }),
      );
      for (let m = 0; m < M; m++) {
        const app = { app: `app-${m}` };
        docs.push(
          JSON.stringify({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: `app-${m}`, namespace: ns, labels: { bench: 'roleplane' } },
            spec: {
              replicas: REPLICAS,
              selector: { matchLabels: app },
              template: {
                metadata: { labels: app },
                spec: { nodeSelector: { 'bench/nowhere': 'true' }, containers: [{ name: 'c', image: 'busybox:1.36' }] },
              },
            },
          }),
        );
      }
    }
    for (let i = 0; i < docs.length; i += 500)
      await k.must(['apply', '--server-side', '-f', '-'], docs.slice(i, i + 500).join('\n'));

    const tracker = trackDeployments(kc);
    await tracker.started;
    const apps = kc.makeApiClient(AppsV1Api);
    const total = (await apps.listDeploymentForAllNamespaces({ labelSelector: 'bench=roleplane' })).items.length;
    if (total !== N * M) throw new Error(`expected ${N * M} Deployments, found ${total}`);

    // --- roleplane operator ---
    const registry = new Registry();
    const operator = await startOperator({
      kubeConfig: kc,
      clock: systemClock,
      registry,
      log: pino({ level: 'warn' }),
      options: {
        leaderElect: false,
        namespace: 'default',
        identity: 'bench',
        healthPort: 0,
        metricsPort: 0,
        host: '127.0.0.1',
      },
    });
    const requestsOf = async () => {
      const metric = await operator.metrics.apiRequests.get();
      return metric.values.reduce((sum, v) => sum + v.value, 0);
    };
    const before = await requestsOf();
    const sleepAt = Math.ceil((Date.now() + 5_000) / 1000) * 1000;
    const wakeAt = sleepAt + 30_000;
    await k.must(
      ['apply', '--server-side', '-f', '-'],
      JSON.stringify({
        apiVersion: 'roleplane.io/v1alpha1',
        kind: 'PowerSchedule',
        metadata: { name: 'bench' },
        spec: {
          namespaceSelector: { matchLabels: { bench: 'roleplane' } },
          downtime: `${rfc3339(sleepAt)} - ${rfc3339(wakeAt)}`,
          gracePeriod: '0s',
        },
      }),
    );
    const operatorAsleep = (await tracker.until(true)) - sleepAt;
    log(`roleplane: all asleep ${operatorAsleep} ms after the boundary`);
    const operatorAwake = (await tracker.until(false)) - wakeAt;
    log(`roleplane: all awake ${operatorAwake} ms after the boundary`);
    await sleep(2_000);
    const operatorRequests = (await requestsOf()) - before;
    await operator.stop();
    await k.must(['delete', 'powerschedule', 'bench']);

    // --- polling baseline ---
    const pollSleepAt = Math.ceil((Date.now() + 5_000) / 1000) * 1000;
    const pollWakeAt = pollSleepAt + Math.max(60_000, 3 * INTERVAL_S * 1000);
    const baseline = startPollingBaseline({
      kubeConfig: kc,
      intervalMs: INTERVAL_S * 1000,
      asleepAt: (now) => now.getTime() >= pollSleepAt && now.getTime() < pollWakeAt,
      namespacePrefix: PREFIX,
      annotation: ORIGINAL_REPLICAS_ANNOTATION,
    });
    const pollAsleep = (await tracker.until(true)) - pollSleepAt;
    log(`polling: all asleep ${pollAsleep} ms after the boundary`);
    const pollAwake = (await tracker.until(false)) - pollWakeAt;
    log(`polling: all awake ${pollAwake} ms after the boundary`);
    await baseline.stop();
    const pollRequests = baseline.requests.list + baseline.requests.update;
    const cycleS = (pollWakeAt - pollSleepAt) / 1000;

    const rows = [
      ['engine', 'asleep after boundary', 'awake after boundary', 'API requests (sleep+wake)', 'idle requests/hour'],
      [
        'roleplane (watch + timers)',
        `${(operatorAsleep / 1000).toFixed(2)} s`,
        `${(operatorAwake / 1000).toFixed(2)} s`,
        String(operatorRequests),
        '0 (watches stay open)',
      ],
      [
        `polling every ${INTERVAL_S} s (kube-downscaler style)`,
        `${(pollAsleep / 1000).toFixed(2)} s`,
        `${(pollAwake / 1000).toFixed(2)} s`,
        `${pollRequests} (over ${cycleS.toFixed(0)} s)`,
        String(Math.round(3600 / INTERVAL_S)),
      ],
    ];
    await tracker.stop();
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    process.stdout.write(
      `\n${N} namespaces × ${M} Deployments = ${N * M} workloads, local control plane ${up.binDir.match(/k8s-(v[\d.]+)/)?.[1] ?? ''}\n\n`,
    );
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
    process.stdout.write(
      '\nroleplane requests: one merge patch per Deployment per transition, plus status and event writes (its start-up list+watch of 6 resources is not counted).\npolling requests: one cluster-wide list per interval plus one PUT per Deployment per transition.\n',
    );
  } finally {
    if (!args.keep) await clusterDown({ dir, purge: true, log: () => undefined, out: () => undefined });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:operator failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
