import { spawnSync } from 'node:child_process';
import type { Context } from 'mocha';

/** Whether this run is CI's, where a missing server binary is a failure rather than a skip. */
export const IN_CI = process.env.CI === 'true';

/** Finds a binary on PATH. */
export function which(name: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * The first binary found among `names`, or skips the suite loudly; under CI=true it throws instead, because
 * there a missing part is a failure (.ci/run installs it).
 */
export function requireBinary(ctx: Context, names: readonly string[], why: string): string {
  for (const name of names) {
    const path = which(name);
    if (path) return path;
  }
  const message = `${names.join(' or ')} not found: ${why}`;
  if (IN_CI) throw new Error(`${message} (CI=true: .ci/run must install it)`);
  process.stderr.write(`\n  SKIPPED (loudly): ${message}. Install it to run these tests.\n\n`);
  ctx.skip();
}
