import { renderEnvironment } from '../charts/synth.js';
import { loadValues } from '../charts/values/load.js';
import { ENVIRONMENTS, type EnvironmentName } from '../charts/values/schema.js';
import { loadKubeConfig } from '../operator/kube/kubeconfig.js';
import { type CheckResult, runChecks } from './preflight/checks.js';
import { parseEnvironments } from './synth.js';

export interface PreflightCommandOptions {
  readonly kubeconfig?: string;
  /** Environments to be applied. @default every environment */
  readonly environments?: readonly string[];
  readonly valuesFile?: string;
}

const LABEL: Readonly<Record<CheckResult['status'], string>> = { pass: 'PASS', fail: 'FAIL', unknown: '????' };

export function renderChecks(results: readonly CheckResult[], heading: string): string {
  const lines = [heading];
  for (const r of results) {
    lines.push(`${LABEL[r.status]}  ${r.item}: ${r.detail}`);
    if (r.fix && r.status !== 'pass') lines.push(`      fix: ${r.fix}`);
  }
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  lines.push(`${count('pass')} passed, ${count('fail')} failed, ${count('unknown')} could not be told`);
  return `${lines.join('\n')}\n`;
}

/** Checks the cluster for the chosen environments; exit 1 when anything fails. */
export async function runPreflightCommand(
  options: PreflightCommandOptions,
): Promise<{ stdout: string; stderr: string; exitCode: number; results: CheckResult[] }> {
  const chosen: EnvironmentName[] =
    options.environments && options.environments.length > 0
      ? parseEnvironments(options.environments)
      : [...ENVIRONMENTS];
  const values = chosen.map((environment) =>
    loadValues({ environment, ...(options.valuesFile ? { file: options.valuesFile } : {}) }),
  );
  const objects = values.flatMap((v) => renderEnvironment(v).flatMap((f) => [...f.objects]));
  const kubeConfig = loadKubeConfig(options.kubeconfig);
  const results = await runChecks({ kubeConfig, values, objects });
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no server)';
  return {
    stdout: renderChecks(results, `roleplane preflight: ${server}, environments ${chosen.join(', ')}`),
    stderr: '',
    exitCode: results.some((r) => r.status === 'fail') ? 1 : 0,
    results,
  };
}
