import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CACHE_LOG_PORT,
  NGINX_CACHE_DIR,
  NGINX_HEALTH_PATH,
  NGINX_PORT,
  NGINX_STATUS_PORT,
} from '../../charts/web-nginx-conf.js';
import type { Manifest } from '../../charts/synth.js';
import { find } from './manifests.js';
import { freePort } from './ports.js';
import { waitUntil } from './wait.js';

/** The nginx.conf the web chart put in its ConfigMap: what the pod runs, byte for byte. */
export function nginxConfOf(objects: readonly Manifest[], namespace = 'web'): string {
  const data = find(objects, 'ConfigMap', 'web-nginx', namespace).data as Record<string, string> | undefined;
  const conf = data?.['nginx.conf'];
  if (conf === undefined) throw new Error(`ConfigMap ${namespace}/web-nginx has no nginx.conf`);
  return conf;
}

function replaceOnce(text: string, search: string, replacement: string): string {
  if (!text.includes(search)) throw new Error(`the generated nginx.conf no longer contains "${search}"`);
  return text.replace(search, replacement);
}

/**
 * The pod's config made runnable on loopback, and nothing else changed: the pod's paths (/tmp, the cache volume,
 * and /dev/std*, which node's socket stdio cannot reopen) move under `dir`, nginx listens on `nginxPort` and its
 * upstream is `appPort`. The loopback-only stub_status moves to `statusPort` (or a unix socket under `dir`, so that two
 * nginx never collide on it), the cache log to `cacheLogPort` when the config has one. A pattern that is missing
 * throws, so the test cannot silently run a different config.
 */
export function runnableNginxConf(
  conf: string,
  {
    dir,
    nginxPort,
    appPort,
    statusPort,
    cacheLogPort,
  }: { dir: string; nginxPort: number; appPort: number; statusPort?: number; cacheLogPort?: number },
): string {
  let local = conf
    .replaceAll('/tmp/', `${dir}/`)
    .replaceAll(NGINX_CACHE_DIR, join(dir, 'cache'))
    .replaceAll(/\/dev\/std(err|out)/g, join(dir, 'std$1.log'));
  local = replaceOnce(local, `listen ${NGINX_PORT};`, `listen 127.0.0.1:${nginxPort};`);
  local = replaceOnce(local, `listen [::]:${NGINX_PORT};`, '');
  local = replaceOnce(
    local,
    `listen 127.0.0.1:${NGINX_STATUS_PORT};`,
    statusPort === undefined ? `listen unix:${dir}/status.sock;` : `listen 127.0.0.1:${statusPort};`,
  );
  // Without a port to send the cache log to, it goes to a socket in `dir` nothing listens on (nginx logs the failed
  // send and serves on), never to the pod's port, where something else on this machine could listen.
  if (local.includes(`server=127.0.0.1:${CACHE_LOG_PORT},`)) {
    local = replaceOnce(
      local,
      `server=127.0.0.1:${CACHE_LOG_PORT},`,
      cacheLogPort === undefined ? `server=unix:${dir}/cache-log.sock,` : `server=127.0.0.1:${cacheLogPort},`,
    );
  }
  local = replaceOnce(local, 'worker_processes auto;', 'worker_processes 1;\ndaemon off;');
  const upstream = /server 127\.0\.0\.1:\d+;/;
  if (!upstream.test(local)) throw new Error('the generated nginx.conf no longer has a loopback upstream server');
  return local.replace(upstream, `server 127.0.0.1:${appPort};`);
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with the pod's config (see runnableNginxConf) and waits for its health path.
 * `ports` moves stub_status and the cache log to ports the test listens on.
 */
export async function startNginx(
  binary: string,
  conf: string,
  dir: string,
  appPort: number,
  ports: { statusPort?: number; cacheLogPort?: number } = {},
): Promise<RunningNginx> {
  const nginxPort = await freePort();
  mkdirSync(join(dir, 'cache'));
  // Run as root, nginx's workers drop to "nobody": let them write the cache as the pod's non-root user would.
  chmodSync(dir, 0o777);
  chmodSync(join(dir, 'cache'), 0o777);
  writeFileSync(join(dir, 'nginx.conf'), runnableNginxConf(conf, { dir, nginxPort, appPort, ...ports }));
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${nginxPort}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntil(`nginx to answer ${NGINX_HEALTH_PATH}`, 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode} (see ${dir}/error.log)`);
      return (await fetch(`${url}${NGINX_HEALTH_PATH}`)).ok;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}
