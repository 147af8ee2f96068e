/**
 * `roleplane migrate kube-downscaler [--kubeconfig] [--apply]`: reads a cluster's kube-downscaler configuration and
 * prints the PowerSchedules, exclusions and overrides that do the same, with a line for everything that cannot be
 * carried over. Writes nothing unless `--apply`; then every object is first applied as a server-side dry run (so
 * nothing is half-written when one is refused) and then for real, under its own field manager, so a re-run changes
 * nothing.
 */
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  dumpYaml,
  KubernetesObjectApi,
  type KubernetesObject,
  PatchStrategy,
} from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/keys.js';
import type { PowerSchedule, WorkloadKind } from '../api/power-schedule.js';
import { toKubeApiError } from '../kube/client-node.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import {
  type MigrationPlan,
  mapKubeDownscaler,
  type NamespaceInput,
  type WorkloadInput,
} from './downscaler-mapping.js';
import { type DeploymentShape, isKubeDownscaler, readDownscalerSettings } from './downscaler-settings.js';

export const MIGRATE_FIELD_MANAGER = 'roleplane-migrate';

export interface MigrateOptions {
  readonly kubeconfig?: string;
  readonly apply?: boolean;
  /** `<namespace>/<name>` of the kube-downscaler Deployment. @default - the one Deployment that runs kube-downscaler */
  readonly deployment?: string;
  /** @default - now */
  readonly now?: Date;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

interface Metadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const toInput = (kind: WorkloadKind, items: ReadonlyArray<{ metadata?: Metadata }>): WorkloadInput[] =>
  items.map((item) => ({
    kind,
    namespace: item.metadata?.namespace ?? '',
    name: item.metadata?.name ?? '',
    annotations: item.metadata?.annotations ?? {},
  }));

function chooseDeployment(
  deployments: readonly DeploymentShape[],
  wanted: string | undefined,
): DeploymentShape | undefined {
  const id = (d: DeploymentShape) => `${d.metadata?.namespace}/${d.metadata?.name}`;
  if (wanted !== undefined) {
    const found = deployments.find((d) => id(d) === wanted);
    if (!found) throw new Error(`--deployment ${wanted}: no such Deployment`);
    return found;
  }
  const candidates = deployments.filter(isKubeDownscaler);
  if (candidates.length > 1)
    throw new Error(
      `more than one kube-downscaler Deployment (${candidates.map(id).join(', ')}); name one with --deployment <namespace>/<name>`,
    );
  return candidates[0];
}

/** The plan as YAML: a commented header with every finding, then the objects in the order they are applied. */
export function renderPlan(plan: MigrationPlan, source: string, now: Date, objects: readonly object[]): string {
  const lines = [
    `# roleplane migrate kube-downscaler: read ${source} at ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `# ${plan.schedules.length} PowerSchedule(s) for ${plan.schedules.reduce((n, s) => n + (s.spec.namespaces?.length ?? 0), 0)} namespace(s); ${plan.patches.length} namespace/workload change(s) (exclusions, overrides)`,
  ];
  const section = (title: string, items: readonly string[]) => {
    if (items.length === 0) return;
    lines.push(`# ${title}:`);
    for (const item of items) lines.push(`#   - ${item}`);
  };
  section('invalid (fix these and run again; --apply writes nothing while any is listed)', plan.invalid);
  section('cannot carry over', plan.notCarried);
  section('carried over with a difference', plan.differences);
  if (plan.schedules.length > 0)
    lines.push('# stop kube-downscaler when these are applied (scale its Deployment to 0): both would act otherwise');
  const docs = objects.map((o) => dumpYaml(o, { lineWidth: -1, noRefs: true }));
  return `${lines.join('\n')}\n${docs.map((d) => `---\n${d}`).join('')}`;
}

export async function runMigrateKubeDownscaler(opts: MigrateOptions): Promise<CommandResult> {
  const kc = loadKubeConfig(opts.kubeconfig);
  const now = opts.now ?? new Date();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);

  let namespaces: NamespaceInput[];
  let workloads: WorkloadInput[];
  let deployments: DeploymentShape[];
  try {
    const [nsList, deployList, stsList, cronList] = await Promise.all([
      core.listNamespace(),
      apps.listDeploymentForAllNamespaces(),
      apps.listStatefulSetForAllNamespaces(),
      batch.listCronJobForAllNamespaces(),
    ]);
    namespaces = nsList.items.map((ns) => ({
      name: ns.metadata?.name ?? '',
      labels: ns.metadata?.labels ?? {},
      annotations: ns.metadata?.annotations ?? {},
    }));
    deployments = deployList.items;
    workloads = [
      ...toInput('Deployment', deployList.items),
      ...toInput('StatefulSet', stsList.items),
      ...toInput('CronJob', cronList.items),
    ];
  } catch (err) {
    throw toKubeApiError(err, 'read namespaces, Deployments, StatefulSets and CronJobs');
  }

  // PowerSchedules already there (none, or no CRD yet, is fine here; --apply checks the CRD before writing).
  let existingSchedules: PowerSchedule[] = [];
  let hasCrd = true;
  try {
    existingSchedules = (
      (await kc
        .makeApiClient(CustomObjectsApi)
        .listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as { items: PowerSchedule[] }
    ).items;
  } catch (err) {
    const e = toKubeApiError(err, 'list PowerSchedules');
    if (e.status !== 404) throw e;
    hasCrd = false;
  }

  const settings = readDownscalerSettings(chooseDeployment(deployments, opts.deployment));
  const plan = mapKubeDownscaler({ settings, namespaces, workloads, now, existingSchedules });
  // Overrides and exclusions go first: a schedule must not put to sleep what it is told to leave awake.
  const objects: KubernetesObject[] = [...plan.patches, ...plan.schedules] as KubernetesObject[];
  const stdout = renderPlan(plan, settings.source, now, objects);

  if (!opts.apply) return { stdout, stderr: '', exitCode: plan.invalid.length > 0 ? 1 : 0 };
  if (plan.invalid.length > 0) {
    return {
      stdout,
      stderr: `not applied: ${plan.invalid.length} invalid value(s), listed at the top; nothing was written\n`,
      exitCode: 1,
    };
  }
  if (plan.schedules.length > 0 && !hasCrd)
    throw new Error('PowerSchedule CRD not installed: apply dist/prod/crds first; nothing was written');
  const client = KubernetesObjectApi.makeApiClient(kc);
  const describe = (o: KubernetesObject) =>
    `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
  // A dry run of every object first: one the API server refuses stops the run before anything is written.
  for (const dryRun of ['All', undefined] as const) {
    for (const object of objects) {
      try {
        await client.patch(object, undefined, dryRun, MIGRATE_FIELD_MANAGER, false, PatchStrategy.ServerSideApply);
      } catch (err) {
        const e = toKubeApiError(err, `apply ${describe(object)}`);
        throw new Error(dryRun ? `${e.message} (dry run; nothing was written)` : e.message, { cause: err });
      }
    }
  }
  return {
    stdout,
    stderr: `applied ${objects.length} object(s) with field manager ${MIGRATE_FIELD_MANAGER}\n`,
    exitCode: 0,
  };
}
