import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { defaultValues } from './environments.js';
import { ENVIRONMENTS, type EnvironmentName, type Values, valuesSchema } from './schema.js';

/** Environment variable naming a values file, for when `--values` cannot be passed (e.g. `npm run synth`). */
export const VALUES_FILE_ENV = 'ROLEPLANE_VALUES';

/** Top-level key of a values file whose contents apply to every environment before the environment's own section. */
export const ALL_ENVIRONMENTS_KEY = 'all';

/** A values problem, with every offending key path and reason in the message. */
export class ValuesError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid values (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ValuesError';
  }
}

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars replace, as in Helm. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isTree(base) || !isTree(override)) return override === undefined ? base : override;
  const merged: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeValues(base[key], value);
  return merged;
}

/** Reads a values file: `{all?: {...}, prod?: {...}, staging?: {...}, dev?: {...}}`. */
export function readValuesFile(path: string): Partial<Record<EnvironmentName | typeof ALL_ENVIRONMENTS_KEY, Tree>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValuesError(path, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ValuesError(
      path,
      doc.errors.map((e) => `YAML ${e.code} at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  const content: unknown = doc.toJS();
  if (content === null || content === undefined) return {};
  if (!isTree(content)) throw new ValuesError(path, ['the file must be a mapping of environment names to values']);
  const allowed = [ALL_ENVIRONMENTS_KEY, ...ENVIRONMENTS];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(content)) {
    if (!allowed.includes(key)) problems.push(`${key}: unknown environment (expected one of ${allowed.join(', ')})`);
    else if (value !== null && !isTree(value)) problems.push(`${key}: must be a mapping of values`);
  }
  if (problems.length > 0) throw new ValuesError(path, problems);
  return content;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${path === '(root)' ? '' : `${path}.`}${issue.keys.join(', ')}: unknown key (typo?)`;
    }
    return `${path}: ${issue.message} (got ${describe(valueAt(input, issue.path))})`;
  });
}

/** Validates a merged values tree; throws a ValuesError naming each key path and reason. */
export function validateValues(input: unknown, source: string): Values {
  const result = valuesSchema.safeParse(input);
  if (!result.success) throw new ValuesError(source, formatIssues(result.error.issues, input));
  return result.data;
}

export interface LoadValuesOptions {
  readonly environment: EnvironmentName;
  /** A values file to merge on top of the built-in defaults. @default - none */
  readonly file?: string;
}

/** Built-in defaults for the environment, then the file's `all` section, then its environment section. */
export function loadValues({ environment, file }: LoadValuesOptions): Values {
  let merged: unknown = defaultValues(environment);
  if (file !== undefined) {
    const sections = readValuesFile(file);
    merged = mergeValues(merged, sections[ALL_ENVIRONMENTS_KEY] ?? {});
    merged = mergeValues(merged, sections[environment] ?? {});
  }
  if (isTree(merged) && merged.environment !== environment) {
    throw new ValuesError(file ?? 'defaults', [
      `environment: must be "${environment}" (got ${describe(merged.environment)})`,
    ]);
  }
  return validateValues(
    merged,
    file === undefined ? `defaults for ${environment}` : `${file}, environment ${environment}`,
  );
}
