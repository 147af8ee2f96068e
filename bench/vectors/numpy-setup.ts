import { spawnSync } from 'node:child_process';
import { findNumpyPython } from '../../test/helpers/python.js';

/**
 * The numpy peer needs python3 with numpy. When it is missing and we are root (CI images, this VM), Debian's
 * python3-numpy is installed with apt-get, as the issue asks of the benchmark's setup; otherwise the error says
 * what to run.
 */
export function ensureNumpyPython(log: (message: string) => void): string {
  const found = findNumpyPython();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('no python3 with numpy: run `sudo apt-get install -y python3-numpy`, then the benchmark again');
  log('python3-numpy is missing; installing it with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const argv of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'python3-numpy']]) {
    const result = spawnSync('apt-get', argv, { env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
    if (result.status !== 0) throw new Error(`apt-get ${argv.join(' ')} failed (${result.status ?? result.error?.message}); install python3-numpy by hand`);
  }
  const installed = findNumpyPython();
  if (!installed) throw new Error('apt-get installed python3-numpy but no python3 can import numpy');
  return installed;
}
