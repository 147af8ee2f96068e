import { spawnSync } from 'node:child_process';

/**
 * Installs Debian packages a benchmark needs (python3-numpy for the numpy peer, wrk for the HTTP load), so a
 * benchmark sets itself up. Only as root (CI images, a throwaway machine); otherwise the error says what to run.
 */
export function aptInstall(packages: readonly string[], log: (message: string) => void): void {
  const list = packages.join(' ');
  if (process.getuid?.() !== 0)
    throw new Error(`missing ${list}: run \`sudo apt-get install -y ${list}\`, then the benchmark again`);
  log(`installing ${list} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const argv of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
  ]) {
    const result = spawnSync('apt-get', argv, { env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
    if (result.status !== 0)
      throw new Error(
        `apt-get ${argv.join(' ')} failed (${result.status ?? result.error?.message}); install ${list} by hand`,
      );
  }
}
