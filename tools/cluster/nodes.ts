// Fake nodes for the local cluster: Node objects that kwok manages (it marks them Ready, keeps
// their leases and runs their pods), so the scheduler places pods on node pools with real
// labels, taints and capacity, without a kubelet or containers.

import { CoreV1Api, KubeConfig, type V1Node, type V1Taint } from '@kubernetes/client-node';

import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from './control-plane.js';

export interface FakeNodeTaint {
  key: string;
  value: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface FakeNodePool {
  /** Pool name; the nodes are called `<name>-0`, `<name>-1`, ... */
  name: string;
  labels: Record<string, string>;
  taints: FakeNodeTaint[];
  capacity: { cpu: string; memory: string; pods: string };
  count: number;
  /** Zones the nodes are spread over round-robin (`topology.kubernetes.io/zone`). @default - no zone label */
  zones?: string[];
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isHttpError(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

function describeApiError(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; body?: unknown; message?: unknown };
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
    let detail = body;
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') detail = parsed.message;
    } catch {
      // Not JSON: keep the raw body.
    }
    if (typeof e.code === 'number') return `HTTP ${e.code}: ${detail}`;
    if (typeof e.message === 'string') return e.message;
  }
  return String(err);
}

function nodeFor(pool: FakeNodePool, index: number): V1Node {
  const name = `${pool.name}-${index}`;
  const resources = { cpu: pool.capacity.cpu, memory: pool.capacity.memory, pods: pool.capacity.pods };
  const taints: V1Taint[] = pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      // The well-known labels a kubelet would set, so selectors and topology spread work as on
      // real nodes; the pool's own labels come last and win.
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        ...(pool.zones && pool.zones.length > 0
          ? { 'topology.kubernetes.io/zone': pool.zones[index % pool.zones.length]! }
          : {}),
        ...pool.labels,
      },
      annotations: {
        [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE,
        'node.alpha.kubernetes.io/ttl': '0',
      },
    },
    spec: { taints },
    // Status may be set on create; kwok's node-initialize stage keeps capacity and allocatable.
    status: { capacity: resources, allocatable: resources },
  };
}

function validatePools(pools: FakeNodePool[]): void {
  const seen = new Set<string>();
  for (const pool of pools) {
    if (!NAME_RE.test(pool.name)) throw new Error(`fake nodes: pool name '${pool.name}' is not a valid DNS label`);
    if (seen.has(pool.name)) throw new Error(`fake nodes: pool '${pool.name}' is listed twice`);
    seen.add(pool.name);
    if (!Number.isInteger(pool.count) || pool.count < 0) {
      throw new Error(`fake nodes: pool '${pool.name}' has count ${pool.count}; want a whole number >= 0`);
    }
  }
}

/**
 * Creates the pools' nodes, or brings existing ones of the same name up to date (labels, taints,
 * capacity), so calling it twice is harmless. Returns the node names.
 */
export async function createFakeNodes(kubeconfigPath: string, pools: FakeNodePool[]): Promise<string[]> {
  validatePools(pools);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const names: string[] = [];
  for (const pool of pools) {
    for (let i = 0; i < pool.count; i++) {
      const desired = nodeFor(pool, i);
      const name = desired.metadata?.name ?? '';
      try {
        await core.createNode({ body: desired });
      } catch (err) {
        if (!isHttpError(err, 409)) {
          throw new Error(`fake nodes: cannot create node ${name} of pool ${pool.name}: ${describeApiError(err)}`, {
            cause: err,
          });
        }
        await updateNode(core, desired).catch((updateErr: unknown) => {
          throw new Error(`fake nodes: node ${name} exists and cannot be updated: ${describeApiError(updateErr)}`);
        });
      }
      names.push(name);
    }
  }
  return names;
}

async function updateNode(core: CoreV1Api, desired: V1Node): Promise<void> {
  const name = desired.metadata?.name ?? '';
  const current = await core.readNode({ name });
  current.metadata = {
    ...current.metadata,
    labels: { ...current.metadata?.labels, ...desired.metadata?.labels },
    annotations: { ...current.metadata?.annotations, ...desired.metadata?.annotations },
  };
  current.spec = { ...current.spec, taints: desired.spec?.taints ?? [] };
  const updated = await core.replaceNode({ name, body: current });
  updated.status = {
    ...updated.status,
    capacity: desired.status?.capacity ?? {},
    allocatable: desired.status?.allocatable ?? {},
  };
  await core.replaceNodeStatus({ name, body: updated });
}

/** Waits until every named node reports Ready=True (kwok's node-initialize stage sets it). */
export async function waitForNodesReady(kubeconfigPath: string, names: string[], timeoutMs: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let notReady: string[] = names;
  while (Date.now() < deadline) {
    const list = await core.listNode({ labelSelector: 'type=kwok' });
    const ready = new Set(
      list.items
        .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((n) => n.metadata?.name ?? ''),
    );
    notReady = names.filter((n) => !ready.has(n));
    if (notReady.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `fake nodes: not Ready after ${Math.round(timeoutMs / 1000)} s: ${notReady.join(', ')} ` +
      '(is kwok running? see its log in <stateDir>/logs/kwok.log)',
  );
}
