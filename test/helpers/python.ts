import { spawnSync } from 'node:child_process';
import type { Context } from 'mocha';
import { IN_CI } from './binaries.js';

/**
 * Pythons to try for numpy, in order: Debian's /usr/bin/python3 (where apt's python3-numpy lands), then
 * whatever python3 is on PATH (often a pyenv build without numpy).
 */
export const NUMPY_PYTHONS = ['/usr/bin/python3', 'python3'] as const;

/** The first python among `candidates` that can `import numpy`. */
export function findNumpyPython(candidates: readonly string[] = NUMPY_PYTHONS): string | undefined {
  for (const python of candidates) {
    const result = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (result.status === 0) return python;
  }
  return undefined;
}

/**
 * A python with numpy, or skips the suite loudly; under CI=true it throws instead, as `requireBinary` does,
 * because there a missing python3-numpy is a failure (.ci/run installs it).
 */
export function requireNumpyPython(ctx: Context, why: string): string {
  const python = findNumpyPython();
  if (python) return python;
  const message = `no python with numpy among ${NUMPY_PYTHONS.join(', ')}: ${why}`;
  if (IN_CI) throw new Error(`${message} (CI=true: .ci/run must install python3-numpy)`);
  process.stderr.write(
    `\n  SKIPPED (loudly): ${message}. Install it (apt-get install -y python3-numpy) to run these tests.\n\n`,
  );
  ctx.skip();
}

/** Runs a python script, failing with its stderr when it exits non-zero. */
export function runPython(python: string, script: string, args: readonly string[] = []): string {
  const result = spawnSync(python, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${python} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}
