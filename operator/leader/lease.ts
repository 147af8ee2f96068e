/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go does it: a replica holds the lease by
 * renewing it; others take it only after it has not changed for a whole lease duration, measured on their own
 * clock (no clock skew between replicas matters). Every write carries the resourceVersion it read.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { KubeApiError } from '../kube/api.js';
import type { RequestCounter } from '../kube/client-node.js';
import { toKubeApiError } from '../kube/client-node.js';

/** client-go's defaults, as controller-runtime's managers use them. */
export const LEASE_DEFAULTS = {
  /** How long a lease that has not changed is respected, measured on the observer's clock. */
  leaseDurationSeconds: 15,
  /** A leader that cannot renew for this long gives up. */
  renewDeadlineSeconds: 10,
  /** Between two attempts to acquire or renew. */
  retryPeriodSeconds: 2,
} as const;

export interface LeaseRecord {
  holder: string;
  durationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  transitions: number;
  resourceVersion?: string;
}

/** The three calls election needs, so tests can run it against a fake. */
export interface LeaseStore {
  get(): Promise<LeaseRecord | undefined>;
  create(record: LeaseRecord): Promise<LeaseRecord>;
  update(record: LeaseRecord): Promise<LeaseRecord>;
}

export function kubeLeaseStore(
  kc: KubeConfig,
  namespace: string,
  name: string,
  count: RequestCounter = () => undefined,
): LeaseStore {
  const api = kc.makeApiClient(CoordinationV1Api);
  const toRecord = (lease: V1Lease): LeaseRecord => ({
    holder: lease.spec?.holderIdentity ?? '',
    durationSeconds: lease.spec?.leaseDurationSeconds ?? LEASE_DEFAULTS.leaseDurationSeconds,
    ...(lease.spec?.acquireTime ? { acquireTime: new Date(lease.spec.acquireTime) } : {}),
    ...(lease.spec?.renewTime ? { renewTime: new Date(lease.spec.renewTime) } : {}),
    transitions: lease.spec?.leaseTransitions ?? 0,
    ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
  });
  const toLease = (r: LeaseRecord): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(r.resourceVersion ? { resourceVersion: r.resourceVersion } : {}) },
    spec: {
      holderIdentity: r.holder,
      leaseDurationSeconds: r.durationSeconds,
      ...(r.acquireTime ? { acquireTime: new V1MicroTime(r.acquireTime.getTime()) } : {}),
      ...(r.renewTime ? { renewTime: new V1MicroTime(r.renewTime.getTime()) } : {}),
      leaseTransitions: r.transitions,
    },
  });
  return {
    async get() {
      count('get');
      try {
        return toRecord(await api.readNamespacedLease({ name, namespace }));
      } catch (err) {
        const e = toKubeApiError(err, `read lease ${namespace}/${name}`);
        if (e.status === 404) return undefined;
        throw e;
      }
    },
    async create(record) {
      count('create');
      try {
        return toRecord(await api.createNamespacedLease({ namespace, body: toLease(record) }));
      } catch (err) {
        throw toKubeApiError(err, `create lease ${namespace}/${name}`);
      }
    },
    async update(record) {
      count('update');
      try {
        return toRecord(await api.replaceNamespacedLease({ name, namespace, body: toLease(record) }));
      } catch (err) {
        throw toKubeApiError(err, `update lease ${namespace}/${name}`);
      }
    },
  };
}

export interface ElectionOptions {
  readonly store: LeaseStore;
  readonly identity: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** @default - LEASE_DEFAULTS.leaseDurationSeconds */
  readonly leaseDurationSeconds?: number;
  /** A leader that cannot renew for this long gives up. @default - LEASE_DEFAULTS.renewDeadlineSeconds */
  readonly renewDeadlineSeconds?: number;
  /** @default - LEASE_DEFAULTS.retryPeriodSeconds */
  readonly retryPeriodSeconds?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

export interface Election {
  isLeader(): boolean;
  /** Stops campaigning; a leader hands the lease back so a standby takes over at once. */
  release(): Promise<void>;
}

export function startElection(opts: ElectionOptions): Election {
  const duration = opts.leaseDurationSeconds ?? LEASE_DEFAULTS.leaseDurationSeconds;
  const renewDeadlineMs = (opts.renewDeadlineSeconds ?? LEASE_DEFAULTS.renewDeadlineSeconds) * 1000;
  const retryMs = (opts.retryPeriodSeconds ?? LEASE_DEFAULTS.retryPeriodSeconds) * 1000;
  let leader = false;
  let stopped = false;
  let cancelTimer: (() => void) | undefined;
  // The attempt to acquire or renew in progress, if any: release waits for it.
  let attempt: Promise<void> = Promise.resolve();
  let lastRenew = 0;
  // What we last saw of someone else's lease, and when (on our clock).
  let observed: { key: string; at: number } | undefined;
  // The lease as we last wrote it, while we hold it.
  let current: LeaseRecord | undefined;

  const now = () => opts.clock.now();

  async function tryAcquireOrRenew(): Promise<boolean> {
    const record = await opts.store.get();
    const t = now();
    if (!record) {
      current = await opts.store.create({
        holder: opts.identity,
        durationSeconds: duration,
        acquireTime: t,
        renewTime: t,
        transitions: 0,
      });
      return true;
    }
    const key = `${record.holder}|${record.renewTime?.getTime() ?? ''}|${record.resourceVersion ?? ''}`;
    if (!observed || observed.key !== key) observed = { key, at: t.getTime() };
    const held = record.holder !== '' && record.holder !== opts.identity;
    if (held && t.getTime() < observed.at + record.durationSeconds * 1000) return false;
    const takingOver = record.holder !== opts.identity;
    current = await opts.store.update({
      ...record,
      holder: opts.identity,
      durationSeconds: duration,
      renewTime: t,
      ...(takingOver ? { acquireTime: t, transitions: record.transitions + 1 } : {}),
    });
    return true;
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    let ok = false;
    try {
      ok = await tryAcquireOrRenew();
    } catch (err) {
      opts.log.warn({ err }, 'lease acquire/renew failed');
    }
    if (stopped) return;
    if (ok) {
      lastRenew = now().getTime();
      if (!leader) {
        leader = true;
        opts.log.info({ identity: opts.identity }, 'became leader');
        opts.onStartedLeading();
      }
    } else if (leader && now().getTime() - lastRenew > renewDeadlineMs) {
      leader = false;
      current = undefined;
      opts.log.error({ identity: opts.identity }, 'lost the lease');
      opts.onStoppedLeading();
      return;
    }
    cancelTimer = opts.clock.setTimer(retryMs, () => {
      attempt = tick();
    });
  }

  /** Hands the lease back: no holder, and a one-second duration, so a standby takes it at its next try. */
  async function handBack(held: LeaseRecord): Promise<void> {
    try {
      await opts.store.update({ ...held, holder: '', durationSeconds: 1 });
    } catch (err) {
      // A write of ours may have landed without its answer reaching us: hand back the lease as it is now, if ours.
      const fresh = err instanceof KubeApiError && err.status === 409 ? await opts.store.get() : undefined;
      if (fresh?.holder !== opts.identity) throw err;
      await opts.store.update({ ...fresh, holder: '', durationSeconds: 1 });
    }
  }

  attempt = tick();
  return {
    isLeader: () => leader,
    async release() {
      stopped = true;
      cancelTimer?.();
      // A renewal (or acquisition) in flight would race the hand-back with an older resourceVersion and win.
      await attempt;
      leader = false;
      const held = current;
      current = undefined;
      if (!held) return;
      try {
        await handBack(held);
      } catch (err) {
        opts.log.warn({ err }, 'could not release the lease; a standby takes over when it expires');
      }
    },
  };
}
