import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { PoolName } from '../values/schema.js';
import { useRuntimeDefaultSeccomp } from './patches.js';
import { pinToPool } from './pool.js';

/**
 * What every pod of every role gets: its chart's `app.kubernetes.io/*` labels plus `podLabels` (the component
 * label NetworkPolicies, Services and PDBs select on), pinned to its dedicated pool, and the RuntimeDefault seccomp
 * profile. The one place pod labels are set.
 *
 * @param podLabels labels of this pod beyond the chart's. @default - none
 */
export function finishPod(
  workload: kplus.AbstractPod & kplus.Workload,
  pool: PoolName,
  podLabels: Readonly<Record<string, string>> = {},
): void {
  const labels = { ...podLabels, ...Chart.of(workload).labels };
  for (const [key, value] of Object.entries(labels)) workload.podMetadata.addLabel(key, value);
  pinToPool(workload, pool);
  useRuntimeDefaultSeccomp(workload);
}

/** Where every container gets its writable scratch space, since every root filesystem is read-only. */
const TMP_DIR = '/tmp';

/** A size-limited writable directory, since every root filesystem is read-only. */
export function mountScratch(
  workload: kplus.AbstractPod,
  container: kplus.Container,
  name: string,
  path: string,
  sizeLimitMi = 64,
): void {
  const volume = kplus.Volume.fromEmptyDir(workload, `${name}-volume`, name, {
    sizeLimit: Size.mebibytes(sizeLimitMi),
  });
  container.mount(path, volume);
}

/**
 * A size-limited `/tmp` for one container. The volume is named `tmp`; a pod with several containers gives each its
 * own name (`volumeName`), since volumes are per pod.
 */
export function mountTmp(
  workload: kplus.AbstractPod,
  container: kplus.Container,
  sizeLimitMi: number,
  volumeName = 'tmp',
): void {
  mountScratch(workload, container, volumeName, TMP_DIR, sizeLimitMi);
}
