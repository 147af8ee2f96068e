/**
 * The numpy peer must run on OpenBLAS (the baseline worth comparing with: numpy/OpenBLAS on every core). Debian's numpy
 * uses whatever `libblas.so.3` the alternatives system points at; on a machine with only `libblas3` that is the
 * single-threaded reference BLAS (~10x slower here), which would flatter roleplane. So: if numpy already loads
 * OpenBLAS, use it; else use Debian's libopenblas0-pthread unpacked (apt-get download + dpkg -x, no install)
 * into a cache folder and put it first on LD_LIBRARY_PATH for the numpy subprocess only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const PACKAGE = 'libopenblas0-pthread';
const LIB_SUBDIR = join('usr', 'lib', 'x86_64-linux-gnu', 'openblas-pthread');

export interface BlasChoice {
  /** Extra environment for the numpy subprocess (LD_LIBRARY_PATH), empty when the system BLAS is OpenBLAS. */
  readonly env: Record<string, string>;
  readonly note: string;
}

function numpyLoadsOpenblas(python: string): boolean {
  const probe = spawnSync(
    python,
    ['-c', "import numpy, re; print(any('openblas' in l for l in open('/proc/self/maps')))"],
    { encoding: 'utf8' },
  );
  return probe.status === 0 && probe.stdout.trim() === 'True';
}

/** Finds or fetches an OpenBLAS for numpy; `undefined` when neither works (the caller then says so loudly). */
export function chooseOpenblas(
  python: string,
  cacheDir = join(homedir(), '.cache', 'roleplane-bench', 'openblas'),
): BlasChoice | undefined {
  if (numpyLoadsOpenblas(python)) return { env: {}, note: 'system OpenBLAS' };
  const libDir = join(cacheDir, 'root', LIB_SUBDIR);
  if (!existsSync(join(libDir, 'libblas.so.3'))) {
    mkdirSync(cacheDir, { recursive: true });
    process.stderr.write(
      `bench: numpy uses the reference BLAS here; fetching ${PACKAGE} into ${cacheDir} (unpacked, not installed)\n`,
    );
    const download = spawnSync('apt-get', ['download', PACKAGE], { cwd: cacheDir, encoding: 'utf8', timeout: 120_000 });
    const deb = readdirSync(cacheDir).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
    if (!deb) {
      process.stderr.write(`bench: apt-get download ${PACKAGE} failed: ${download.stderr ?? download.error}\n`);
      return undefined;
    }
    const unpack = spawnSync('dpkg', ['-x', deb, 'root'], { cwd: cacheDir, encoding: 'utf8' });
    if (unpack.status !== 0) {
      process.stderr.write(`bench: dpkg -x ${deb} failed: ${unpack.stderr}\n`);
      return undefined;
    }
  }
  const env = { LD_LIBRARY_PATH: [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const probe = spawnSync(
    python,
    ['-c', "import numpy, re; print(any('openblas' in l for l in open('/proc/self/maps')))"],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    },
  );
  if (probe.status !== 0 || probe.stdout.trim() !== 'True') return undefined;
  return { env, note: `Debian ${PACKAGE} unpacked in ${cacheDir}` };
}
