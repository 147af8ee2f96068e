// What a bare local cluster needs before roleplane's manifests apply and schedule as on EKS: the Karpenter
// CRDs (so NodePool and EC2NodeClass objects are validated by the real schemas), the storage classes the values
// name, and fake nodes for every pool with the labels and taints Karpenter would give them.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { POOL_KEY, poolTaint } from '../../charts/lib/pool.js';
import { renderEnvironment } from '../../charts/synth.js';
import { POOL_NAMES, type PoolName, type Values } from '../../charts/values/schema.js';
import type { Kubectl } from './kubectl.js';
import { createFakeNodes, type FakeNodePool, waitForNodesReady } from './nodes.js';

const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'imports', 'crds');
const FIELD_MANAGER = 'roleplane-cluster';
/** Zones the fake nodes spread over, so zone topology spread has something to spread across. */
export const LOCAL_ZONES = ['local-a', 'local-b'];
/** Static volumes per storage class; each PVC binds one. */
export const VOLUMES_PER_CLASS = 12;

/** Applies the Karpenter CRDs vendored from the Karpenter Go modules and waits until they are served. */
export async function installKarpenterCrds(k: Kubectl): Promise<string[]> {
  const files = readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(CRD_DIR, f));
  for (const file of files) await k.must(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', file]);
  await k.must(['wait', '--for=condition=Established', '--timeout=60s', ...files.flatMap((f) => ['-f', f])]);
  return files;
}

/** The environment that carries the cluster-wide parts (pools, operator). */
export function platformValues(all: readonly Values[]): Values & { platform: NonNullable<Values['platform']> } {
  const found = all.find((v): v is Values & { platform: NonNullable<Values['platform']> } => v.platform !== undefined);
  if (!found) throw new Error('no environment carries platform values (pools, operator); prod does by default');
  return found;
}

interface NodePoolObject {
  metadata: { name: string };
  spec: {
    template: {
      metadata?: { labels?: Record<string, string> };
      spec: {
        taints?: Array<{ key: string; value: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
        requirements: Array<{ key: string; operator: string; values?: string[] }>;
      };
    };
  };
}

/**
 * One fake pool per role. In `karpenter` mode the nodes copy what Karpenter would put on a node of the
 * synthesized NodePool (template labels and taints, the first value of each `In` requirement, the
 * `karpenter.sh/nodepool` label); in `labels` mode they carry just the pool label and taint.
 */
export function fakePoolsFromValues(values: Values & { platform: NonNullable<Values['platform']> }): FakeNodePool[] {
  const { platform } = values;
  const capacityOf = (pool: PoolName) => {
    const local = platform.pools[pool].localNodes;
    return {
      count: local.count,
      capacity: { cpu: local.cpu, memory: local.memory, pods: String(local.pods) },
      zones: LOCAL_ZONES,
    };
  };
  if (platform.provider.mode === 'labels') {
    return POOL_NAMES.map((pool) => ({
      name: pool,
      labels: { [POOL_KEY]: pool },
      taints: [poolTaint(pool)],
      ...capacityOf(pool),
    }));
  }
  const nodePools = renderEnvironment(values)
    .flatMap((f) => f.objects)
    .filter((o) => o.kind === 'NodePool') as unknown as NodePoolObject[];
  return nodePools.map((np) => {
    const pool = np.metadata.name as PoolName;
    const requirementLabels = Object.fromEntries(
      np.spec.template.spec.requirements
        .filter((r) => r.operator === 'In' && r.values && r.values.length > 0)
        .map((r) => [r.key, r.values![0]!]),
    );
    return {
      name: pool,
      labels: { ...requirementLabels, ...np.spec.template.metadata?.labels, 'karpenter.sh/nodepool': pool },
      taints: np.spec.template.spec.taints ?? [],
      ...capacityOf(pool),
    };
  });
}

/** Every storage class any environment's values name. */
export function storageClassesOf(all: readonly Values[]): string[] {
  const names = all.flatMap((v) => [
    v.erp?.storage.storageClass,
    v.search.embeddings.storageClass,
    v.valkey.storage.storageClass,
  ]);
  return [...new Set(names.filter((n): n is string => n !== undefined))].sort();
}

/**
 * Storage without a provisioner: each class binds on first use (WaitForFirstConsumer) to one of a set of
 * pre-made volumes with every access mode, so the scheduler's volume binding runs as on a cloud cluster.
 * Nothing is mounted (kwok runs no containers).
 */
export async function ensureStorage(k: Kubectl, classes: readonly string[]): Promise<void> {
  const objects: object[] = [];
  for (const name of classes) {
    objects.push({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
    });
    for (let i = 0; i < VOLUMES_PER_CLASS; i++) {
      objects.push({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `local-${name}-${i}`, labels: { 'roleplane.io/local-volume': name } },
        spec: {
          storageClassName: name,
          capacity: { storage: '1Ti' },
          accessModes: ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany'],
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: `/var/lib/roleplane-local/${name}/${i}`, type: 'DirectoryOrCreate' },
        },
      });
    }
  }
  if (objects.length === 0) return;
  await k.must(
    ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'],
    objects.map((o) => stringify(o)).join('---\n'),
  );
}

export interface PrepareOptions {
  readonly kubectl: Kubectl;
  /** Every environment's values: prod's pools become nodes, every storage class named anywhere is made. */
  readonly values: readonly Values[];
  readonly log: (line: string) => void;
}

/** Karpenter CRDs, storage classes and fake nodes per pool; safe to run again on a running cluster. */
export async function prepareCluster({ kubectl: k, values, log }: PrepareOptions): Promise<{ nodes: string[] }> {
  const platform = platformValues(values);
  await installKarpenterCrds(k);
  const classes = storageClassesOf(values);
  await ensureStorage(k, classes);
  const pools = fakePoolsFromValues(platform);
  const nodes = await createFakeNodes(k.kubeconfigPath, pools);
  await waitForNodesReady(k.kubeconfigPath, nodes, 60_000);
  log(
    `Karpenter CRDs installed; storage classes ${classes.join(', ')}; ${nodes.length} fake nodes in pools ${pools.map((p) => `${p.name}×${p.count}`).join(', ')} (${platform.platform.provider.mode} mode)`,
  );
  return { nodes };
}
