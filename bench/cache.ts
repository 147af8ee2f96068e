/**
 * `npm run bench:cache -- [--n 65536] [--dim 128] [--connections 4,32] [--duration 30] [--queries 200] [--json]`
 *
 * The search service with a real Valkey (valkey-server, else redis-server, on a free port), the way a pod runs it,
 * under wrk: does the cache stay on while the server is healthy, and does the service keep answering when it is
 * not? The index is the demo catalog with a `--dim` variant of the tiny model (cached, as for bench:http).
 *
 *  1. healthy, at each `--connections`: `--queries` distinct queries (every one searched once first, so the
 *     embedding cache is warm), `--duration` seconds. Printed from the service's own /metrics, before and after:
 *     the share of searches that used the cache (hit or miss, not "off"), breaker openings, cache calls that
 *     timed out or failed, popularity updates lost, and the event loop's lag (p99);
 *  2. Valkey killed (SIGKILL) a third into a run and started again two thirds in: failed requests, the slowest,
 *     and how long after the restart the cache was in use again;
 *  3. Valkey hung (SIGSTOP) for the middle third of a run, then resumed: the same.
 * All wrk requests come from one client, so searches are counted (as candidates) but never promoted; what is
 * measured is that no count is lost on the way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demoIndex } from './common/demo-index.js';
import { positiveIntArg, printTable } from './common/report.js';
import { ensureWrk, runWrk, scrapeMetrics, startService, type ServiceProcess } from './common/service.js';
import { ADJECTIVES, CATEGORIES } from '../tools/search-demo/vocabulary.js';
import { Prng } from '../workloads/search/index/serve/ann/prng.js';
import { which } from '../test/helpers/binaries.js';
import { freePort } from '../test/helpers/ports.js';
import { RedisServer } from '../test/helpers/redis-server.js';
import { waitFor } from '../test/helpers/wait.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '65536' },
    dim: { type: 'string', default: '128' },
    connections: { type: 'string', default: '4,32' },
    duration: { type: 'string', default: '30' },
    queries: { type: 'string', default: '200' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = positiveIntArg('n', args.n);
const DIM = positiveIntArg('dim', args.dim);
const CONNECTIONS = args.connections.split(',').map((c) => positiveIntArg('connections', c));
const DURATION = positiveIntArg('duration', args.duration);
const QUERIES = positiveIntArg('queries', args.queries);
const OUTAGE_CONNECTIONS = Math.max(...CONNECTIONS);

const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);

/** Distinct free-text queries from the demo vocabulary (fixed seed). */
function queries(): string[] {
  const prng = new Prng(11);
  const out = new Set<string>();
  while (out.size < QUERIES) {
    const category = prng.pick(CATEGORIES);
    out.add(`${prng.pick(ADJECTIVES).toLowerCase()} ${prng.pick(category.phrases)}`);
  }
  return [...out];
}

/** Waits out one popularity flush interval (1 s by default), so counts land in the row they belong to. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1500));
}

type Metrics = Map<string, number>;
const delta = (after: Metrics, before: Metrics, name: string): number =>
  (after.get(name) ?? 0) - (before.get(name) ?? 0);

interface HealthyRow {
  readonly connections: number;
  readonly rps: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly searches: number;
  readonly cacheUsedPercent: number;
  readonly off: number;
  readonly breakerOpened: number;
  readonly timeouts: number;
  readonly failures: number;
  readonly popularRecorded: number;
  readonly popularLostPercent: number;
  readonly eventLoopLagP99Ms: number;
}

function healthyRow(
  connections: number,
  wrk: Awaited<ReturnType<typeof runWrk>>,
  before: Metrics,
  after: Metrics,
): HealthyRow {
  const lookups = (outcome: string): number =>
    delta(after, before, `roleplane_search_cache_lookups_total{outcome="${outcome}"}`);
  const calls = (result: string): number =>
    ['get_embedding', 'set_embedding', 'record_queries', 'popular_queries'].reduce(
      (sum, operation) =>
        sum +
        delta(after, before, `roleplane_search_cache_requests_total{operation="${operation}",result="${result}"}`),
      0,
    );
  const searches = lookups('hit') + lookups('miss') + lookups('off');
  const recorded = delta(after, before, 'roleplane_search_popular_updates_total{result="recorded"}');
  const dropped = delta(after, before, 'roleplane_search_popular_updates_total{result="dropped"}');
  return {
    connections,
    rps: wrk.rps,
    p99Ms: wrk.p99Ms,
    errors: wrk.errors,
    searches,
    cacheUsedPercent: searches === 0 ? 0 : (100 * (lookups('hit') + lookups('miss'))) / searches,
    off: lookups('off'),
    breakerOpened: delta(after, before, 'roleplane_search_cache_breaker_opened_total'),
    timeouts: calls('timeout'),
    failures: calls('error'),
    popularRecorded: recorded,
    popularLostPercent: recorded + dropped === 0 ? 0 : (100 * dropped) / (recorded + dropped),
    // prom-client resets the lag histogram at every scrape: this is the run's.
    eventLoopLagP99Ms: (after.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000,
  };
}

interface OutageRow {
  readonly what: string;
  readonly requests: number;
  readonly errors: number;
  readonly p99Ms: number;
  readonly off: number;
  readonly backAfterMs: number;
}

/** wrk for DURATION s while `breakAt` runs a third in and `mendAt` two thirds in; then how long until the cache is used. */
async function outage(
  what: string,
  service: ServiceProcess,
  paths: readonly string[],
  scriptDir: string,
  breakAt: () => Promise<void> | void,
  mendAt: () => Promise<void> | void,
): Promise<OutageRow> {
  const before = await scrapeMetrics(service.base);
  const run = runWrk({
    base: service.base,
    paths,
    connections: OUTAGE_CONNECTIONS,
    seconds: DURATION,
    scriptPath: join(scriptDir, `${what}.lua`),
  });
  await new Promise((resolve) => setTimeout(resolve, (DURATION * 1000) / 3));
  await breakAt();
  await new Promise((resolve) => setTimeout(resolve, (DURATION * 1000) / 3));
  await mendAt();
  const mended = performance.now();
  await waitFor(
    'the cache to be used again',
    30_000,
    async () => ((await scrapeMetrics(service.base)).get('roleplane_search_cache_available') === 1 ? true : undefined),
    20,
  );
  const backAfterMs = performance.now() - mended;
  const wrk = await run;
  const after = await scrapeMetrics(service.base);
  return {
    what,
    requests: wrk.requests,
    errors: wrk.errors,
    p99Ms: wrk.p99Ms,
    off: delta(after, before, 'roleplane_search_cache_lookups_total{outcome="off"}'),
    backAfterMs,
  };
}

async function main(): Promise<void> {
  ensureWrk(log);
  const binary = which('valkey-server') ?? which('redis-server');
  if (!binary)
    throw new Error('neither valkey-server nor redis-server is installed (Debian: apt-get install redis-server)');
  const { indexDir, modelDir } = await demoIndex({ n: N, dim: DIM, ...(args.dir ? { dir: args.dir } : {}), log });
  const valkey = await RedisServer.start(binary, await freePort());
  log(`${binary} on ${valkey.url}`);
  const service = await startService({ indexDir, modelDir, env: { SEARCH_VALKEY_URL: valkey.url } });
  const scriptDir = mkdtempSync(join(tmpdir(), 'roleplane-bench-cache-'));
  const paths = queries().map((q) => `/search?q=${encodeURIComponent(q)}`);
  const healthy: HealthyRow[] = [];
  const outages: OutageRow[] = [];
  try {
    for (const path of paths) await (await fetch(`${service.base}${path}`)).arrayBuffer();
    await settle();
    for (const connections of CONNECTIONS) {
      log(`healthy Valkey, ${connections} connections, ${DURATION} s`);
      const before = await scrapeMetrics(service.base);
      const wrk = await runWrk({
        base: service.base,
        paths,
        connections,
        seconds: DURATION,
        scriptPath: join(scriptDir, `healthy-${connections}.lua`),
      });
      await settle();
      healthy.push(healthyRow(connections, wrk, before, await scrapeMetrics(service.base)));
    }
    log(`Valkey killed and restarted, ${OUTAGE_CONNECTIONS} connections, ${DURATION} s`);
    outages.push(
      await outage(
        'killed (SIGKILL), restarted',
        service,
        paths,
        scriptDir,
        () => valkey.kill('SIGKILL'),
        () => valkey.restart(),
      ),
    );
    log(`Valkey hung and resumed, ${OUTAGE_CONNECTIONS} connections, ${DURATION} s`);
    outages.push(
      await outage(
        'hung (SIGSTOP), resumed',
        service,
        paths,
        scriptDir,
        () => valkey.pause(),
        () => valkey.resume(),
      ),
    );
  } finally {
    await service.stop();
    await valkey.stop();
    rmSync(scriptDir, { recursive: true, force: true });
  }

  if (args.json) {
    process.stdout.write(`${JSON.stringify({ n: N, dim: DIM, duration: DURATION, healthy, outages })}\n`);
    return;
  }
  process.stdout.write(
    `/search with Valkey (${binary}), ${N} products x ${DIM} dimensions, ${QUERIES} distinct queries, ${DURATION} s per row\n\n`,
  );
  process.stdout.write('healthy Valkey\n');
  printTable([
    [
      'connections',
      'req/s',
      'p99 ms',
      'errors',
      'searches',
      'used the cache',
      'off',
      'breaker opened',
      'timeouts',
      'failures',
      'popularity counted',
      'popularity lost',
      'loop lag p99 ms',
    ],
    ...healthy.map((r) => [
      String(r.connections),
      r.rps.toFixed(0),
      r.p99Ms.toFixed(1),
      String(r.errors),
      String(r.searches),
      `${r.cacheUsedPercent.toFixed(2)} %`,
      String(r.off),
      String(r.breakerOpened),
      String(r.timeouts),
      String(r.failures),
      String(r.popularRecorded),
      `${r.popularLostPercent.toFixed(2)} %`,
      r.eventLoopLagP99Ms.toFixed(1),
    ]),
  ]);
  process.stdout.write(
    `\nValkey failing (${OUTAGE_CONNECTIONS} connections; broken a third in, mended two thirds in)\n`,
  );
  printTable([
    ['Valkey', 'requests', 'failed', 'p99 ms', 'searches without the cache', 'cache in use again after'],
    ...outages.map((o) => [
      o.what,
      String(o.requests),
      String(o.errors),
      o.p99Ms.toFixed(1),
      String(o.off),
      `${(o.backAfterMs / 1000).toFixed(2)} s`,
    ]),
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
