/**
 * `npm run bench:http -- [--n 65536] [--dim 768] [--connections 32] [--duration 10] [--queries 200] [--mode m] [--json]`
 *
 * /search end to end. Builds (once, cached under ~/.cache/roleplane-bench/http-…) a `--dim`-dimension variant of
 * the project's tiny model, the `--n`-product demo catalog and its index (embeddings + HNSW graph), then:
 *
 *  1. the vector stage alone, in this process, on the same index and query vectors the service will use:
 *     one search at a time, and `--connections` in flight through the service's batcher;
 *  2. the service in a child process (`roleplane search serve`, in-process cache), every query sent once so the
 *     embedding cache is warm, then wrk from a third process: 1 connection (one request at a time) and
 *     `--connections` connections, `--duration` seconds each, cycling through the queries.
 *
 * Two query sets: `free text` (no filter words: the graph answers) and `filtered` (colour + category, some with
 * a price bound: exact scans over the passing products). wrk is installed with apt-get when missing (as root).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demoIndex } from './common/demo-index.js';
import { ensureWrk, runWrk, startService } from './common/service.js';
import { percentile, positiveIntArg, printTable } from './common/report.js';
import { normalizeQuery } from '../workloads/search/query/normalize.js';
import { ADJECTIVES, CATEGORIES, COLORS } from '../tools/search-demo/vocabulary.js';
import { Prng } from '../workloads/search/index/serve/ann/prng.js';
import { loadLocalEmbedder } from '../workloads/search/embedder/local-model.js';
import { extractFilters } from '../workloads/search/query/extract-filters.js';
import { loadSearchIndex, type SearchIndex } from '../workloads/search/index/serve/load-index.js';
import { VectorSearchBatcher } from '../workloads/search/index/serve/vector-batcher.js';
import type { RowFilter } from '../workloads/search/index/serve/vector-index.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '65536' },
    dim: { type: 'string', default: '768' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    queries: { type: 'string', default: '200' },
    mode: { type: 'string' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = positiveIntArg('n', args.n);
const DIM = positiveIntArg('dim', args.dim);
const CONNECTIONS = positiveIntArg('connections', args.connections);
const DURATION = positiveIntArg('duration', args.duration);
const QUERIES = positiveIntArg('queries', args.queries);
const LIMIT = 10;
/** `--mode vector|lexical|hybrid` adds `&mode=` to every request; without it the service's default (hybrid). */
const MODE_PARAM = args.mode ? `&mode=${encodeURIComponent(args.mode)}` : '';

const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);

interface QuerySet {
  readonly name: string;
  readonly queries: readonly string[];
}

/** Deterministic queries of each kind, checked against the rules so each set is what its name says. */
function makeQueries(index: SearchIndex): QuerySet[] {
  const prng = new Prng(7);
  const free = new Set<string>();
  const filtered = new Set<string>();
  const isUnfiltered = (q: string): boolean => {
    const e = extractFilters(q, index.rules);
    return (
      Object.keys(e.filters).length === 0 &&
      Object.keys(e.exclude).length === 0 &&
      e.price === undefined &&
      e.text !== ''
    );
  };
  for (let tries = 0; free.size < QUERIES && tries < QUERIES * 50; tries += 1) {
    const category = prng.pick(CATEGORIES);
    const words = [prng.pick(ADJECTIVES).toLowerCase(), prng.pick(category.styles).toLowerCase()];
    const feature = prng
      .pick(category.features)
      .replace(/\{[a-z]+\}/g, '')
      .replace(/[.]/g, '')
      .split(/\s+/)
      .filter((w) => w.length > 3);
    if (prng.chance(0.5) && feature.length > 0) words.push(...prng.sample(feature, 2).map((w) => w.toLowerCase()));
    const q = words.join(' ');
    if (isUnfiltered(q)) free.add(q);
  }
  const colors = Object.values(COLORS).flat();
  for (let tries = 0; filtered.size < QUERIES && tries < QUERIES * 50; tries += 1) {
    const category = prng.pick(CATEGORIES);
    let q = `${prng.pick(colors)} ${prng.pick(category.phrases)}`;
    if (prng.chance(0.3)) q += ` under $${prng.int(4, 20) * 10}`;
    if (!isUnfiltered(q)) filtered.add(q);
  }
  return [
    { name: 'free text', queries: [...free] },
    { name: 'filtered', queries: [...filtered] },
  ];
}

interface StageResult {
  set: string;
  p50Ms: number;
  p99Ms: number;
  qps: number;
  concurrentQps: number;
  meanCandidates: number;
}

/** The vector stage exactly as the route runs it: filter extraction → candidates → (batched) search. */
async function vectorStage(index: SearchIndex, set: QuerySet, modelDir: string): Promise<StageResult> {
  const embedder = await loadLocalEmbedder(modelDir);
  try {
    const prepared: Array<{ vector: Float32Array; candidates: RowFilter | undefined; passing: number }> = [];
    for (const q of set.queries) {
      const extraction = extractFilters(q, index.rules);
      const candidates = index.filters.candidates(extraction);
      const [vector] = await embedder.embed([extraction.text !== '' ? extraction.text : normalizeQuery(q)]);
      prepared.push({
        vector: vector as Float32Array,
        candidates,
        passing: candidates?.length ?? index.products.length,
      });
    }
    const rounds = Math.max(1, Math.ceil(2000 / prepared.length));
    for (const p of prepared) index.vectors.search(p.vector, LIMIT, p.candidates);
    const latencies: number[] = [];
    const started = performance.now();
    for (let r = 0; r < rounds; r += 1) {
      for (const p of prepared) {
        const t0 = performance.now();
        index.vectors.search(p.vector, LIMIT, p.candidates);
        latencies.push(performance.now() - t0);
      }
    }
    const qps = latencies.length / ((performance.now() - started) / 1000);
    const batcher = new VectorSearchBatcher(index.vectors);
    let next = 0;
    const total = rounds * prepared.length;
    const concurrentStart = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < total) {
          const p = prepared[next++ % prepared.length] as (typeof prepared)[number];
          await batcher.search(p.vector, LIMIT, p.candidates);
        }
      }),
    );
    const concurrentQps = total / ((performance.now() - concurrentStart) / 1000);
    return {
      set: set.name,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      qps,
      concurrentQps,
      meanCandidates: prepared.reduce((sum, p) => sum + p.passing, 0) / prepared.length,
    };
  } finally {
    await embedder.close?.();
  }
}

interface HttpResult {
  set: string;
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function wrkRow(base: string, set: QuerySet, connections: number, scriptDir: string): Promise<HttpResult> {
  const result = await runWrk({
    base,
    paths: set.queries.map((q) => `/search?q=${encodeURIComponent(q)}&limit=${LIMIT}${MODE_PARAM}`),
    connections,
    seconds: DURATION,
    scriptPath: join(scriptDir, `${set.name.replace(/\W+/g, '-')}.lua`),
  });
  return {
    set: set.name,
    connections,
    rps: result.rps,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  ensureWrk(log);
  const { indexDir, modelDir } = await demoIndex({ n: N, dim: DIM, ...(args.dir ? { dir: args.dir } : {}), log });

  const t0 = performance.now();
  const index = await loadSearchIndex(indexDir, { vectorIndex: 'auto' });
  log(`index loaded in ${seconds(t0)} s (vector index: ${index.vectorSource.source})`);
  const sets = makeQueries(index);
  const stage: StageResult[] = [];
  for (const set of sets) {
    log(`vector stage: ${set.name} (${set.queries.length} queries)`);
    stage.push(await vectorStage(index, set, modelDir));
  }

  log('starting the service');
  const service = await startService({ indexDir, modelDir });
  const scriptDir = mkdtempSync(join(tmpdir(), 'roleplane-bench-http-'));
  const http: HttpResult[] = [];
  try {
    for (const set of sets) {
      // Warm the embedding cache: every query embedded once.
      for (const q of set.queries) {
        const response = await fetch(`${service.base}/search?q=${encodeURIComponent(q)}&limit=${LIMIT}${MODE_PARAM}`);
        if (!response.ok) throw new Error(`GET /search?q=${q}: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
      for (const connections of [1, CONNECTIONS]) {
        log(`wrk: ${set.name}, ${connections} connection(s), ${DURATION} s`);
        http.push(await wrkRow(service.base, set, connections, scriptDir));
      }
    }
  } finally {
    await service.stop();
    rmSync(scriptDir, { recursive: true, force: true });
  }

  if (args.json) {
    process.stdout.write(`${JSON.stringify({ n: N, dim: DIM, connections: CONNECTIONS, vectorStage: stage, http })}\n`);
    return;
  }
  process.stdout.write(
    `/search at ${N} products x ${DIM} dimensions (vector index: ${index.vectorSource.source}), top ${LIMIT}, warm embedding cache\n\n`,
  );
  process.stdout.write('vector stage only (in process, same index and query vectors)\n');
  printTable([
    ['queries', 'rows searched', 'p50 ms', 'p99 ms', 'QPS 1 at a time', `QPS ${CONNECTIONS} in flight`, 'ratio'],
    ...stage.map((s) => [
      s.set,
      s.meanCandidates.toFixed(0),
      s.p50Ms.toFixed(3),
      s.p99Ms.toFixed(3),
      s.qps.toFixed(0),
      s.concurrentQps.toFixed(0),
      `${(s.concurrentQps / s.qps).toFixed(2)}x`,
    ]),
  ]);
  process.stdout.write(`\nHTTP (wrk from another process, ${DURATION} s per row, keep-alive)\n`);
  printTable([
    ['queries', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs 1 connection'],
    ...http.map((h) => {
      const single = http.find((o) => o.set === h.set && o.connections === 1) as HttpResult;
      return [
        h.set,
        String(h.connections),
        h.rps.toFixed(0),
        h.p50Ms.toFixed(3),
        h.p99Ms.toFixed(3),
        String(h.errors),
        `${(h.rps / single.rps).toFixed(2)}x`,
      ];
    }),
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
