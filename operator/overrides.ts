/**
 * `roleplane wake <namespace> [--for 2h]` and `roleplane sleep <namespace> [--for 2h]`: set the namespace's
 * override annotation (and clear the opposite one) in one merge patch. Without `--for` the override lasts until
 * the schedule itself next wants that state to end.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ASLEEP_UNTIL_ANNOTATION, AWAKE_UNTIL_ANNOTATION, GROUP, PLURAL, VERSION } from './api/keys.js';
import type { PowerSchedule } from './api/power-schedule.js';
import { parseDurationMs } from './controller/namespace-state.js';
import { selects } from './controller/select-namespaces.js';
import { desiredAwake, nextTransition } from './schedule/evaluate.js';
import { parseSchedule } from './schedule/grammar.js';
import { toKubeApiError } from './kube/client-node.js';
import { loadKubeConfig } from './kube/kubeconfig.js';

export interface OverrideOptions {
  readonly namespace: string;
  readonly mode: 'wake' | 'sleep';
  /** Duration such as "2h" or "90m". @default - until the schedule's next opposite transition */
  readonly for?: string;
  readonly kubeconfig?: string;
  readonly now?: Date;
}

export interface OverrideResult {
  readonly annotation: string;
  readonly until: string;
}

/**
 * Without --for, an override lasts until the schedule itself would do the same: `wake` at night lasts until the
 * morning's scheduled wake, from where the schedule carries on. When the schedule already wants that state there
 * is nothing to override without a duration.
 */
function scheduledEnd(
  schedules: readonly PowerSchedule[],
  namespace: string,
  labels: Record<string, string>,
  mode: 'wake' | 'sleep',
  now: Date,
): Date {
  const mine = schedules.filter((s) => selects(s.spec, { metadata: { name: namespace, labels } }, namespace));
  if (mine.length === 0) throw new Error(`no PowerSchedule selects namespace ${namespace}; give --for <duration>`);
  const schedule = mine[0]!;
  const { uptime, downtime, timeZone, holidays } = schedule.spec;
  const parsed = parseSchedule({ uptime, downtime, timeZone, holidays });
  const wantAwake = mode === 'wake';
  const next = nextTransition(parsed, now);
  if (desiredAwake(parsed, now) === wantAwake) {
    throw new Error(
      `PowerSchedule ${schedule.metadata.name} already has ${namespace} ${wantAwake ? 'awake' : 'asleep'}${next ? ` until ${next.toISOString()}` : ''}; give --for <duration> to ${mode === 'wake' ? 'stay awake' : 'stay asleep'} past that`,
    );
  }
  if (!next)
    throw new Error(
      `PowerSchedule ${schedule.metadata.name} never ${wantAwake ? 'wakes' : 'sleeps'} ${namespace} within a year; give --for <duration>`,
    );
  return next;
}

export async function setOverride(opts: OverrideOptions): Promise<OverrideResult> {
  const kc = loadKubeConfig(opts.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const now = opts.now ?? new Date();

  let until: Date;
  if (opts.for !== undefined) {
    const ms = parseDurationMs(opts.for);
    if (ms <= 0) throw new Error(`--for must be longer than zero (got "${opts.for}")`);
    until = new Date(now.getTime() + ms);
  } else {
    const custom = kc.makeApiClient(CustomObjectsApi);
    let namespaceLabels: Record<string, string>;
    let schedules: PowerSchedule[];
    try {
      namespaceLabels = (await core.readNamespace({ name: opts.namespace })).metadata?.labels ?? {};
      schedules = (
        (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as {
          items: PowerSchedule[];
        }
      ).items;
    } catch (err) {
      throw toKubeApiError(err, `read namespace ${opts.namespace} and its schedules`);
    }
    until = scheduledEnd(schedules, opts.namespace, namespaceLabels, opts.mode, now);
  }

  const [set, clear] =
    opts.mode === 'wake'
      ? [AWAKE_UNTIL_ANNOTATION, ASLEEP_UNTIL_ANNOTATION]
      : [ASLEEP_UNTIL_ANNOTATION, AWAKE_UNTIL_ANNOTATION];
  const value = until.toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    await core.patchNamespace(
      {
        name: opts.namespace,
        body: { metadata: { annotations: { [set]: value, [clear]: null } } },
        fieldManager: 'roleplane-cli',
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw toKubeApiError(err, `annotate namespace ${opts.namespace}`);
  }
  return { annotation: set, until: value };
}
