/**
 * One real control plane per test run, started on first use and stopped after the run (its stop is registered
 * with test/run-teardown.ts only once it starts, so runs that never ask for it load none of tools/cluster).
 * Where the binaries are neither cached nor buildable (no Go, no KUBEBUILDER_ASSETS) the suites that need it
 * skip loudly; under CI=true that is a failure instead.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { locateBinaries } from '../../tools/cluster/binaries.js';
import { clusterDown, clusterUp } from '../../tools/cluster/cli.js';
import { type Kubectl, kubectl } from '../../tools/cluster/kubectl.js';
import { IN_CI, which } from '../helpers/binaries.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';
import { atRunEnd } from '../run-teardown.js';

export interface TestCluster {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly binDir: string;
  readonly kubectl: Kubectl;
  /** Seconds `cluster up` took in this run (includes a build when binaries were missing). */
  readonly upSeconds: number;
}

let shared: Promise<TestCluster> | undefined;

/**
 * A cold build of the control plane (empty Go build cache) took 9 min 8 s on a 2-core machine; waiting for another
 * process's build can add as much again. Later runs reuse the cache and start in seconds.
 */
const START_TIMEOUT_MS = 45 * 60_000;

/** How often a start that is still going says so on stderr, so a build or a wait for a lock is never silent. */
const PROGRESS_EVERY_MS = 30_000;

function minutesAndSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

async function start(dir: string): Promise<TestCluster> {
  const logFile = join(dir, 'up.log');
  const begin = Date.now();
  let lastLine = '(nothing yet)';
  const progress = setInterval(() => {
    process.stderr.write(
      `  test cluster: still starting after ${minutesAndSeconds(Date.now() - begin)} (log: ${logFile}); last: ${lastLine}\n`,
    );
  }, PROGRESS_EVERY_MS);
  progress.unref();
  try {
    const result = await clusterUp({
      dir,
      log: (line) => {
        lastLine = line;
        appendFileSync(logFile, `${line}\n`);
      },
      out: () => undefined,
    });
    return {
      dir,
      kubeconfigPath: result.kubeconfigPath,
      binDir: result.binDir,
      kubectl: kubectl(result.binDir, result.kubeconfigPath),
      upSeconds: result.seconds,
    };
  } finally {
    clearInterval(progress);
  }
}

/** Stops whatever `clusterUp` started in `dir` (nothing, if it failed early) and removes the directory. */
async function stop(dir: string): Promise<void> {
  try {
    await clusterDown({ dir, log: () => undefined, out: () => undefined });
  } finally {
    removeDir(dir);
  }
}

/** The shared cluster, or a loud skip when it cannot be had on this machine (never under CI=true). */
export async function useCluster(ctx: Context): Promise<TestCluster> {
  ctx.timeout(START_TIMEOUT_MS);
  const { missing } = locateBinaries();
  if (missing.length > 0 && !which('go')) {
    const message = `control plane binaries missing (${missing.join(', ')}) and no Go to build them; set KUBEBUILDER_ASSETS or install Go`;
    if (IN_CI) throw new Error(`${message} (CI=true: .ci/run must build them)`);
    process.stderr.write(`\n  SKIPPED (loudly): ${message}.\n\n`);
    ctx.skip();
  }
  if (!shared) {
    const dir = makeTempDir('test-cluster');
    atRunEnd(() => stop(dir));
    shared = start(dir);
  }
  return shared;
}
