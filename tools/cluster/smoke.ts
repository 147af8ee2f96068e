// End-to-end smoke test of the local cluster: `npx tsx tools/cluster/smoke.ts`.
//
// up → Pod Security enforcement → fake nodes with a pool label and taint → a Deployment pinned
// to that pool → its pods scheduled on the fake nodes and Running → down. Uses its own state
// directory (ROLEPLANE_SMOKE_DIR, default a fresh temp dir), so it never touches the default
// cluster. Exits non-zero on the first failure, after stopping the cluster.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type V1Deployment,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node';

import { POOL_KEY } from '../../charts/lib/pool.js';
import { pinnedVersions } from './binaries.js';
import { clusterDown, clusterUp } from './cli.js';
import { controlPlaneStatus, readClusterInfo } from './control-plane.js';
import { createFakeNodes, waitForNodesReady } from './nodes.js';

const execFileAsync = promisify(execFile);

const POOL = 'smoke';
const NAMESPACE = 'smoke-restricted';

const results: Array<{ name: string; ok: boolean; detail: string }> = [];

function check(name: string, ok: boolean, detail: string): void {
  results.push({ name, ok, detail });
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}\n`);
  if (!ok) throw new Error(`${name}: ${detail}`);
}

async function waitUntil<T>(what: string, timeoutMs: number, fn: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = await fn();
    if (last !== null) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

function apiErrorCode(err: unknown): number | null {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : null;
}

function apiErrorMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return body;
    }
  }
  return (err as Error).message;
}

/** A pod spec that meets the `restricted` Pod Security level. */
function restrictedContainerSpec(): V1PodSpec {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'app',
        image: 'registry.k8s.io/pause:3.10',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '100m', memory: '64Mi' } },
      },
    ],
  };
}

async function main(): Promise<void> {
  const dir = process.env.ROLEPLANE_SMOKE_DIR ?? mkdtempSync(join(tmpdir(), 'roleplane-smoke-'));
  const ownsDir = process.env.ROLEPLANE_SMOKE_DIR === undefined;
  const versions = pinnedVersions();
  let up = false;
  try {
    const t0 = Date.now();
    const upResult = await clusterUp({ dir });
    up = true;
    const upSeconds = (Date.now() - t0) / 1000;
    check('cluster up', true, `ready in ${upSeconds.toFixed(1)} s (${upResult.apiServerUrl})`);

    const kubeconfig = upResult.kubeconfigPath;
    const status = await controlPlaneStatus(dir);
    check(
      'all components healthy',
      status.ready,
      status.components.map((c) => `${c.name}=${c.health ?? 'down'}`).join(', '),
    );

    // The binaries report the pinned release, not v0.0.0-master (build.sh's version ldflags).
    const info = readClusterInfo(dir);
    if (info === null) throw new Error(`no cluster.json in ${dir} after up`);
    const kubectlPath = join(info.binDir, 'kubectl');
    const { stdout } = await execFileAsync(kubectlPath, ['--kubeconfig', kubeconfig, 'version', '-o', 'json']);
    const v = JSON.parse(stdout) as {
      clientVersion?: { gitVersion?: string };
      serverVersion?: { gitVersion?: string };
    };
    check(
      'versions',
      v.clientVersion?.gitVersion === versions.kubernetes && v.serverVersion?.gitVersion === versions.kubernetes,
      `kubectl ${v.clientVersion?.gitVersion}, apiserver ${v.serverVersion?.gitVersion}, pinned ${versions.kubernetes}`,
    );

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);

    await core.createNamespace({
      body: {
        metadata: {
          name: NAMESPACE,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      },
    });

    // Pods cannot be created until the service-account controller has made `default` here.
    await waitUntil(`ServiceAccount ${NAMESPACE}/default`, 30_000, async () => {
      try {
        return await core.readNamespacedServiceAccount({ name: 'default', namespace: NAMESPACE });
      } catch (err) {
        if (apiErrorCode(err) === 404) return null;
        throw err;
      }
    });

    const privileged: V1Pod = {
      metadata: { name: 'privileged' },
      spec: {
        containers: [{ name: 'root', image: 'registry.k8s.io/pause:3.10', securityContext: { privileged: true } }],
      },
    };
    let rejection = '';
    try {
      await core.createNamespacedPod({ namespace: NAMESPACE, body: privileged });
      rejection = 'accepted';
    } catch (err) {
      rejection = `HTTP ${apiErrorCode(err)}: ${apiErrorMessage(err)}`;
    }
    check(
      'privileged pod rejected',
      rejection.startsWith('HTTP 403') && rejection.includes('violates PodSecurity'),
      rejection,
    );

    // The same namespace accepts a compliant pod, so the rejection above is Pod Security's doing.
    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: { metadata: { name: 'compliant' }, spec: restrictedContainerSpec() },
      dryRun: 'All',
    });
    check('restricted-compliant pod accepted', true, 'server-side dry run succeeded');

    const nodes = await createFakeNodes(kubeconfig, [
      {
        name: 'kwok-smoke',
        labels: { [POOL_KEY]: POOL },
        taints: [{ key: POOL_KEY, value: POOL, effect: 'NoSchedule' }],
        capacity: { cpu: '4', memory: '16Gi', pods: '110' },
        count: 2,
      },
    ]);
    await waitForNodesReady(kubeconfig, nodes, 60_000);
    check('fake nodes Ready', true, nodes.join(', '));

    const replicas = 3;
    const deployment: V1Deployment = {
      metadata: { name: 'pinned', namespace: NAMESPACE },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'pinned' } },
        template: {
          metadata: { labels: { app: 'pinned' } },
          spec: {
            ...restrictedContainerSpec(),
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: POOL_KEY, operator: 'In', values: [POOL] }] }],
                },
              },
            },
            tolerations: [{ key: POOL_KEY, operator: 'Equal', value: POOL, effect: 'NoSchedule' }],
          },
        },
      },
    };
    await apps.createNamespacedDeployment({ namespace: NAMESPACE, body: deployment });

    const pods = await waitUntil("the Deployment's pods to run on the fake nodes", 90_000, async () => {
      const list = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=pinned' });
      const running = list.items.filter((p) => p.status?.phase === 'Running' && nodes.includes(p.spec?.nodeName ?? ''));
      return running.length === replicas ? running : null;
    });
    check(
      'pods scheduled on fake nodes and Running',
      true,
      pods.map((p) => `${p.metadata?.name}@${p.spec?.nodeName}`).join(', '),
    );

    const available = await waitUntil('the Deployment to be available', 60_000, async () => {
      const d = await apps.readNamespacedDeployment({ name: 'pinned', namespace: NAMESPACE });
      return (d.status?.availableReplicas ?? 0) === replicas ? (d.status?.availableReplicas ?? 0) : null;
    });
    check('deployment available', available === replicas, `${available}/${replicas} available`);
  } finally {
    if (up) {
      const down = await clusterDown({ dir });
      const after = await controlPlaneStatus(dir);
      const stillRunning = after.components.filter((c) => c.running).map((c) => c.name);
      try {
        check(
          'cluster down',
          stillRunning.length === 0,
          stillRunning.length === 0
            ? `stopped ${down.stopped.join(', ')}`
            : `still running: ${stillRunning.join(', ')}`,
        );
      } catch {
        // Reported above; the summary below counts it.
      }
    }
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .catch((err: unknown) => {
    process.stdout.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    process.stdout.write(`smoke: ${passed} passed, ${failed} failed\n`);
    if (failed > 0) process.exitCode = 1;
  });
