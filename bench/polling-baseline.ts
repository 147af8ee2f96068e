/**
 * The polling design users know from kube-downscaler, as a baseline: every interval, list every Deployment in
 * the cluster and PUT each one whose replicas differ from what the schedule wants. It remembers originals in
 * the same annotation, so the two are compared doing the same work.
 */
import { AppsV1Api, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';

export interface PollingBaselineOptions {
  readonly kubeConfig: KubeConfig;
  readonly intervalMs: number;
  /** Whether the managed namespaces should be asleep at `now`. */
  readonly asleepAt: (now: Date) => boolean;
  /** Namespaces whose name starts with this are managed. */
  readonly namespacePrefix: string;
  readonly annotation: string;
}

export interface PollingBaseline {
  readonly requests: { list: number; update: number };
  stop(): Promise<void>;
}

export function startPollingBaseline(opts: PollingBaselineOptions): PollingBaseline {
  const apps = opts.kubeConfig.makeApiClient(AppsV1Api);
  const requests = { list: 0, update: 0 };
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function cycle(): Promise<void> {
    requests.list++;
    const all = await apps.listDeploymentForAllNamespaces();
    const asleep = opts.asleepAt(new Date());
    const work: V1Deployment[] = [];
    for (const d of all.items) {
      // kube-downscaler filters namespaces client-side from the full list, as here.
      if (!d.metadata?.namespace?.startsWith(opts.namespacePrefix)) continue;
      const original = d.metadata.annotations?.[opts.annotation];
      if (asleep && original === undefined && (d.spec?.replicas ?? 1) > 0) {
        d.metadata.annotations = { ...d.metadata.annotations, [opts.annotation]: String(d.spec?.replicas ?? 1) };
        d.spec = { ...d.spec!, replicas: 0 };
        work.push(d);
      } else if (!asleep && original !== undefined) {
        const annotations = { ...d.metadata.annotations };
        delete annotations[opts.annotation];
        d.metadata.annotations = annotations;
        d.spec = { ...d.spec!, replicas: Number(original) };
        work.push(d);
      }
    }
    // One worker at a time, like the py-kube-downscaler loop.
    for (const d of work) {
      if (stopped) return;
      requests.update++;
      await apps
        .replaceNamespacedDeployment({ name: d.metadata!.name!, namespace: d.metadata!.namespace!, body: d })
        .catch(() => undefined);
    }
  }

  const timer = setInterval(() => {
    running = running.then(cycle).catch(() => undefined);
  }, opts.intervalMs);
  running = running.then(cycle).catch(() => undefined);

  return {
    requests,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
