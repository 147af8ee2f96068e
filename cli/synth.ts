import { ENVIRONMENTS, type EnvironmentName } from '../charts/values/schema.js';
import { loadValues, VALUES_FILE_ENV } from '../charts/values/load.js';
import { renderEnvironment, writeEnvironments } from '../charts/synth.js';

export interface SynthOptions {
  /** @default every environment */
  readonly environments?: readonly EnvironmentName[];
  /** @default $ROLEPLANE_VALUES, else none */
  readonly valuesFile?: string;
  /** @default "dist" */
  readonly outDir?: string;
}

export function parseEnvironments(names: readonly string[]): EnvironmentName[] {
  for (const name of names) {
    if (!(ENVIRONMENTS as readonly string[]).includes(name)) {
      throw new Error(`--env: unknown environment "${name}" (expected one of ${ENVIRONMENTS.join(', ')})`);
    }
  }
  return names as EnvironmentName[];
}

/**
 * Loads and validates the values of every requested environment first; only when all are valid is anything
 * rendered and written, so a bad values file leaves `dist/` untouched.
 */
export function synth(options: SynthOptions = {}): string[] {
  const environments = options.environments && options.environments.length > 0 ? options.environments : ENVIRONMENTS;
  const valuesFile = options.valuesFile ?? process.env[VALUES_FILE_ENV] ?? undefined;
  const allValues = environments.map((environment) =>
    loadValues({ environment, ...(valuesFile ? { file: valuesFile } : {}) }),
  );
  const rendered = allValues.map((values) => ({ name: values.environment, rendered: renderEnvironment(values) }));
  return writeEnvironments(options.outDir ?? 'dist', rendered);
}
