import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/** The repository root, for paths relative to it. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface ImportEdge {
  /** Repository-relative path of the imported file. */
  readonly to: string;
  /** Inside the CLI's `component(...)` guard: the command says it is not installed when the file is missing. */
  readonly isOptional: boolean;
}

// `import x from '…'`, `export … from '…'`, `import('…')`; `import type` is erased at run time and not followed.
const SPECIFIER = /(?:^\s*(import(?!\s+type\b)|export)\b[^'"]*?from\s*|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative imports of one source file that load at run time. */
export function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[2] as string;
    let target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), specifier));
    if (target.endsWith('.js') && !existsSync(join(REPO_ROOT, target))) target = `${target.slice(0, -3)}.ts`;
    const line = text.slice(text.lastIndexOf('\n', match.index) + 1, text.indexOf('\n', match.index));
    edges.push({ to: target, isOptional: /\bcomponent\(/.test(line) });
  }
  return edges;
}

/** Every file reachable from `entries` through imports that load at run time, optional ones excluded. */
export function reachableFiles(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of importsOf(file)) if (!edge.isOptional) pending.push(edge.to);
  }
  return seen;
}

// Bare specifiers: `from '…'`, `import('…')`, `require('…')` and `require.resolve('…')` (createRequire).
const BARE =
  /(?:^\s*(?:import(?!\s+type\b)|export)\b[^'"]*?from\s*|import\s*\(\s*|\brequire(?:\.resolve)?\(\s*)['"]([^./'"][^'"]*)['"]/gm;

/** The npm packages `files` load at run time (`@scope/name` or `name`), Node's built-in modules left out. */
export function packagesOf(files: Iterable<string>): Set<string> {
  const packages = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(BARE)) {
      const specifier = match[1] as string;
      if (isBuiltin(specifier)) continue;
      const parts = specifier.split('/');
      packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
    }
  }
  return packages;
}
