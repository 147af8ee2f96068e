/**
 * The real KubeApi over @kubernetes/client-node: every write names its patch type and the operator's field
 * manager, and carries the object's resourceVersion as a precondition.
 */
import {
  ApiException,
  CustomObjectsApi,
  EventsV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { FIELD_MANAGER, GROUP, PLURAL, VERSION } from '../api/keys.js';
import type { PowerScheduleStatus } from '../api/power-schedule.js';
import { type EventRecord, type KubeApi, KubeApiError, type WorkloadObject, type WorkloadPatch } from './api.js';

const API_VERSION_OF: Readonly<Record<WorkloadObject['kind'], string>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  CronJob: 'batch/v1',
};

/** Counts requests by verb, for metrics and the benchmark. */
export type RequestCounter = (verb: string) => void;

export function toKubeApiError(err: unknown, what: string): KubeApiError {
  if (err instanceof ApiException) {
    let detail = String(err.body);
    try {
      const parsed = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string };
      if (parsed?.message) detail = parsed.message;
    } catch {
      // Keep the raw body.
    }
    return new KubeApiError(`${what}: HTTP ${err.code}: ${detail}`, err.code);
  }
  return new KubeApiError(`${what}: ${err instanceof Error ? err.message : String(err)}`, undefined);
}

interface RawWorkload {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: Date | string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { replicas?: number; suspend?: boolean };
}

/** Cuts a Deployment, StatefulSet or CronJob down to the fields the operator reads. */
export function toWorkloadObject(kind: WorkloadObject['kind'], raw: RawWorkload): WorkloadObject {
  const metadata = raw.metadata ?? {};
  const base = {
    kind,
    metadata: {
      name: metadata.name ?? '',
      namespace: metadata.namespace ?? '',
      ...(metadata.uid ? { uid: metadata.uid } : {}),
      ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
      ...(metadata.creationTimestamp ? { creationTimestamp: new Date(metadata.creationTimestamp).toISOString() } : {}),
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
  };
  if (kind === 'CronJob') return { ...base, suspend: raw.spec?.suspend === true };
  return raw.spec?.replicas === undefined ? base : { ...base, replicas: raw.spec.replicas };
}

export function clientNodeKubeApi(kc: KubeConfig, opts: { instance: string; count?: RequestCounter }): KubeApi {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const events = kc.makeApiClient(EventsV1Api);
  const count = opts.count ?? (() => undefined);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  return {
    async patchWorkload(patch: WorkloadPatch): Promise<WorkloadObject> {
      const spec: Record<string, unknown> = {};
      if (patch.replicas !== undefined) spec.replicas = patch.replicas;
      if (patch.suspend !== undefined) spec.suspend = patch.suspend;
      const body = {
        apiVersion: API_VERSION_OF[patch.kind],
        kind: patch.kind,
        metadata: {
          name: patch.name,
          namespace: patch.namespace,
          resourceVersion: patch.resourceVersion,
          annotations: patch.annotations,
        },
        ...(Object.keys(spec).length > 0 ? { spec } : {}),
      };
      count('patch');
      try {
        const result = await objects.patch(
          body as never,
          undefined,
          undefined,
          FIELD_MANAGER,
          undefined,
          PatchStrategy.MergePatch,
        );
        return toWorkloadObject(patch.kind, result);
      } catch (err) {
        throw toKubeApiError(err, `patch ${patch.kind} ${patch.namespace}/${patch.name}`);
      }
    },

    async patchScheduleStatus(name: string, status: PowerScheduleStatus): Promise<void> {
      count('patch');
      try {
        await custom.patchClusterCustomObjectStatus(
          { group: GROUP, version: VERSION, plural: PLURAL, name, body: { status }, fieldManager: FIELD_MANAGER },
          mergePatch,
        );
      } catch (err) {
        throw toKubeApiError(err, `patch status of PowerSchedule ${name}`);
      }
    },

    async createEvent(event: EventRecord): Promise<void> {
      const namespace = event.regarding.namespace ?? 'default';
      count('create');
      try {
        await events.createNamespacedEvent({
          namespace,
          body: {
            metadata: { generateName: `${event.regarding.name}-`, namespace },
            eventTime: new V1MicroTime(),
            reportingController: 'roleplane.io/power-schedule-operator',
            reportingInstance: opts.instance,
            action: event.action,
            reason: event.reason,
            note: event.note.slice(0, 1024),
            type: event.type,
            regarding: { ...event.regarding },
          },
        });
      } catch (err) {
        throw toKubeApiError(err, `create event ${event.reason} for ${event.regarding.kind} ${event.regarding.name}`);
      }
    },
  };
}
