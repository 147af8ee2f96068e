import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { PoolName } from '../values/schema.js';
import { useRuntimeDefaultSeccomp } from './patches.js';
import { pinToPool } from './pool.js';

/**
 * What every pod of every role gets: its chart's `app.kubernetes.io/*` labels, pinned to its dedicated pool,
 * and the RuntimeDefault seccomp profile.
 */
export function finishPod(workload: kplus.AbstractPod & kplus.Workload, pool: PoolName): void {
  for (const [key, value] of Object.entries(Chart.of(workload).labels)) workload.podMetadata.addLabel(key, value);
  pinToPool(workload, pool);
  useRuntimeDefaultSeccomp(workload);
}

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
