import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { buildCharts } from './index.js';
import type { Values } from './values/schema.js';

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** One environment's output: file path (relative to `dist/<env>/`) → its objects. */
export type RenderedEnvironment = ReadonlyArray<{ readonly file: string; readonly objects: readonly Manifest[] }>;

/** Builds the charts in memory and resolves them to plain objects; writes nothing. */
export function renderEnvironment(values: Values): RenderedEnvironment {
  const app = new App({ outdir: '/nonexistent' });
  return buildCharts(app, values).map(({ file, chart }) => ({ file, objects: chart.toJson() as Manifest[] }));
}

/** Multi-document YAML, stable across runs (no line folding, keys in construction order). */
export function toYaml(objects: readonly Manifest[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/**
 * Writes `<outDir>/<env>/` for each rendered environment. Everything is rendered before anything is written, and
 * each environment's folder is swapped in with a rename, so a failure leaves the previous output whole.
 */
export function writeEnvironments(
  outDir: string,
  environments: ReadonlyArray<{ name: string; rendered: RenderedEnvironment }>,
): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const staged = environments.map(({ name, rendered }) => {
    const staging = join(outDir, `.${name}.tmp-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    for (const { file, objects } of rendered) {
      const path = join(staging, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, toYaml(objects));
    }
    return { staging, target: join(outDir, name) };
  });
  for (const { staging, target } of staged) {
    const old = `${target}.old-${process.pid}`;
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(target, old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    renameSync(staging, target);
    rmSync(old, { recursive: true, force: true });
    written.push(target);
  }
  return written;
}
