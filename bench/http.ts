/**
 * `npm run bench:http -- [--n 65536] [--dim 768] [--connections 32] [--duration 10] [--queries 200] [--json]`
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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { aptInstall } from './common/apt.js';
import { percentile, positiveIntArg, printTable } from './common/report.js';
import { normalizeQuery } from '../workloads/search/query/normalize.js';
import { writeDemoCatalog } from '../tools/search-demo/write-demo-catalog.js';
import { ADJECTIVES, CATEGORIES, COLORS } from '../tools/search-demo/vocabulary.js';
import { Prng } from '../workloads/search/index/serve/ann/prng.js';
import { loadLocalEmbedder } from '../workloads/search/embedder/local-model.js';
import { extractFilters } from '../workloads/search/query/extract-filters.js';
import { runIndexCommand } from '../workloads/search/index/build/index-command.js';
import { loadSearchIndex, type SearchIndex } from '../workloads/search/index/serve/load-index.js';
import { INDEX_FILES } from '../workloads/search/index/format/files.js';
import { VectorSearchBatcher } from '../workloads/search/index/serve/vector-batcher.js';
import type { RowFilter } from '../workloads/search/index/serve/vector-index.js';
import { buildTinyModel } from '../tools/tiny-model/build-tiny-model.js';
import { tinyModelOptions } from '../tools/tiny-model/tiny-model.js';
import { freePort } from '../test/helpers/ports.js';
import { waitUntil } from '../test/helpers/wait.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '65536' },
    dim: { type: 'string', default: '768' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    queries: { type: 'string', default: '200' },
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

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
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

function ensureWrk(): void {
  if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined) return;
  aptInstall(['wrk'], log);
}

async function waitReady(base: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  await waitUntil('the service to be ready', timeoutMs, async () => {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before it was ready`);
    return fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  });
}

interface HttpResult {
  set: string;
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** One wrk run; a Lua script cycles through the paths and prints its summary as one JSON line. */
function runWrk(base: string, set: QuerySet, connections: number, scriptDir: string): HttpResult {
  const paths = set.queries.map((q) => `/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`);
  const script = join(scriptDir, `${set.name.replace(/\W+/g, '-')}.lua`);
  writeFileSync(
    script,
    [
      `local paths = {${paths.map((p) => JSON.stringify(p)).join(', ')}}`,
      'local i = 0',
      'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end',
      'done = function(summary, latency, requests)',
      '  local e = summary.errors',
      '  io.write(string.format("WRK {\\"requests\\": %d, \\"durationUs\\": %d, \\"p50Us\\": %d, \\"p99Us\\": %d, \\"errors\\": %d}\\n",',
      '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout + e.status))',
      'end',
      '',
    ].join('\n'),
  );
  const result = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${DURATION}s`, '-s', script, base], {
    encoding: 'utf8',
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('WRK '));
  if (result.status !== 0 || !line) throw new Error(`wrk failed (${result.status}): ${result.stderr || result.stdout}`);
  const summary = JSON.parse(line.slice(4)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    errors: number;
  };
  return {
    set: set.name,
    connections,
    rps: summary.requests / (summary.durationUs / 1e6),
    p50Ms: summary.p50Us / 1000,
    p99Ms: summary.p99Us / 1000,
    errors: summary.errors,
  };
}

async function main(): Promise<void> {
  ensureWrk();
  const dir = args.dir ?? join(homedir(), '.cache', 'roleplane-bench', `http-n${N}-d${DIM}`);
  mkdirSync(dir, { recursive: true });
  const modelDir = join(dir, 'model');
  if (!existsSync(join(modelDir, 'config.json'))) {
    log(`building the tiny model with ${DIM} dimensions in ${modelDir}`);
    await buildTinyModel({ ...tinyModelOptions(), dims: DIM, outDir: modelDir });
  }
  const indexDir = join(dir, 'index');
  if (!existsSync(join(indexDir, INDEX_FILES.manifest))) {
    const t0 = performance.now();
    const catalog = await writeDemoCatalog({ outDir: join(dir, 'catalog'), count: N });
    log(`indexing ${catalog.count} demo products (embeddings + graph)`);
    const indexed = await runIndexCommand({
      catalog: catalog.catalogPath,
      rules: catalog.rulesPath,
      out: indexDir,
      model: modelDir,
    });
    if (indexed.exitCode !== 0) throw new Error(indexed.stderr);
    log(`  ${indexed.stdout.trim()} (catalog + index ${seconds(t0)} s)`);
  } else log(`reusing ${indexDir}`);

  const t0 = performance.now();
  const index = await loadSearchIndex(indexDir, { vectorIndex: 'auto' });
  log(`index loaded in ${seconds(t0)} s (vector index: ${index.vectorSource.source})`);
  const sets = makeQueries(index);
  const stage: StageResult[] = [];
  for (const set of sets) {
    log(`vector stage: ${set.name} (${set.queries.length} queries)`);
    stage.push(await vectorStage(index, set, modelDir));
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`starting the service on ${base}`);
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'bin', 'roleplane.js'),
      'search',
      'serve',
      '--data',
      indexDir,
      '--model',
      modelDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const scriptDir = mkdtempSync(join(tmpdir(), 'roleplane-bench-http-'));
  const http: HttpResult[] = [];
  try {
    await waitReady(base, child, 300_000);
    for (const set of sets) {
      // Warm the embedding cache: every query embedded once.
      for (const q of set.queries) {
        const response = await fetch(`${base}/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`);
        if (!response.ok) throw new Error(`GET /search?q=${q}: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
      for (const connections of [1, CONNECTIONS]) {
        log(`wrk: ${set.name}, ${connections} connection(s), ${DURATION} s`);
        http.push(runWrk(base, set, connections, scriptDir));
      }
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
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
