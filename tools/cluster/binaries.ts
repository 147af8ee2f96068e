// Finding (and when needed building) the control plane binaries.
//
// Order of lookup, per binary: $KUBEBUILDER_ASSETS (the envtest convention, so a developer who
// already has envtest's etcd/kube-apiserver/kubectl uses them), then the version-keyed cache that
// tools/cluster/build.sh fills. Anything still missing is built by build.sh from the pinned Go modules.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BINARY_NAMES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

/** The file next to the kwok binary with the default kwok stages of the same kwok version. */
export const KWOK_STAGES_FILE = 'kwok-stages.yaml';

const clusterDir = dirname(fileURLToPath(import.meta.url));

/** Path of build.sh, which builds the binaries from tools/cluster/go. */
export const BUILD_SCRIPT = join(clusterDir, 'build.sh');

/** The versions pinned in tools/cluster/go/k8s/go.mod and tools/cluster/go/kwok/go.mod. */
export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
}

function requiredVersion(goModPath: string, module: string): string {
  const text = readFileSync(goModPath, 'utf8');
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  // Matches both `require m v1` and a line `\tm v1` inside a require block (not replace lines).
  const match = new RegExp(`^(?:require\\s+)?\\s*${escaped}\\s+(v[^\\s]+)\\s*(?://.*)?$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`binaries: ${goModPath} does not require ${module}`);
  return match[1];
}

export function pinnedVersions(): PinnedVersions {
  const k8sMod = join(clusterDir, 'go', 'k8s', 'go.mod');
  const kwokMod = join(clusterDir, 'go', 'kwok', 'go.mod');
  return {
    kubernetes: requiredVersion(k8sMod, 'k8s.io/kubernetes'),
    etcd: requiredVersion(k8sMod, 'go.etcd.io/etcd/server/v3'),
    kwok: requiredVersion(kwokMod, 'sigs.k8s.io/kwok'),
  };
}

/** `${XDG_CACHE_HOME:-~/.cache}/roleplane`, where build.sh and the default cluster live. */
export function cacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.cache'), 'roleplane');
}

/** The bin directory build.sh fills for the pinned Kubernetes version. */
export function cachedBinDir(): string {
  return join(cacheRoot(), `k8s-${pinnedVersions().kubernetes}`, 'bin');
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface LocatedBinaries {
  paths: Partial<Record<BinaryName, string>>;
  missing: BinaryName[];
}

/** Finds each binary in $KUBEBUILDER_ASSETS first, then in the cache; never builds. */
export function locateBinaries(): LocatedBinaries {
  const assets = process.env.KUBEBUILDER_ASSETS;
  const cache = cachedBinDir();
  const paths: Partial<Record<BinaryName, string>> = {};
  const missing: BinaryName[] = [];
  for (const name of BINARY_NAMES) {
    const candidates = [assets ? join(assets, name) : undefined, join(cache, name)];
    const found = candidates.find((p): p is string => p !== undefined && isExecutableFile(p));
    if (found) paths[name] = found;
    else missing.push(name);
  }
  return { paths, missing };
}

/** Checks that a bin directory holds all six binaries and the kwok stages; returns what is missing. */
export function missingFromBinDir(binDir: string): string[] {
  const missing: string[] = BINARY_NAMES.filter((name) => !isExecutableFile(join(binDir, name)));
  if (!existsSync(join(binDir, KWOK_STAGES_FILE))) missing.push(KWOK_STAGES_FILE);
  return missing;
}

/**
 * Runs build.sh and returns the bin directory it prints on its last line. Its progress (stderr)
 * goes to `log` line by line, because a cold build takes many minutes and silence looks hung.
 */
export function runBuildScript(log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail: string[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        log(line);
        stderrTail = [...stderrTail, line].slice(-30);
      }
    });
    child.on('error', (err: Error) => reject(new Error(`build.sh could not start: ${err.message}`)));
    child.on('close', (code: number | null) => {
      if (partial !== '') log(partial);
      if (code !== 0) {
        reject(new Error(`build.sh failed with exit code ${code}:\n${[...stderrTail, partial].join('\n').trim()}`));
        return;
      }
      const lines = stdout.trim().split('\n');
      const dir = lines[lines.length - 1]?.trim() ?? '';
      if (dir === '' || !existsSync(dir)) {
        reject(new Error(`build.sh printed no bin directory (stdout: ${JSON.stringify(stdout.trim())})`));
        return;
      }
      resolve(dir);
    });
  });
}

/**
 * Returns a bin directory holding all six binaries and the kwok stages. build.sh runs only when
 * something is missing from the cache, or when KUBEBUILDER_ASSETS is set (build.sh then gathers
 * the envtest binaries and ours into one directory; this takes milliseconds once built).
 */
export async function ensureBinaries(log: (line: string) => void): Promise<string> {
  const cache = cachedBinDir();
  const useAssets = (process.env.KUBEBUILDER_ASSETS ?? '') !== '';
  if (!useAssets && missingFromBinDir(cache).length === 0) return cache;
  const dir = await runBuildScript(log);
  const missing = missingFromBinDir(dir);
  if (missing.length > 0) throw new Error(`build.sh finished but ${dir} lacks ${missing.join(', ')}`);
  return dir;
}
