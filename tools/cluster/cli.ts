// The `roleplane cluster up|down|status` commands (the commander wiring lives in the CLI).
//
// Progress goes to stderr; stdout carries only results, and `up` ends stdout with
// `KUBECONFIG=<path>` so scripts can `eval "$(roleplane cluster up | tail -n1)"` or export it.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cacheRoot, ensureBinaries, pinnedVersions } from './binaries.js';
import { loadValues } from '../../charts/values/load.js';
import { ENVIRONMENTS } from '../../charts/values/schema.js';
import {
  controlPlaneStatus,
  readClusterInfo,
  startControlPlane,
  statePaths,
  stopControlPlane,
  type ControlPlaneStatus,
} from './control-plane.js';
import { kubectl } from './kubectl.js';
import { prepareCluster } from './prepare.js';

export interface ClusterCommandOptions {
  /** State directory of the cluster; defaults to `${XDG_CACHE_HOME:-~/.cache}/roleplane/cluster`. */
  dir?: string;
  /** Progress messages (default: stderr). */
  log?: (line: string) => void;
  /** Results (default: stdout). */
  out?: (line: string) => void;
}

export interface ClusterUpOptions extends ClusterCommandOptions {
  /** Values file whose pools become fake nodes and whose storage classes are made. @default - built-in defaults */
  valuesFile?: string;
}

export function defaultClusterDir(): string {
  return join(cacheRoot(), 'cluster');
}

const stderrLog = (line: string): void => {
  process.stderr.write(`roleplane cluster: ${line}\n`);
};
const stdoutOut = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function resolveDir(dir: string | undefined): string {
  return resolve(dir ?? defaultClusterDir());
}

/** A path as one shell word: quoted only when it holds characters a shell would split or expand. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The checkout this code runs from: `roleplane cluster` is tooling, run from a checkout, never from the image. */
const CHECKOUT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The command that stops this cluster, as it can be typed where the user is: `roleplane` is on PATH only after
 * `npm link`, so the hint names `npm run cluster:down` inside the checkout and the CLI's path from anywhere.
 */
export function stopCommandHint(dir: string, cwd = process.cwd()): string {
  const dirArgs = resolve(dir) === resolve(defaultClusterDir()) ? '' : ` --dir ${shellWord(resolve(dir))}`;
  const bin = join(CHECKOUT_DIR, 'bin', 'roleplane.js');
  const cwdInCheckout = relative(CHECKOUT_DIR, resolve(cwd));
  if (cwdInCheckout.startsWith('..') || isAbsolute(cwdInCheckout)) return `${bin} cluster down${dirArgs}`;
  const binFromCwd = relative(cwd, bin);
  const shownBin = binFromCwd.startsWith('..') ? binFromCwd : `./${binFromCwd}`;
  return `npm run cluster:down${dirArgs === '' ? '' : ` --${dirArgs}`} (or ${shownBin} cluster down${dirArgs})`;
}

/**
 * Holds `<dir>/.lock` while `fn` runs, so two `up`/`down` on the same cluster cannot interleave.
 * A lock left by a process that no longer exists is taken over.
 */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = Number.parseInt(readFileSync(lock, 'utf8').trim(), 10);
      let alive = false;
      try {
        if (Number.isInteger(holder) && holder > 0) {
          process.kill(holder, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (alive)
        throw new Error(`another roleplane cluster command (pid ${holder}) is working on ${dir}`, { cause: err });
      unlinkSync(lock);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

export interface ClusterUpResult {
  stateDir: string;
  kubeconfigPath: string;
  apiServerUrl: string;
  /** Where kubectl and the other binaries of this cluster are. */
  binDir: string;
  /** True when the cluster was already up and nothing was started. */
  alreadyRunning: boolean;
  /** Seconds from the start of the command until the cluster was ready. */
  seconds: number;
}

/**
 * Starts the local cluster (building the binaries first if needed) and leaves it running.
 * If it already runs and is healthy, only reports it; a half-running one is restarted.
 */
export async function clusterUp(opts: ClusterUpOptions = {}): Promise<ClusterUpResult> {
  const dir = resolveDir(opts.dir);
  const log = opts.log ?? stderrLog;
  const out = opts.out ?? stdoutOut;
  const begin = Date.now();
  // Values first: a bad file must fail before anything starts.
  const values = ENVIRONMENTS.map((environment) =>
    loadValues({ environment, ...(opts.valuesFile ? { file: opts.valuesFile } : {}) }),
  );
  const result = await withLock(dir, async (): Promise<ClusterUpResult> => {
    const status = await controlPlaneStatus(dir);
    const info = readClusterInfo(dir);
    if (status.ready && status.kubeconfigPath !== null && status.apiServerUrl !== null && info !== null) {
      log(`already running in ${dir}`);
      await prepareCluster({ kubectl: kubectl(info.binDir, status.kubeconfigPath), values, log });
      return {
        stateDir: dir,
        kubeconfigPath: status.kubeconfigPath,
        apiServerUrl: status.apiServerUrl,
        binDir: info.binDir,
        alreadyRunning: true,
        seconds: (Date.now() - begin) / 1000,
      };
    }
    if (status.components.some((c) => c.running)) {
      log('some components are running but the cluster is not healthy; restarting it');
      await stopControlPlane(dir, { log });
    }
    const versions = pinnedVersions();
    log(`Kubernetes ${versions.kubernetes}, etcd ${versions.etcd}, kwok ${versions.kwok}; state in ${dir}`);
    const binDir = await ensureBinaries((line) => log(line));
    const cp = await startControlPlane({ stateDir: dir, binDir, log });
    try {
      await prepareCluster({ kubectl: kubectl(binDir, cp.kubeconfigPath), values, log });
    } catch (err) {
      await cp.stop();
      throw err;
    }
    const seconds = (Date.now() - begin) / 1000;
    log(`ready in ${seconds.toFixed(1)} s; stop it with: ${stopCommandHint(dir)}`);
    return {
      stateDir: dir,
      kubeconfigPath: cp.kubeconfigPath,
      apiServerUrl: cp.apiServerUrl,
      binDir,
      alreadyRunning: false,
      seconds,
    };
  });
  out(`KUBECONFIG=${result.kubeconfigPath}`);
  return result;
}

export interface ClusterDownResult {
  stateDir: string;
  stopped: string[];
  purged: boolean;
}

/**
 * Stops the cluster's processes by its PID file. The state (etcd data, certificates) is kept so
 * the next `up` brings the same cluster back, unless `purge` removes the state directory too.
 */
export async function clusterDown(opts: ClusterCommandOptions & { purge?: boolean } = {}): Promise<ClusterDownResult> {
  const dir = resolveDir(opts.dir);
  const log = opts.log ?? stderrLog;
  const out = opts.out ?? stdoutOut;
  if (!existsSync(dir)) {
    out(`no cluster in ${dir}`);
    return { stateDir: dir, stopped: [], purged: false };
  }
  const stopped = await withLock(dir, () => stopControlPlane(dir, { log }));
  let purged = false;
  if (opts.purge === true) {
    // Only a directory that looks like a cluster's state: never remove an arbitrary path.
    if (!existsSync(statePaths(dir).clusterInfo) && !existsSync(statePaths(dir).pidFile)) {
      throw new Error(`refusing to purge ${dir}: it holds no roleplane cluster state`);
    }
    rmSync(dir, { recursive: true, force: true });
    purged = true;
  }
  out(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : `nothing was running in ${dir}`);
  if (purged) out(`removed ${dir}`);
  return { stateDir: dir, stopped, purged };
}

/** Prints which components run and what their health endpoints answer; returns the same data. */
export async function clusterStatus(opts: ClusterCommandOptions = {}): Promise<ControlPlaneStatus> {
  const dir = resolveDir(opts.dir);
  const out = opts.out ?? stdoutOut;
  const status = await controlPlaneStatus(dir);
  out(`cluster ${dir}: ${status.ready ? 'ready' : status.components.some((c) => c.running) ? 'NOT READY' : 'stopped'}`);
  if (status.apiServerUrl) out(`apiserver ${status.apiServerUrl}`);
  const width = Math.max(...status.components.map((c) => c.name.length));
  for (const c of status.components) {
    const state = c.running ? `running (pid ${c.pid})` : 'stopped';
    const health = c.running ? `  health: ${c.health ?? 'not probed'}` : '';
    out(`  ${c.name.padEnd(width)}  ${state}${health}`);
  }
  if (status.kubeconfigPath) out(`KUBECONFIG=${status.kubeconfigPath}`);
  return status;
}
