import * as kplus from 'cdk8s-plus-27';
import type { PoolName } from '../values/schema.js';

/** The node label and taint key that make a pool dedicated: `roleplane.io/pool=<pool>` (NoSchedule). */
export const POOL_KEY = 'roleplane.io/pool';

/** A NoSchedule taint value for one pool, as Karpenter and the local fake nodes write it. */
export function poolTaint(pool: PoolName): { key: string; value: string; effect: 'NoSchedule' } {
  return { key: POOL_KEY, value: pool, effect: 'NoSchedule' };
}

/**
 * Pins a workload to its pool: a *required* node affinity (so a missing pool leaves pods Pending instead of
 * spilling onto another role's nodes) and a toleration for that pool's taint.
 */
export function pinToPool(workload: kplus.Workload, pool: PoolName): void {
  workload.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is(POOL_KEY, pool)));
  workload.scheduling.tolerate(
    kplus.Node.tainted(kplus.NodeTaintQuery.is(POOL_KEY, pool, { effect: kplus.TaintEffect.NO_SCHEDULE })),
  );
}
