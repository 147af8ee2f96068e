/**
 * One wake attempt for one namespace: read the namespace and the PowerSchedules, decide as the operator would
 * (the same selection, exclusion, first-by-name rule and overrides), and only when the namespace is managed and
 * asleep by its schedule set `roleplane.io/awake-until`, with the namespace's resourceVersion as a precondition.
 */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { AWAKE_UNTIL_ANNOTATION, EXCLUDE_LABEL, GROUP, PLURAL, VERSION } from '../api/keys.js';
import type { PowerSchedule } from '../api/power-schedule.js';
import { namespaceDesire } from '../controller/namespace-state.js';
import { selects } from '../controller/select-namespaces.js';
import { toKubeApiError } from '../kube/client-node.js';
import { parseSchedule } from '../schedule/grammar.js';

export const WAKER_FIELD_MANAGER = 'roleplane-waker';

export interface WakerNamespace {
  readonly metadata: {
    readonly name: string;
    readonly resourceVersion?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
}

/** The three API calls the waker makes; its ClusterRole grants exactly these. */
export interface WakerKube {
  /** undefined when there is no such namespace. */
  readNamespace(name: string): Promise<WakerNamespace | undefined>;
  listSchedules(): Promise<PowerSchedule[]>;
  /** Sets annotations if the namespace is still at `resourceVersion` (a 409 otherwise). */
  annotateNamespace(name: string, resourceVersion: string, annotations: Record<string, string>): Promise<void>;
}

export type WakeOutcome =
  /** `awake-until` was set now. */
  | { readonly kind: 'woken'; readonly until: Date }
  /** Already meant to be awake (the schedule, or an earlier wake): its pods are on their way. */
  | { readonly kind: 'waking'; readonly until?: Date }
  /** A person put it to sleep until then (`roleplane sleep`); a page view does not overrule them. */
  | { readonly kind: 'held-asleep'; readonly until: Date }
  /** No PowerSchedule acts on it, so waking it is not the waker's business. */
  | { readonly kind: 'not-managed'; readonly why: string }
  | { readonly kind: 'failed'; readonly why: string };

export async function wakeNamespace(
  kube: WakerKube,
  name: string,
  now: Date,
  awakeForMs: number,
): Promise<WakeOutcome> {
  const ns = await kube.readNamespace(name);
  if (!ns) return { kind: 'not-managed', why: `namespace ${name} does not exist` };
  if (ns.metadata.labels?.[EXCLUDE_LABEL] === 'true')
    return { kind: 'not-managed', why: `namespace ${name} is excluded (${EXCLUDE_LABEL}=true)` };
  const claimants = (await kube.listSchedules())
    .filter((s) => selects(s.spec, { metadata: { name, labels: ns.metadata.labels ?? {} } }, name))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const schedule = claimants[0];
  if (!schedule) return { kind: 'not-managed', why: `no PowerSchedule selects namespace ${name}` };
  if (schedule.spec.suspend)
    return { kind: 'not-managed', why: `PowerSchedule ${schedule.metadata.name} is suspended` };
  let parsed;
  try {
    parsed = parseSchedule(schedule.spec);
  } catch (err) {
    return {
      kind: 'not-managed',
      why: `PowerSchedule ${schedule.metadata.name} is invalid: ${(err as Error).message}`,
    };
  }
  const desire = namespaceDesire(parsed, { metadata: { name, annotations: ns.metadata.annotations ?? {} } }, now);
  if (desire.awake)
    return {
      kind: 'waking',
      ...(desire.source === 'awake-until' && desire.changesAt ? { until: desire.changesAt } : {}),
    };
  if (desire.source === 'asleep-until' && desire.changesAt) return { kind: 'held-asleep', until: desire.changesAt };

  const until = new Date(Math.ceil((now.getTime() + awakeForMs) / 1000) * 1000);
  try {
    await kube.annotateNamespace(name, ns.metadata.resourceVersion ?? '', {
      [AWAKE_UNTIL_ANNOTATION]: until.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  } catch (err) {
    return { kind: 'failed', why: (err as Error).message };
  }
  return { kind: 'woken', until };
}

/** The real WakerKube: get a namespace, list PowerSchedules, merge-patch a namespace's annotations. */
export function clientNodeWakerKube(kc: KubeConfig): WakerKube {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async readNamespace(name) {
      try {
        const ns = await core.readNamespace({ name });
        return {
          metadata: {
            name,
            ...(ns.metadata?.resourceVersion ? { resourceVersion: ns.metadata.resourceVersion } : {}),
            labels: ns.metadata?.labels ?? {},
            annotations: ns.metadata?.annotations ?? {},
          },
        };
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw toKubeApiError(err, `read namespace ${name}`);
      }
    },
    async listSchedules() {
      try {
        return (
          (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as {
            items: PowerSchedule[];
          }
        ).items;
      } catch (err) {
        throw toKubeApiError(err, 'list PowerSchedules');
      }
    },
    async annotateNamespace(name, resourceVersion, annotations) {
      try {
        await core.patchNamespace(
          { name, body: { metadata: { resourceVersion, annotations } }, fieldManager: WAKER_FIELD_MANAGER },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (err) {
        throw toKubeApiError(err, `annotate namespace ${name}`);
      }
    },
  };
}
