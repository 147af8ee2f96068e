/**
 * `roleplane schedule show [--kubeconfig] [--output text|json] [--ascii]`: lists every PowerSchedule (cluster-scoped)
 * and the namespaces' override annotations, and renders them with `schedule-show.ts`. Nothing here prints or exits.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from './api/keys.js';
import type { PowerSchedule } from './api/power-schedule.js';
import { toKubeApiError } from './kube/client-node.js';
import { loadKubeConfig } from './kube/kubeconfig.js';
import { renderSchedules, renderSchedulesJson } from './schedule-show.js';

export const CRD_MISSING_MESSAGE = 'PowerSchedule CRD not installed: apply dist/prod first';
export const NO_SCHEDULES_MESSAGE = 'no PowerSchedules';

export interface ScheduleShowOptions {
  readonly kubeconfig?: string;
  /** @default "text" */
  readonly output?: string;
  /** @default false */
  readonly ascii?: boolean;
  /** @default - the current time */
  readonly now?: Date;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const OUTPUTS = ['text', 'json'] as const;

export async function runScheduleShow(options: ScheduleShowOptions): Promise<CommandResult> {
  const output = options.output ?? 'text';
  if (!(OUTPUTS as readonly string[]).includes(output))
    return { stdout: '', stderr: `--output: expected text or json (got "${output}")\n`, exitCode: 2 };
  const kc = loadKubeConfig(options.kubeconfig);
  const now = options.now ?? new Date();

  let schedules: PowerSchedule[];
  try {
    const list = (await kc
      .makeApiClient(CustomObjectsApi)
      .listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as { items: PowerSchedule[] };
    schedules = list.items;
  } catch (err) {
    const apiError = toKubeApiError(err, 'list PowerSchedules');
    if (apiError.status === 404) throw new Error(CRD_MISSING_MESSAGE, { cause: err });
    throw apiError;
  }
  if (schedules.length === 0) {
    return output === 'json'
      ? { stdout: renderSchedulesJson({ schedules, now }), stderr: `${NO_SCHEDULES_MESSAGE}\n`, exitCode: 0 }
      : { stdout: '', stderr: `${NO_SCHEDULES_MESSAGE}\n`, exitCode: 0 };
  }

  // Overrides live on the namespaces; without the right to list them the schedules still show, and the user is told.
  let namespaceAnnotations: Map<string, Record<string, string>> | undefined;
  let stderr = '';
  try {
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    namespaceAnnotations = new Map(
      namespaces.items.map((ns) => [ns.metadata?.name ?? '', ns.metadata?.annotations ?? {}] as const),
    );
  } catch (err) {
    stderr = `overrides not shown: ${toKubeApiError(err, 'list namespaces').message}\n`;
  }
  const input = { schedules, now, ...(namespaceAnnotations ? { namespaceAnnotations } : {}) };
  return {
    stdout: output === 'json' ? renderSchedulesJson(input) : renderSchedules(input, { ascii: options.ascii === true }),
    stderr,
    exitCode: 0,
  };
}
