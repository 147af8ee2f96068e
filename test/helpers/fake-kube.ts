/**
 * An in-memory KubeApi + ClusterCache for reconcile unit tests: it records every patch, applies it with the
 * same resourceVersion precondition the API server enforces, and can fail chosen calls.
 */
import type { PowerSchedule, PowerScheduleStatus } from '../../operator/api/power-schedule.js';
import {
  type ClusterCache,
  type EventRecord,
  type HpaObject,
  type KubeApi,
  KubeApiError,
  type NamespaceObject,
  type WorkloadObject,
  type WorkloadPatch,
} from '../../operator/kube/api.js';

export class FakeKube implements KubeApi, ClusterCache {
  readonly patches: WorkloadPatch[] = [];
  readonly events: EventRecord[] = [];
  readonly statusWrites: Array<{ name: string; status: PowerScheduleStatus }> = [];
  private readonly scheduleMap = new Map<string, PowerSchedule>();
  private readonly namespaceMap = new Map<string, NamespaceObject>();
  private readonly workloadMap = new Map<string, WorkloadObject>();
  private readonly hpaList: HpaObject[] = [];
  private rv = 100;
  /** While set (`lagWorkloads`), what the informers show: our patches reach it only through `deliverWatchEvent`. */
  private cachedWorkloads?: Map<string, WorkloadObject>;
  private readonly watchBacklog: WorkloadObject[] = [];
  /** Return an error to make the next matching patch fail. */
  failPatch?: (patch: WorkloadPatch) => KubeApiError | undefined;

  addSchedule(schedule: PowerSchedule): void {
    this.scheduleMap.set(schedule.metadata.name, schedule);
  }
  addNamespace(name: string, meta: Partial<NamespaceObject['metadata']> = {}): void {
    this.namespaceMap.set(name, { metadata: { name, ...meta } });
  }
  addWorkload(
    w: Omit<WorkloadObject, 'metadata'> & { metadata: Omit<WorkloadObject['metadata'], 'resourceVersion'> },
  ): WorkloadObject {
    const obj: WorkloadObject = {
      ...w,
      metadata: {
        uid: `uid-${w.metadata.namespace}-${w.metadata.name}`,
        creationTimestamp: '2020-01-01T00:00:00.000Z',
        ...w.metadata,
        resourceVersion: String(++this.rv),
      },
    };
    this.workloadMap.set(this.key(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
    this.cachedWorkloads?.set(this.key(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
    return obj;
  }
  addHpa(namespace: string, targetKind: string, targetName: string): void {
    this.hpaList.push({ metadata: { name: `${targetName}-hpa`, namespace }, targetKind, targetName });
  }
  get(kind: WorkloadObject['kind'], namespace: string, name: string): WorkloadObject {
    const w = this.workloadMap.get(this.key(kind, namespace, name));
    if (!w) throw new Error(`no ${kind} ${namespace}/${name}`);
    return w;
  }
  /** A human (or GitOps) edit: bumps the resourceVersion like the API server would. */
  edit(
    kind: WorkloadObject['kind'],
    namespace: string,
    name: string,
    change: Partial<Pick<WorkloadObject, 'replicas' | 'suspend'>>,
  ): void {
    const w = this.get(kind, namespace, name);
    this.workloadMap.set(this.key(kind, namespace, name), {
      ...w,
      ...change,
      metadata: { ...w.metadata, resourceVersion: String(++this.rv) },
    });
  }
  /** From now on the cache shows workload patches only when `deliverWatchEvent` hands them over, one at a time. */
  lagWorkloads(): void {
    this.cachedWorkloads = new Map(this.workloadMap);
  }
  /** Hands the oldest patched workload to the cache, as its watch event would; false when none is waiting. */
  deliverWatchEvent(): boolean {
    const next = this.watchBacklog.shift();
    if (!next || !this.cachedWorkloads) return false;
    this.cachedWorkloads.set(this.key(next.kind, next.metadata.namespace, next.metadata.name), next);
    return true;
  }
  /** Makes our last written status visible to the next reconcile, as the watch would. */
  syncStatus(): void {
    for (const { name, status } of this.statusWrites) {
      const s = this.scheduleMap.get(name);
      if (s) this.scheduleMap.set(name, { ...s, status });
    }
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }

  // KubeApi
  async patchWorkload(patch: WorkloadPatch): Promise<WorkloadObject> {
    this.patches.push(patch);
    const injected = this.failPatch?.(patch);
    if (injected) throw injected;
    const key = this.key(patch.kind, patch.namespace, patch.name);
    const current = this.workloadMap.get(key);
    if (!current) throw new KubeApiError(`${key} not found`, 404);
    if (current.metadata.resourceVersion !== patch.resourceVersion)
      throw new KubeApiError(`${key}: the object has been modified`, 409);
    const annotations = { ...current.metadata.annotations };
    for (const [k, v] of Object.entries(patch.annotations)) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    const updated: WorkloadObject = {
      ...current,
      ...(patch.replicas !== undefined ? { replicas: patch.replicas } : {}),
      ...(patch.suspend !== undefined ? { suspend: patch.suspend } : {}),
      metadata: { ...current.metadata, annotations, resourceVersion: String(++this.rv) },
    };
    this.workloadMap.set(key, updated);
    if (this.cachedWorkloads) this.watchBacklog.push(updated);
    return updated;
  }
  async patchScheduleStatus(name: string, status: PowerScheduleStatus): Promise<void> {
    this.statusWrites.push({ name, status });
  }
  async createEvent(event: EventRecord): Promise<void> {
    this.events.push(event);
  }

  // ClusterCache
  schedules(): readonly PowerSchedule[] {
    return [...this.scheduleMap.values()];
  }
  schedule(name: string): PowerSchedule | undefined {
    return this.scheduleMap.get(name);
  }
  namespaces(): readonly NamespaceObject[] {
    return [...this.namespaceMap.values()];
  }
  namespace(name: string): NamespaceObject | undefined {
    return this.namespaceMap.get(name);
  }
  workloads(namespace: string): readonly WorkloadObject[] {
    return [...(this.cachedWorkloads ?? this.workloadMap).values()].filter((w) => w.metadata.namespace === namespace);
  }
  hpas(namespace: string): readonly HpaObject[] {
    return this.hpaList.filter((h) => h.metadata.namespace === namespace);
  }
}
