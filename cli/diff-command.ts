import { renderEnvironment } from '../charts/synth.js';
import { loadValues } from '../charts/values/load.js';
import { diffEnvironments, type DiffSide, type EnvironmentDiff } from './environment-diff.js';
import { renderEnvironmentDiff } from './environment-diff-text.js';
import { parseEnvironments } from './synth.js';

export interface DiffCommandOptions {
  readonly a: string;
  readonly b: string;
  /** A values file merged over both environments' defaults. @default - none */
  readonly valuesFile?: string;
  /** List every normalised place too. @default false */
  readonly showExpected?: boolean;
}

/** Both environments' values are loaded and validated before anything is rendered. */
export function environmentDiff(options: Pick<DiffCommandOptions, 'a' | 'b' | 'valuesFile'>): EnvironmentDiff {
  const [a, b] = parseEnvironments([options.a, options.b]) as [string, string] as ['prod', 'prod'];
  if (a === b) throw new Error(`diff: compare two different environments (got "${a}" twice)`);
  const sides = [a, b].map((environment): DiffSide => {
    const values = loadValues({ environment, ...(options.valuesFile ? { file: options.valuesFile } : {}) });
    return { name: environment, values, objects: renderEnvironment(values).flatMap((f) => [...f.objects]) };
  });
  return diffEnvironments(sides[0]!, sides[1]!);
}

export function runDiffCommand(options: DiffCommandOptions): { stdout: string; stderr: string; exitCode: number } {
  const diff = environmentDiff(options);
  return { stdout: renderEnvironmentDiff(diff, options.showExpected === true), stderr: '', exitCode: 0 };
}
