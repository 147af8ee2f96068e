/**
 * `npm run bench:embed -- [--seed 1] [--queries 200] [--concurrency 32] [--texts 256] [--products 2048]
 *                         [--requests 200] [--concurrent-requests 512] [--dir <cache>] [--json]`
 *
 * The real cost of a query-embedding cache miss. The tiny model embeds a query in well under a millisecond; a
 * 768-dimension sentence encoder is most of a cold query. No trained weights can be downloaded here, so this
 * builds (once, cached under ~/.cache/roleplane-bench/embed-…) a model with BERT-base's exact shape and random
 * weights (tools/tiny-model/bert-shaped-model.ts): it takes the time a trained BERT-base takes. Then:
 *
 *  1. cold query latency: one short query (2–4 words) per model call, `--queries` distinct ones, for the tiny
 *     model, BERT-base float32 (onnx/model.onnx) and BERT-base int8 (onnx/model_quantized.onnx), each loaded
 *     through loadLocalEmbedder as the service loads a model;
 *  2. model-call throughput through the service's QueryEmbeddings with every text a cache miss: one request at
 *     a time, `--concurrency` requests in flight (batched into shared model calls), and the same with
 *     maxBatch 1 (one text per call: concurrency without batching);
 *  3. cold /search through the service: `roleplane search serve` (int8 model, the default when both files are
 *     there; in-process cache) over a `--products`-product demo index built with the same model, every request
 *     a query it has never seen: one connection, then `--concurrency` connections; then the first queries again
 *     (cache hits), and hits sent while the concurrent misses run.
 * Every query in a run is distinct; the cold runs count what the service reports (`cache.embedding`) and warn
 * about any answer that was not a miss.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, homedir, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer } from '@xenova/transformers';
import { percentile, positiveIntArg, printTable } from './common/report.js';
import { indexDemoCatalog } from './common/demo-index.js';
import { startService } from './common/service.js';
import {
  BERT_BASE_SHAPE,
  BERT_SHAPED_MODEL_FORMAT,
  bertParameterCount,
  buildBertShapedModel,
} from '../tools/tiny-model/bert-shaped-model.js';
import { demoRules } from '../tools/search-demo/generate-catalog.js';
import { ADJECTIVES, CATEGORIES, vocabularyTexts } from '../tools/search-demo/vocabulary.js';
import type { Embedder } from '../workloads/search/embedder/embedder.js';
import { loadLocalEmbedder, useLocalModelsOnly } from '../workloads/search/embedder/local-model.js';
import { TINY_MODEL_DIR } from '../workloads/search/embedder/tiny-model.js';
import { Prng } from '../workloads/search/index/serve/ann/prng.js';
import { extractFilters } from '../workloads/search/query/extract-filters.js';
import { normalizeQuery } from '../workloads/search/query/normalize.js';
import { compileRules } from '../workloads/search/query/rules.js';
import { QueryEmbeddings } from '../workloads/search/service/cache/query-embeddings.js';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    queries: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '32' },
    texts: { type: 'string', default: '256' },
    products: { type: 'string', default: '2048' },
    requests: { type: 'string', default: '200' },
    'concurrent-requests': { type: 'string', default: '512' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const SEED = Number(args.seed);
if (!Number.isInteger(SEED) || SEED < 0) throw new Error(`--seed must be a non-negative integer (got ${args.seed})`);
const QUERIES = positiveIntArg('queries', args.queries);
const CONCURRENCY = positiveIntArg('concurrency', args.concurrency);
const TEXTS = positiveIntArg('texts', args.texts);
const PRODUCTS = positiveIntArg('products', args.products);
const REQUESTS = positiveIntArg('requests', args.requests);
const CONCURRENT_REQUESTS = positiveIntArg('concurrent-requests', args['concurrent-requests']);
const WARM_UP = 5;
/** The goal: with 32 concurrent misses, at least twice the throughput of one at a time. */
const GOAL_RATIO = 2;

const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
const since = (started: number): number => (performance.now() - started) / 1000;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

// -- queries ----------------------------------------------------------------------------------------------------

/**
 * Distinct short shopper queries (2–4 words from the demo vocabulary) without filter words, so the text the
 * service embeds is the whole query and no two queries share a cache key. One stream per run: no query repeats.
 */
function queryStream(seed: number): () => string {
  const rules = compileRules(demoRules(), 'demoRules()');
  const words = new Set<string>(ADJECTIVES.map((w) => w.toLowerCase()));
  for (const category of CATEGORIES) {
    for (const style of category.styles) words.add(style.toLowerCase());
    for (const feature of category.features) {
      for (const word of feature.replace(/\{[a-z]+\}|[^a-zA-Z ]/g, ' ').split(/\s+/))
        if (word.length > 3) words.add(word.toLowerCase());
    }
  }
  const pool = [...words];
  const prng = new Prng(seed);
  const seen = new Set<string>();
  return () => {
    for (let tries = 0; tries < 10_000; tries += 1) {
      const query = prng.sample(pool, prng.int(2, 4)).join(' ');
      const extraction = extractFilters(query, rules);
      const isUnfiltered =
        Object.keys(extraction.filters).length === 0 &&
        Object.keys(extraction.exclude).length === 0 &&
        extraction.price === undefined;
      const text = extraction.text !== '' ? extraction.text : normalizeQuery(query);
      if (!isUnfiltered || text !== normalizeQuery(query) || seen.has(text)) continue;
      seen.add(text);
      return query;
    }
    throw new Error('ran out of distinct queries');
  };
}

// -- the model ------------------------------------------------------------------------------------------------

interface ModelFiles {
  readonly dir: string;
  readonly parameters: number;
  readonly floatBytes: number;
  readonly int8Bytes: number;
  readonly buildSeconds?: number;
}

async function ensureModel(cacheDir: string): Promise<ModelFiles> {
  const dir = join(cacheDir, 'model');
  const floatPath = join(dir, 'onnx', 'model.onnx');
  const int8Path = join(dir, 'onnx', 'model_quantized.onnx');
  const sizes = (): { floatBytes: number; int8Bytes: number } => ({
    floatBytes: statSync(floatPath).size,
    int8Bytes: statSync(int8Path).size,
  });
  const parameters = bertParameterCount(BERT_BASE_SHAPE);
  if (existsSync(int8Path) && existsSync(floatPath)) {
    log(`reusing ${dir}`);
    return { dir, parameters, ...sizes() };
  }
  // Built beside its final place and renamed, so an interrupted build is never taken for a finished one.
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  log(`building a BERT-base-shaped model with random weights (seed ${SEED}) in ${dir}`);
  const started = performance.now();
  await buildBertShapedModel({ outDir: building, vocabulary: vocabularyTexts(), seed: SEED });
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return { dir, parameters, ...sizes(), buildSeconds: since(started) };
}

// -- model-level measurements --------------------------------------------------------------------------------

/** Every read misses and writes go nowhere: each text QueryEmbeddings sees goes to the model. */
const ALWAYS_MISS = {
  getEmbeddings: (keys: readonly string[]) =>
    Promise.resolve({ vectors: keys.map(() => undefined), outcome: 'miss' as const }),
};
const NO_CACHE = { setEmbedding: (): void => undefined };

interface LatencyResult {
  readonly model: string;
  readonly loadSeconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly textsPerSecond: number;
}

interface ThroughputResult {
  readonly model: string;
  readonly oneAtATime: number;
  readonly batched: number;
  readonly meanBatch: number;
  readonly unbatched: number;
}

/** `total` texts, `concurrency` requests in flight, each request one new text. */
async function concurrentMisses(
  embeddings: QueryEmbeddings,
  next: () => string,
  total: number,
  concurrency: number,
): Promise<number> {
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started += 1;
        await embeddings.embed([next()], ALWAYS_MISS);
      }
    }),
  );
  return total / since(t0);
}

async function measureModel(
  name: string,
  load: () => Promise<Embedder>,
  next: () => string,
  withThroughput: boolean,
): Promise<{ latency: LatencyResult; throughput?: ThroughputResult }> {
  log(`${name}: loading`);
  const loadStarted = performance.now();
  const embedder = await load();
  const loadSeconds = since(loadStarted);
  try {
    for (let i = 0; i < WARM_UP; i += 1) await embedder.embed([next()]);
    log(`${name}: ${QUERIES} cold queries, one at a time`);
    const single = new QueryEmbeddings(embedder, NO_CACHE, 60);
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < QUERIES; i += 1) {
      const t0 = performance.now();
      await single.embed([next()], ALWAYS_MISS);
      latencies.push(performance.now() - t0);
    }
    const latency: LatencyResult = {
      model: name,
      loadSeconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      textsPerSecond: QUERIES / since(started),
    };
    if (!withThroughput) return { latency };

    log(`${name}: ${TEXTS} misses, ${CONCURRENCY} in flight, batched`);
    const batchSizes: number[] = [];
    const batched = new QueryEmbeddings(embedder, NO_CACHE, 60, (_, texts) => batchSizes.push(texts));
    const batchedRate = await concurrentMisses(batched, next, TEXTS, CONCURRENCY);
    // Concurrency without batching should not beat one at a time by much; fewer texts keep the run short.
    const unbatchedTexts = Math.max(CONCURRENCY, Math.ceil(TEXTS / 4));
    log(`${name}: ${unbatchedTexts} misses, ${CONCURRENCY} in flight, maxBatch 1`);
    const unbatched = new QueryEmbeddings(embedder, NO_CACHE, 60, undefined, { maxBatch: 1 });
    const unbatchedRate = await concurrentMisses(unbatched, next, unbatchedTexts, CONCURRENCY);
    return {
      latency,
      throughput: {
        model: name,
        oneAtATime: latency.textsPerSecond,
        batched: batchedRate,
        meanBatch: batchSizes.reduce((sum, n) => sum + n, 0) / batchSizes.length,
        unbatched: unbatchedRate,
      },
    };
  } finally {
    await embedder.close?.();
  }
}

async function meanTokens(modelDir: string, queries: readonly string[]): Promise<number> {
  useLocalModelsOnly();
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
  let total = 0;
  for (const query of queries) {
    const encoded = tokenizer(query) as { input_ids: { dims: number[] } };
    total += encoded.input_ids.dims.at(-1) ?? 0;
  }
  return total / queries.length;
}

// -- the service -------------------------------------------------------------------------------------------------

/** The demo catalog indexed with the int8 model: embedded once, then cached. */
async function ensureIndex(cacheDir: string, modelDir: string): Promise<string> {
  const indexDir = join(cacheDir, `index-n${PRODUCTS}`);
  await indexDemoCatalog({ n: PRODUCTS, catalogDir: join(cacheDir, `catalog-n${PRODUCTS}`), indexDir, modelDir, log });
  return indexDir;
}

interface Reply {
  readonly status: number;
  readonly ms: number;
  readonly tookMs?: number;
  readonly outcome?: string;
}

function get(agent: Agent, port: number, path: string): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - started;
        const status = res.statusCode ?? 0;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            tookMs?: number;
            cache?: { embedding?: string };
          };
          resolve({ status, ms, tookMs: body.tookMs, outcome: body.cache?.embedding });
        } catch {
          resolve({ status, ms });
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface HttpRun {
  readonly name: string;
  readonly connections: number;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly tookP50Ms: number;
  readonly outcomes: Record<string, number>;
  readonly failures: number;
  /** Model calls the service made during the run (its embed-duration histogram's count), when read. */
  readonly modelCalls?: number;
}

function summarize(name: string, connections: number, replies: readonly Reply[], seconds: number): HttpRun {
  const outcomes: Record<string, number> = {};
  for (const reply of replies) outcomes[reply.outcome ?? 'none'] = (outcomes[reply.outcome ?? 'none'] ?? 0) + 1;
  const ms = replies.map((r) => r.ms);
  return {
    name,
    connections,
    requests: replies.length,
    perSecond: replies.length / seconds,
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    tookP50Ms: percentile(
      replies.map((r) => r.tookMs ?? Number.NaN),
      50,
    ),
    outcomes,
    failures: replies.filter((r) => r.status !== 200).length,
  };
}

/** Each query once, over `connections` keep-alive connections. */
async function httpRun(name: string, port: number, queries: readonly string[], connections: number): Promise<HttpRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const replies: Reply[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < queries.length) {
        const query = queries[next++] as string;
        replies.push(await get(agent, port, `/search?q=${encodeURIComponent(query)}&limit=10`));
      }
    }),
  );
  const seconds = since(started);
  agent.destroy();
  return summarize(name, connections, replies, seconds);
}

/** Cached queries one at a time, until `until` settles: what a cache hit waits for while misses are embedded. */
async function hitsUntil(port: number, cached: readonly string[], until: Promise<unknown>): Promise<HttpRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let isOver = false;
  void until.finally(() => {
    isOver = true;
  });
  const replies: Reply[] = [];
  const started = performance.now();
  for (let i = 0; !isOver; i += 1) {
    const query = cached[i % cached.length] as string;
    replies.push(await get(agent, port, `/search?q=${encodeURIComponent(query)}&limit=10`));
  }
  const seconds = since(started);
  agent.destroy();
  return summarize('hits, 1 connection, during that run', 1, replies, seconds);
}

async function modelCalls(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const count = /^roleplane_search_embed_duration_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1];
  return count === undefined ? Number.NaN : Number(count);
}

async function serviceRuns(indexDir: string, modelDir: string, next: () => string): Promise<HttpRun[]> {
  log('starting roleplane search serve');
  const service = await startService({ indexDir, modelDir, readyTimeoutMs: 600_000 });
  const port = Number(new URL(service.base).port);
  try {
    const fresh = (count: number): string[] => Array.from({ length: count }, next);
    await httpRun('warm-up', port, fresh(WARM_UP), 1);

    const sequential = fresh(REQUESTS);
    log(`cold /search: ${REQUESTS} requests, 1 connection`);
    let calls = await modelCalls(port);
    const one = await httpRun('cold, 1 connection', port, sequential, 1);
    const oneCalls = (await modelCalls(port)) - calls;

    log(`cold /search: ${CONCURRENT_REQUESTS} requests, ${CONCURRENCY} connections (+1 asking for cached queries)`);
    calls = await modelCalls(port);
    const missRun = httpRun(`cold, ${CONCURRENCY} connections`, port, fresh(CONCURRENT_REQUESTS), CONCURRENCY);
    const [many, hits] = await Promise.all([missRun, hitsUntil(port, sequential, missRun)]);
    const manyCalls = (await modelCalls(port)) - calls;

    log(`warm /search: the ${REQUESTS} queries of the first run again (cached), 1 connection`);
    const warm = await httpRun('warm (hits), 1 connection', port, sequential, 1);
    return [{ ...one, modelCalls: oneCalls }, { ...many, modelCalls: manyCalls }, hits, warm];
  } finally {
    await service.stop();
  }
}

// -- report ------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cacheDir =
    args.dir ?? join(homedir(), '.cache', 'roleplane-bench', `embed-bert-base-s${SEED}-f${BERT_SHAPED_MODEL_FORMAT}`);
  mkdirSync(cacheDir, { recursive: true });
  const loadAtStart = loadavg();
  const model = await ensureModel(cacheDir);
  const next = queryStream(SEED);
  const sample = Array.from({ length: 200 }, next);
  const tokens = await meanTokens(model.dir, sample);

  const tiny = await measureModel('tiny (128-d)', () => loadLocalEmbedder(TINY_MODEL_DIR), next, false);
  const float32 = await measureModel(
    'BERT-base float32',
    () => loadLocalEmbedder(model.dir, { quantized: false }),
    next,
    true,
  );
  const int8 = await measureModel(
    'BERT-base int8',
    () => loadLocalEmbedder(model.dir, { quantized: true }),
    next,
    true,
  );
  const latencies = [tiny.latency, float32.latency, int8.latency];
  const throughputs = [float32.throughput, int8.throughput].filter((t): t is ThroughputResult => t !== undefined);

  const out = (line = ''): void => void process.stdout.write(`${line}\n`);
  const machineLine = (): string => {
    const cpu = cpus()[0]?.model ?? 'unknown';
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${load}`;
  };
  if (!args.json) {
    out(
      `model: BERT-base shape (12 layers, 12 heads, hidden 768, feed-forward 3072, 30,522 tokens), random weights, seed ${SEED}: ` +
        `${model.parameters.toLocaleString('en-US')} parameters; model.onnx ${mb(model.floatBytes)}, model_quantized.onnx ${mb(model.int8Bytes)}` +
        (model.buildSeconds !== undefined ? ` (built in ${model.buildSeconds.toFixed(0)} s)` : ' (cached)'),
    );
    out(`machine: ${machineLine()} now, ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at the start`);
    out();
    out(
      `cold query: one short query per model call (${QUERIES} distinct, 2–4 words, ${tokens.toFixed(1)} tokens on average)`,
    );
    printTable([
      ['model', 'load s', 'p50 ms', 'p99 ms', 'queries/s'],
      ...latencies.map((l) => [
        l.model,
        l.loadSeconds.toFixed(1),
        l.p50Ms.toFixed(2),
        l.p99Ms.toFixed(2),
        l.textsPerSecond.toFixed(1),
      ]),
    ]);
    out();
    out(`model-call throughput through QueryEmbeddings, every text a cache miss (texts/s)`);
    printTable([
      [
        'model',
        'one at a time',
        `${CONCURRENCY} in flight, batched`,
        'mean batch',
        `${CONCURRENCY} in flight, maxBatch 1`,
        'batched / one at a time',
      ],
      ...throughputs.map((t) => [
        t.model,
        t.oneAtATime.toFixed(1),
        t.batched.toFixed(1),
        t.meanBatch.toFixed(1),
        t.unbatched.toFixed(1),
        `${(t.batched / t.oneAtATime).toFixed(2)}x`,
      ]),
    ]);
  }

  const indexDir = await ensureIndex(cacheDir, model.dir);
  const http = await serviceRuns(indexDir, model.dir, next);
  const loadAtEnd = loadavg();

  const [oneConnection, manyConnections] = http as [HttpRun, HttpRun];
  for (const run of [oneConnection, manyConnections]) {
    const notMissed = run.requests - (run.outcomes.miss ?? 0);
    if (notMissed > 0) log(`WARNING: ${notMissed} of the "${run.name}" requests were not cache misses`);
  }
  const serviceRatio = manyConnections.perSecond / oneConnection.perSecond;
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: {
      start: loadAtStart.map((l) => Number(l.toFixed(2))),
      end: loadAtEnd.map((l) => Number(l.toFixed(2))),
    },
  };
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ machine, model: { ...model, meanQueryTokens: tokens }, latencies, throughputs, http, serviceRatio })}\n`,
    );
    return;
  }

  out();
  out(`machine: ${machineLine()} after the service runs`);
  out(
    `/search through the service (roleplane search serve, int8 model, ${PRODUCTS} products, in-process cache), ` +
      'latency seen by the client',
  );
  printTable([
    ['run', 'requests', 'model calls', 'req/s', 'p50 ms', 'p99 ms', 'server tookMs p50', 'cache outcomes', 'non-200'],
    ...http.map((h) => [
      h.name,
      String(h.requests),
      h.modelCalls === undefined ? '' : String(h.modelCalls),
      h.perSecond.toFixed(1),
      h.p50Ms.toFixed(2),
      h.p99Ms.toFixed(2),
      h.tookP50Ms.toFixed(2),
      Object.entries(h.outcomes)
        .map(([outcome, count]) => `${outcome} ${count}`)
        .join(', '),
      String(h.failures),
    ]),
  ]);
  out();
  const meanBatch = manyConnections.requests / (manyConnections.modelCalls ?? Number.NaN);
  out(
    `cold /search p50 ${oneConnection.p50Ms.toFixed(1)} ms (warm: ${(http[3] ?? oneConnection).p50Ms.toFixed(1)} ms); ` +
      `${CONCURRENCY} concurrent misses: ${manyConnections.perSecond.toFixed(1)} req/s in ${manyConnections.modelCalls} ` +
      `model calls (mean batch ${meanBatch.toFixed(1)}) vs ${oneConnection.perSecond.toFixed(1)} req/s one at a time = ` +
      `${serviceRatio.toFixed(2)}x (goal >= ${GOAL_RATIO}x: ${serviceRatio >= GOAL_RATIO ? 'met' : 'NOT met'})`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
