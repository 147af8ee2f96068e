/**
 * Watches (list once, then watch) of everything the controller reads, held in memory. Reconciles read this
 * cache, so API requests scale with changes, not with the number of workloads or reconciles.
 */
import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ListPromise,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/keys.js';
import type { PowerSchedule } from '../api/power-schedule.js';
import type { Clock } from '../clock.js';
import type { ClusterCache, HpaObject, NamespaceObject, WorkloadObject } from './api.js';
import { type RequestCounter, toWorkloadObject } from './client-node.js';

/** What changed, so the controller can find the schedules to reconcile. */
export type CacheEvent =
  | { readonly kind: 'schedule'; readonly name: string }
  | { readonly kind: 'namespace'; readonly name: string }
  | { readonly kind: 'workload'; readonly namespace: string };

type CachedInformer<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export interface InformerOptions {
  readonly onEvent: (event: CacheEvent) => void;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  readonly clock: Clock;
  readonly count?: RequestCounter;
  /** Delay before a failed watch is started again. @default 1000 */
  readonly restartDelayMs?: number;
}

export interface Informers {
  readonly cache: ClusterCache;
  /** Lists everything once and starts watching; resolves when every list has returned. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once every informer has listed. */
  isSynced(): boolean;
}

interface RawHpa extends KubernetesObject {
  spec?: { scaleTargetRef?: { kind?: string; name?: string } };
}

export function createInformers(kc: KubeConfig, opts: InformerOptions): Informers {
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const count = opts.count ?? (() => undefined);
  const synced = new Set<string>();
  const paths: string[] = [];
  let stopped = false;

  function counted<T extends KubernetesObject>(list: () => Promise<KubernetesListObject<T>>): ListPromise<T> {
    return () => {
      count('list');
      return list();
    };
  }

  function informer<T extends KubernetesObject>(
    path: string,
    list: ListPromise<T>,
    toEvent: (obj: T) => CacheEvent,
  ): CachedInformer<T> {
    const inf = makeInformer<T>(kc, path, list) as CachedInformer<T>;
    paths.push(path);
    const emit = (obj: T) => opts.onEvent(toEvent(obj));
    inf.on('add', emit);
    inf.on('update', emit);
    inf.on('delete', emit);
    inf.on('connect', () => {
      count('watch');
      synced.add(path);
    });
    inf.on('error', (err: unknown) => {
      synced.delete(path);
      if (stopped) return;
      opts.log.warn({ path, err }, 'watch failed; restarting');
      opts.clock.setTimer(opts.restartDelayMs ?? 1000, () => {
        if (!stopped) void inf.start().catch((e: unknown) => opts.log.warn({ path, err: e }, 'watch restart failed'));
      });
    });
    return inf;
  }

  const schedules = informer<PowerSchedule & KubernetesObject>(
    `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    counted(
      () =>
        custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }) as Promise<
          KubernetesListObject<PowerSchedule & KubernetesObject>
        >,
    ),
    (s) => ({ kind: 'schedule', name: s.metadata.name }),
  );
  const namespaces = informer(
    '/api/v1/namespaces',
    counted(() => core.listNamespace()),
    (n) => ({ kind: 'namespace', name: n.metadata?.name ?? '' }),
  );
  const workloadEvent = (o: KubernetesObject): CacheEvent => ({
    kind: 'workload',
    namespace: o.metadata?.namespace ?? '',
  });
  const deployments = informer(
    '/apis/apps/v1/deployments',
    counted(() => apps.listDeploymentForAllNamespaces()),
    workloadEvent,
  );
  const statefulSets = informer(
    '/apis/apps/v1/statefulsets',
    counted(() => apps.listStatefulSetForAllNamespaces()),
    workloadEvent,
  );
  const cronJobs = informer(
    '/apis/batch/v1/cronjobs',
    counted(() => batch.listCronJobForAllNamespaces()),
    workloadEvent,
  );
  const hpas = informer<RawHpa>(
    '/apis/autoscaling/v2/horizontalpodautoscalers',
    counted(() => autoscaling.listHorizontalPodAutoscalerForAllNamespaces() as Promise<KubernetesListObject<RawHpa>>),
    workloadEvent,
  );
  const all: Array<CachedInformer<KubernetesObject>> = [
    schedules,
    namespaces,
    deployments,
    statefulSets,
    cronJobs,
    hpas,
  ] as Array<CachedInformer<KubernetesObject>>;

  const cache: ClusterCache = {
    schedules: () => schedules.list(),
    schedule: (name) => schedules.get(name),
    namespaces: () =>
      namespaces.list().map((n) => ({
        metadata: {
          name: n.metadata?.name ?? '',
          ...(n.metadata?.labels ? { labels: n.metadata.labels } : {}),
          ...(n.metadata?.annotations ? { annotations: n.metadata.annotations } : {}),
        },
      })),
    namespace: (name) => {
      const n = namespaces.get(name);
      return n
        ? ({
            metadata: {
              name,
              ...(n.metadata?.labels ? { labels: n.metadata.labels } : {}),
              ...(n.metadata?.annotations ? { annotations: n.metadata.annotations } : {}),
            },
          } satisfies NamespaceObject)
        : undefined;
    },
    workloads: (namespace) =>
      [
        ...statefulSets.list(namespace).map((o) => toWorkloadObject('StatefulSet', o)),
        ...deployments.list(namespace).map((o) => toWorkloadObject('Deployment', o)),
        ...cronJobs.list(namespace).map((o) => toWorkloadObject('CronJob', o)),
      ] satisfies WorkloadObject[],
    hpas: (namespace) =>
      hpas.list(namespace).map((h): HpaObject => ({
        metadata: { name: h.metadata?.name ?? '', namespace },
        targetKind: h.spec?.scaleTargetRef?.kind ?? '',
        targetName: h.spec?.scaleTargetRef?.name ?? '',
      })),
  };

  return {
    cache,
    async start() {
      stopped = false;
      await Promise.all(all.map((i) => i.start()));
      // Every list has returned: the cache is complete even if a watch has not said "connect" yet.
      for (const path of paths) synced.add(path);
      opts.log.info({ informers: all.length }, 'caches synced');
    },
    async stop() {
      stopped = true;
      await Promise.all(all.map((i) => i.stop()));
    },
    isSynced: () => synced.size === paths.length,
  };
}
