/**
 * One real control plane per test run, started on first use and stopped by the root hook (test/hooks.ts).
 * Where the binaries are neither cached nor buildable (no Go, no KUBEBUILDER_ASSETS) the suites that need it
 * skip loudly; under CI=true that is a failure instead.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { locateBinaries } from '../../cluster/binaries.js';
import { clusterDown, clusterUp } from '../../cluster/cli.js';
import { type Kubectl, kubectl } from '../../cluster/kubectl.js';
import { IN_CI, which } from '../helpers/binaries.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export interface TestCluster {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly binDir: string;
  readonly kubectl: Kubectl;
  /** Seconds `cluster up` took in this run (includes a build when binaries were missing). */
  readonly upSeconds: number;
}

let shared: Promise<TestCluster> | undefined;
let sharedDir: string | undefined;

/** A cold build of the control plane takes ~10 minutes on 2 cores; later runs reuse the cache. */
const START_TIMEOUT_MS = 45 * 60_000;

async function start(): Promise<TestCluster> {
  const dir = makeTempDir('test-cluster');
  sharedDir = dir;
  const logFile = join(dir, 'up.log');
  const result = await clusterUp({ dir, log: (line) => appendFileSync(logFile, `${line}\n`), out: () => undefined });
  return {
    dir,
    kubeconfigPath: result.kubeconfigPath,
    binDir: result.binDir,
    kubectl: kubectl(result.binDir, result.kubeconfigPath),
    upSeconds: result.seconds,
  };
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
  shared ??= start();
  return shared;
}

/** Stops the shared cluster if this run started one. */
export async function stopSharedCluster(): Promise<void> {
  if (!shared || !sharedDir) return;
  const dir = sharedDir;
  shared = undefined;
  sharedDir = undefined;
  await clusterDown({ dir, purge: true, log: () => undefined, out: () => undefined });
}
