import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { PAGE_CACHE_METRIC } from '../../charts/exporter-sidecars.js';
import type { Manifest } from '../../charts/synth.js';
import { CACHE_LOG_PORT, NGINX_STATUS_PATH, NGINX_STATUS_PORT } from '../../charts/web-nginx-conf.js';
import { requireBinary } from '../helpers/binaries.js';
import { type Container, find, objectsOf, podTemplates } from '../helpers/manifests.js';
import { nginxConfOf, type RunningNginx, startNginx } from '../helpers/nginx.js';
import { freePort } from '../helpers/ports.js';
import { type ScriptedApp, startScriptedApp } from '../helpers/scripted-app.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

function containerOf(objects: readonly Manifest[], kind: string, name: string, namespace: string, container: string) {
  const pod = podTemplates([find(objects, kind, name, namespace)])[0]!;
  const found = pod.spec.containers.find((c) => c.name === container);
  if (!found) throw new Error(`${kind} ${namespace}/${name} has no container ${container}`);
  return found as Container & { ports?: Array<{ containerPort: number; name?: string }> };
}

/** One argument of a container, rewritten: the test runs what the pod runs, on the test's ports and paths. */
function rewriteArg(args: readonly string[], prefix: string, value: string): string[] {
  if (!args.some((a) => a.startsWith(prefix))) throw new Error(`no argument ${prefix}… in ${args.join(' ')}`);
  return args.map((a) => (a.startsWith(prefix) ? `${prefix}${value}` : a));
}

/** A process the test started, with its output for failure messages. */
class Process {
  output = '';
  private readonly child: ChildProcess;
  constructor(binary: string, args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(binary, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
  }
  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await done;
  }
}

/** `name{labels} value` lines of a /metrics answer → value by `name{labels}` (labels as written). */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

async function metricsOf(process: Process, url: string, name: string): Promise<Map<string, number>> {
  return waitFor(
    `${url} to serve ${name}`,
    20_000,
    async () => {
      if (process.exited) throw new Error(`exited: ${process.output}`);
      const samples = await scrape(url);
      return [...samples.keys()].some((k) => k.startsWith(name)) ? samples : undefined;
    },
    100,
  );
}

describe('the exporter sidecars in the manifests', () => {
  const prod = objectsOf('prod');

  it('give the web pod an nginx exporter on the loopback stub_status and an mtail on the cache log, with named metrics ports', () => {
    const exporter = containerOf(prod, 'Deployment', 'web', 'web', 'nginx-exporter');
    assert.ok(exporter.args!.includes(`--nginx.scrape-uri=http://127.0.0.1:${NGINX_STATUS_PORT}${NGINX_STATUS_PATH}`));
    assert.deepEqual(exporter.ports, [{ containerPort: 9113, name: 'nginx-metrics' }]);
    const mtail = containerOf(prod, 'Deployment', 'web', 'web', 'page-cache-exporter');
    assert.ok(mtail.args!.includes(`--logs=udp://127.0.0.1:${CACHE_LOG_PORT}`));
    assert.deepEqual(mtail.ports, [{ containerPort: 3903, name: 'cache-metrics' }]);
    const conf = nginxConfOf(prod);
    assert.match(conf, new RegExp(`listen 127\\.0\\.0\\.1:${NGINX_STATUS_PORT};`));
    assert.match(conf, new RegExp(`access_log syslog:server=127\\.0\\.0\\.1:${CACHE_LOG_PORT},`));
  });

  it('give Valkey a redis_exporter with the password from the Secret, never in a command line', () => {
    const exporter = containerOf(prod, 'StatefulSet', 'valkey', 'search', 'valkey-exporter');
    assert.deepEqual(exporter.env!.find((e) => e.name === 'REDIS_PASSWORD')!.valueFrom, {
      secretKeyRef: { name: 'valkey-auth', key: 'password' },
    });
    assert.equal(exporter.args, undefined);
    assert.deepEqual(exporter.ports, [{ containerPort: 9121, name: 'metrics' }]);
  });

  it('are not there with monitoring off, and nginx then sends no cache log', () => {
    const off = objectsOf('prod', { monitoring: { enabled: false } });
    const web = podTemplates([find(off, 'Deployment', 'web', 'web')])[0]!;
    const valkey = podTemplates([find(off, 'StatefulSet', 'valkey', 'search')])[0]!;
    assert.deepEqual(
      web.spec.containers.map((c) => c.name),
      ['nginx', 'app'],
    );
    assert.deepEqual(
      valkey.spec.containers.map((c) => c.name),
      ['valkey'],
    );
    assert.doesNotMatch(nginxConfOf(off), /syslog/);
    assert.equal(off.filter((o) => ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'].includes(o.kind)).length, 0);
  });
});

describe("the web pod's exporters, run for real (Debian's nginx, mtail and prometheus-nginx-exporter)", function () {
  this.timeout(60_000);
  const runDir = useTempDir('web-exporters', 'all');
  const prod = objectsOf('prod');
  let app: ScriptedApp | undefined;
  let nginx: RunningNginx | undefined;
  let mtail: Process | undefined;
  let exporter: Process | undefined;
  let mtailUrl: string;
  let exporterUrl: string;

  before(async function (this: Context) {
    const nginxBinary = requireBinary(this, ['nginx', '/usr/sbin/nginx'], 'the page cache runs in a real nginx');
    const mtailBinary = requireBinary(this, ['mtail'], "the page-cache counter is Debian's mtail");
    const exporterBinary = requireBinary(
      this,
      ['prometheus-nginx-exporter', 'nginx-prometheus-exporter'],
      "stub_status is read by Debian's prometheus-nginx-exporter",
    );
    const dir = runDir();
    const [statusPort, cacheLogPort, mtailPort, exporterPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];

    // mtail with the pod's arguments and the ConfigMap's program, on the test's ports.
    const progs = join(dir, 'mtail');
    mkdirSync(progs);
    const program = find(prod, 'ConfigMap', 'web-page-cache-mtail', 'web').data as Record<string, string>;
    for (const [file, text] of Object.entries(program)) writeFileSync(join(progs, file), text);
    let mtailArgs = containerOf(prod, 'Deployment', 'web', 'web', 'page-cache-exporter').args!;
    mtailArgs = rewriteArg(mtailArgs, '--progs=', progs);
    mtailArgs = rewriteArg(mtailArgs, '--logs=', `udp://127.0.0.1:${cacheLogPort}`);
    mtailArgs = rewriteArg(mtailArgs, '--port=', String(mtailPort));
    mtail = new Process(mtailBinary, [...mtailArgs, '--address=127.0.0.1']);
    mtailUrl = `http://127.0.0.1:${mtailPort}/metrics`;
    await waitFor(
      'mtail to listen',
      20_000,
      async () => {
        if (mtail!.exited) throw new Error(`mtail exited: ${mtail!.output}`);
        return (await fetch(mtailUrl)).ok ? true : undefined;
      },
      100,
    );

    app = await startScriptedApp();
    // nginx's workers run as nobody: they must reach the cache under the (private) temp directory.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'nginx'));
    nginx = await startNginx(nginxBinary, nginxConfOf(prod), join(dir, 'nginx'), app.port, {
      statusPort,
      cacheLogPort,
    });

    let exporterArgs = containerOf(prod, 'Deployment', 'web', 'web', 'nginx-exporter').args!;
    exporterArgs = rewriteArg(
      exporterArgs,
      '--nginx.scrape-uri=',
      `http://127.0.0.1:${statusPort}${NGINX_STATUS_PATH}`,
    );
    exporterArgs = rewriteArg(exporterArgs, '--web.listen-address=', `127.0.0.1:${exporterPort}`);
    exporter = new Process(exporterBinary, exporterArgs);
    exporterUrl = `http://127.0.0.1:${exporterPort}/metrics`;
  });

  afterEach(() => app?.recover());

  after(async () => {
    await exporter?.stop();
    await nginx?.stop();
    await mtail?.stop();
    await app?.close();
  });

  it('counts the page cache HIT, MISS and STALE responses nginx served', async () => {
    const url = '/products/counted?accel=1';
    // Each request on its own connection: nginx finishes (and logs) a request that started a background refresh only
    // once the refresh ends, and a shared keep-alive connection would tie the requests together.
    const get = async () => {
      const response = await fetch(`${nginx!.url}${url}`, { headers: { connection: 'close' } });
      await response.text();
      return response.headers.get('x-cache-status');
    };
    assert.equal(await get(), 'MISS');
    assert.equal(await get(), 'HIT');
    app!.fail(502);
    await waitFor('the stored page to expire and be served stale', 10_000, async () =>
      (await get()) === 'STALE' ? true : undefined,
    );
    let seen: Array<[string, number]> = [];
    const samples = await waitFor(
      'mtail to count the STALE response',
      20_000,
      async () => {
        const s = await scrape(mtailUrl);
        seen = [...s].filter(([k]) => k.startsWith(PAGE_CACHE_METRIC));
        return (s.get(`${PAGE_CACHE_METRIC}{cache_status="STALE"}`) ?? 0) >= 1 ? s : undefined;
      },
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; mtail counted ${JSON.stringify(seen)}; its log:\n${mtail!.output.slice(-1500)}`);
    });
    assert.equal(samples.get(`${PAGE_CACHE_METRIC}{cache_status="MISS"}`), 1);
    assert.ok((samples.get(`${PAGE_CACHE_METRIC}{cache_status="HIT"}`) ?? 0) >= 1);
    // The health path and the loopback stub_status are not page-cache responses.
    assert.deepEqual(
      [...samples.keys()].filter(
        (k) => k.startsWith(PAGE_CACHE_METRIC) && !/"(HIT|MISS|STALE|EXPIRED|UPDATING)"/.test(k),
      ),
      [],
    );
  });

  it('counts every response of a burst, not a sample of it (mtail reads one datagram per poll)', async () => {
    const url = '/products/burst';
    const hits = async () => (await scrape(mtailUrl)).get(`${PAGE_CACHE_METRIC}{cache_status="HIT"}`) ?? 0;
    await (await fetch(`${nginx!.url}${url}`)).text();
    const before = await hits();
    const burst = 200;
    const started = performance.now();
    // 20 at a time: as fast as nginx answers, well over the 4 lines a second mtail's default poll would count.
    for (let i = 0; i < burst; i += 20)
      await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`${nginx!.url}${url}`)).text()));
    const seconds = (performance.now() - started) / 1000;
    await waitFor(`mtail to count ${burst} more HITs`, 15_000, async () =>
      (await hits()) >= before + burst ? true : undefined,
    ).catch(async (err: Error) => {
      const m = await scrape(mtailUrl);
      throw new Error(
        `${err.message}: counted ${(await hits()) - before} in ${seconds.toFixed(2)} s; ${JSON.stringify([...m].filter(([k]) => k.startsWith(PAGE_CACHE_METRIC)))}`,
      );
    });
    assert.equal(await hits(), before + burst, `sent ${burst} in ${seconds.toFixed(2)} s`);
  });

  it("reads nginx's loopback stub_status: nginx_up 1 and the connections it accepted", async () => {
    const samples = await metricsOf(exporter!, exporterUrl, 'nginx_up');
    assert.equal(samples.get('nginx_up'), 1);
    assert.ok((samples.get('nginx_connections_accepted') ?? 0) >= 1);
  });
});

describe("the Valkey pod's exporter, run for real (Debian's prometheus-redis-exporter)", function () {
  this.timeout(60_000);
  const prod = objectsOf('prod');
  let server: Process | undefined;
  let exporter: Process | undefined;
  let url: string;

  before(async function (this: Context) {
    const serverBinary = requireBinary(this, ['valkey-server', 'redis-server'], 'Valkey is run for real');
    const exporterBinary = requireBinary(
      this,
      ['prometheus-redis-exporter', 'redis_exporter'],
      "Valkey's metrics come from Debian's prometheus-redis-exporter",
    );
    const [serverPort, exporterPort] = [await freePort(), await freePort()];
    server = new Process(serverBinary, [
      '--port',
      String(serverPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--requirepass',
      'test-password',
      '--maxmemory',
      '192mb',
    ]);
    const container = containerOf(prod, 'StatefulSet', 'valkey', 'search', 'valkey-exporter');
    // The pod's environment, with the Secret's value and the test's ports.
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.name === 'REDIS_PASSWORD') env[e.name] = 'test-password';
      else if (e.name === 'REDIS_ADDR') env[e.name] = e.value!.replace(/:\d+$/, `:${serverPort}`);
      else if (e.name === 'REDIS_EXPORTER_WEB_LISTEN_ADDRESS') env[e.name] = `127.0.0.1:${exporterPort}`;
      else env[e.name] = e.value ?? '';
    }
    assert.deepEqual(Object.keys(env).sort(), ['REDIS_ADDR', 'REDIS_EXPORTER_WEB_LISTEN_ADDRESS', 'REDIS_PASSWORD']);
    exporter = new Process(exporterBinary, [], env);
    url = `http://127.0.0.1:${exporterPort}/metrics`;
  });

  after(async () => {
    await exporter?.stop();
    await server?.stop();
  });

  it('logs in with the password and reports Valkey up and its maxmemory', async () => {
    const samples = await waitFor(
      'redis_up 1',
      20_000,
      async () => {
        if (exporter!.exited) throw new Error(`exporter exited: ${exporter!.output}`);
        const s = await scrape(url);
        return s.get('redis_up') === 1 ? s : undefined;
      },
      100,
    );
    assert.equal(samples.get('redis_memory_max_bytes'), 192 * 1024 * 1024);
  });

  it('reports redis_up 0 once the server is gone (what RoleplaneValkeyDown fires on)', async () => {
    await server!.stop();
    await waitFor(
      'redis_up 0',
      20_000,
      async () => ((await scrape(url)).get('redis_up') === 0 ? true : undefined),
      100,
    );
  });
});
