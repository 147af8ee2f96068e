/**
 * The operator's wiring: informers feed a keyed work queue of PowerSchedules; each reconcile says when it wants
 * to run again (the next transition), so the operator wakes itself at every boundary without polling. With
 * leader election only the lease holder runs the controller; every replica serves health and metrics.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { LEASE_NAME } from './api/keys.js';
import type { Clock } from './clock.js';
import { WorkQueue } from './controller/queue.js';
import { reconcile } from './controller/reconcile.js';
import { RETRY_AFTER_ERROR_MS } from './controller/requeue.js';
import type { WrittenStatus } from './controller/schedule-status.js';
import { selects } from './controller/select-namespaces.js';
import type { NamespaceMemory } from './controller/transitions.js';
import { startHealthServers } from './health.js';
import type { KubeApi } from './kube/api.js';
import { clientNodeKubeApi } from './kube/client-node.js';
import { type CacheEvent, createInformers, type Informers } from './kube/informers.js';
import { type Election, kubeLeaseStore, startElection } from './leader/lease.js';
import { OperatorMetrics } from './metrics.js';

export interface OperatorOptions {
  /** Campaign for the Lease before acting (needed with more than one replica). */
  readonly leaderElect: boolean;
  /** Namespace of the Lease. */
  readonly namespace: string;
  /** This replica's name in the Lease and in Events. */
  readonly identity: string;
  readonly healthPort: number;
  readonly metricsPort: number;
  /** Interface the health and metrics servers bind. @default "0.0.0.0" */
  readonly host?: string;
  /** Patches in flight at once per namespace. @default - OPERATOR_DEFAULTS.concurrency (operator/config.ts) */
  readonly concurrency?: number;
  /** Called when this replica loses the lease; the process should exit so it restarts clean. */
  readonly onLostLeadership?: () => void;
  /** Leader election timing (seconds); defaults as client-go's. */
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineSeconds?: number;
  readonly retryPeriodSeconds?: number;
}

export interface OperatorDeps {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly registry: Registry;
  readonly log: Logger;
  readonly options: OperatorOptions;
  /** Replaces the real API writes (tests). @default - @kubernetes/client-node */
  readonly api?: KubeApi;
}

export interface RunningOperator {
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly metrics: OperatorMetrics;
  isLeader(): boolean;
  isReady(): boolean;
  /** Lets the reconcile in progress finish its writes, stops watching, hands back the lease, closes servers. */
  stop(): Promise<void>;
}

export async function startOperator(deps: OperatorDeps): Promise<RunningOperator> {
  const { kubeConfig, clock, registry, log, options } = deps;
  const metrics = new OperatorMetrics(registry);
  const count = (verb: string) => metrics.apiRequests.inc({ verb });
  const api = deps.api ?? clientNodeKubeApi(kubeConfig, { instance: options.identity, count });
  const inFlight = new Map<string, string>();
  const transitions = new Map<string, NamespaceMemory>();
  const statuses = new Map<string, WrittenStatus>();

  let informers: Informers | undefined;
  let queue: WorkQueue | undefined;
  let election: Election | undefined;
  let controllerStarted: Promise<void> | undefined;
  let standbyReady = !options.leaderElect;

  // Until every informer has listed, a reconcile would see a schedule without (all of) its namespaces or workloads
  // and settle on a state that is not there; the schedules are queued once the lists are in.
  let listed = false;
  const enqueueFor = (event: CacheEvent): void => {
    if (!informers || !queue || !listed) return;
    if (event.kind === 'schedule') {
      queue.add(event.name);
      return;
    }
    // A namespace change (labels, override annotations) may add it to or drop it from any schedule: they are
    // few, so all are looked at. A workload change concerns only the schedules that select its namespace.
    const schedules = informers.cache.schedules();
    if (event.kind === 'namespace') {
      for (const schedule of schedules) queue.add(schedule.metadata.name);
      return;
    }
    const ns = informers.cache.namespace(event.namespace);
    for (const schedule of schedules)
      if (selects(schedule.spec, ns, event.namespace)) queue.add(schedule.metadata.name);
  };

  async function runController(): Promise<void> {
    informers = createInformers(kubeConfig, { onEvent: enqueueFor, log, clock, count });
    const cache = informers.cache;
    queue = new WorkQueue(clock, async (name) => {
      const end = metrics.reconcileSeconds.startTimer();
      try {
        const { requeueAfterMs } = await reconcile(name, {
          api,
          cache,
          clock,
          log,
          metrics,
          inFlight,
          transitions,
          statuses,
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        });
        end({ result: 'ok' });
        if (requeueAfterMs !== null) queue?.addAfter(name, requeueAfterMs);
      } catch (err) {
        end({ result: 'error' });
        log.error({ schedule: name, err }, 'reconcile failed');
        queue?.addAfter(name, RETRY_AFTER_ERROR_MS);
      }
    });
    await informers.start();
    listed = true;
    for (const schedule of cache.schedules()) queue.add(schedule.metadata.name);
  }

  const servers = await startHealthServers({
    healthPort: options.healthPort,
    metricsPort: options.metricsPort,
    ...(options.host ? { host: options.host } : {}),
    registry,
    // A standby is ready (it serves and waits); the leader once its caches have listed.
    isReady: () => (election && !election.isLeader() ? standbyReady : informers?.isSynced() === true),
  });

  if (options.leaderElect) {
    election = startElection({
      store: kubeLeaseStore(kubeConfig, options.namespace, LEASE_NAME, count),
      identity: options.identity,
      clock,
      log,
      ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
      ...(options.renewDeadlineSeconds ? { renewDeadlineSeconds: options.renewDeadlineSeconds } : {}),
      ...(options.retryPeriodSeconds ? { retryPeriodSeconds: options.retryPeriodSeconds } : {}),
      onStartedLeading: () => {
        metrics.isLeader.set(1);
        controllerStarted = runController().catch((err: unknown) => log.error({ err }, 'controller failed to start'));
      },
      onStoppedLeading: () => {
        metrics.isLeader.set(0);
        options.onLostLeadership?.();
      },
    });
    standbyReady = true;
  } else {
    metrics.isLeader.set(1);
    controllerStarted = runController();
    await controllerStarted;
  }
  log.info(
    {
      healthPort: servers.healthPort,
      metricsPort: servers.metricsPort,
      leaderElect: options.leaderElect,
      identity: options.identity,
    },
    'operator started',
  );

  return {
    healthPort: servers.healthPort,
    metricsPort: servers.metricsPort,
    metrics,
    isLeader: () => (election ? election.isLeader() : true),
    isReady: () => (election && !election.isLeader() ? standbyReady : informers?.isSynced() === true),
    async stop() {
      await controllerStarted?.catch(() => undefined);
      await queue?.shutdown();
      await informers?.stop();
      await election?.release();
      metrics.isLeader.set(0);
      await servers.close();
      log.info('operator stopped');
    },
  };
}
