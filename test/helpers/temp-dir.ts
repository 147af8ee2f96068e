import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty directory under the system's temp directory, named `roleplane-<name>-XXXXXX`. */
export function makeTempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `roleplane-${name}-`));
}

/** Removes a directory and everything in it; a missing one is fine. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/**
 * Registers mocha hooks that give each test a fresh directory (or, with scope `all`, one for the whole suite) and
 * remove it afterwards, pass or fail. Call it inside a `describe`; the returned function reads the current one.
 */
export function useTempDir(name: string, scope: 'each' | 'all' = 'each'): () => string {
  let current: string | undefined;
  const [setUp, tearDown] = scope === 'each' ? [beforeEach, afterEach] : [before, after];
  setUp(() => {
    current = makeTempDir(name);
  });
  tearDown(() => {
    if (current !== undefined) removeDir(current);
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error(`useTempDir(${name}): read outside a test or hook of its suite`);
    return current;
  };
}
