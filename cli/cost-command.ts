import { renderEnvironment } from '../charts/synth.js';
import { loadValues } from '../charts/values/load.js';
import { ENVIRONMENTS, type EnvironmentName } from '../charts/values/schema.js';
import { renderCost } from './cost/cost-text.js';
import { type CostEstimate, estimateCost } from './cost/estimate.js';
import { loadPriceTable } from './cost/price-table.js';
import { parseEnvironments } from './synth.js';

export interface CostCommandOptions {
  /** Environments whose pods are costed. @default every environment */
  readonly environments?: readonly string[];
  readonly valuesFile?: string;
  /** A price table (JSON) instead of the built-in one. */
  readonly pricesFile?: string;
  /** `text` or `json`. @default text */
  readonly output?: string;
}

/**
 * Loads every environment's values (the pools and schedules come from the one carrying `platform`, whichever
 * environments are costed), renders them, and estimates.
 */
export function costOf(options: CostCommandOptions): { estimate: CostEstimate; heading: string } {
  const chosen: EnvironmentName[] =
    options.environments && options.environments.length > 0
      ? parseEnvironments(options.environments)
      : [...ENVIRONMENTS];
  const table = loadPriceTable(options.pricesFile);
  const all = ENVIRONMENTS.map((environment) =>
    loadValues({ environment, ...(options.valuesFile ? { file: options.valuesFile } : {}) }),
  );
  const platform = all.find((v) => v.platform !== undefined);
  if (!platform) throw new Error('no environment carries `platform` (the node pools and schedules): nothing to cost');
  const objectsOf = (environment: EnvironmentName) =>
    renderEnvironment(all.find((v) => v.environment === environment)!).flatMap((f) => [...f.objects]);
  const estimate = estimateCost({
    platform: objectsOf(platform.environment),
    workloads: chosen.flatMap(objectsOf),
    table,
    weekZone: platform.site.timeZone,
  });
  return {
    estimate,
    heading: `roleplane cost: the pods of ${chosen.join(', ')} on the NodePools of ${platform.environment}`,
  };
}

export function runCostCommand(options: CostCommandOptions): { stdout: string; stderr: string; exitCode: number } {
  const output = options.output ?? 'text';
  if (output !== 'text' && output !== 'json')
    return { stdout: '', stderr: `roleplane: --output: expected text or json (got "${output}")\n`, exitCode: 2 };
  const { estimate, heading } = costOf(options);
  const stdout =
    output === 'json'
      ? `${JSON.stringify(
          {
            ...estimate,
            monthlyAlwaysOn: estimate.hourlyAlwaysOn * estimate.table.hoursPerMonth,
            monthlyScheduled: estimate.hourlyScheduled * estimate.table.hoursPerMonth,
          },
          null,
          2,
        )}\n`
      : renderCost(estimate, heading);
  return { stdout, stderr: '', exitCode: 0 };
}
