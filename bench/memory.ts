/**
 * `npm run bench:memory -- [--n 65536] [--dim 768] [--workers 3] [--json]`
 *
 * What `roleplane search serve` holds in memory, part by part, and what each further process costs when several
 * serve one index on one machine (as worker processes of one pod would). Uses bench:http's cached index (the
 * 65,536-product demo catalog, a `--dim` variant of the tiny model, under ~/.cache/roleplane-bench/), then:
 *
 *  1. the breakdown: a child process loads the service's parts one at a time (bench/memory/stages.ts) and reports
 *     its memory after a full GC after each, for each place the float32 rows can live (SEARCH_EMBEDDINGS_IN);
 *  2. processes: 1 … `--workers` real `roleplane search serve` processes on the same index, each warmed with 200
 *     searches; RSS, PSS and USS of each (bench/memory/proc-memory.ts says what they are) and their sum, for both
 *     places, plus how much of embeddings.npy is in the page cache (fincore);
 *  3. the price of page-cache rows: the same searches over the same index with its rows in memory and in the page
 *     cache: unfiltered (the graph's candidates re-scored) and filtered (exact scans over the passing rows).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile, positiveIntArg, printTable } from './common/report.js';
import { procMemory, type ProcMemory } from './memory/proc-memory.js';
import { demoIndex } from './common/demo-index.js';
import { startService, type ServiceProcess } from './common/service.js';
import { INDEX_FILES } from '../workloads/search/index/format/files.js';
import { loadSearchIndex, type SearchIndex } from '../workloads/search/index/serve/load-index.js';
import {
  EMBEDDINGS_RESIDENCES,
  type EmbeddingsResidence,
} from '../workloads/search/index/serve/embeddings-residence.js';
import { loadLocalEmbedder } from '../workloads/search/embedder/local-model.js';
import { extractFilters } from '../workloads/search/query/extract-filters.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '65536' },
    dim: { type: 'string', default: '768' },
    workers: { type: 'string', default: '3' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = positiveIntArg('n', args.n);
const DIM = positiveIntArg('dim', args.dim);
const WORKERS = positiveIntArg('workers', args.workers);
const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
const WARM_QUERIES = [
  'red running shoes',
  'navy wool sweater',
  'leather boots under $80',
  'black cotton t-shirt',
  'waterproof jacket',
  'summer linen dress',
  'kids sneakers',
  'grey hoodie without zip',
];

interface Prepared {
  readonly modelDir: string;
  readonly indexDir: string;
}

/** bench:http's cache layout: the same model, catalog and index serve both benchmarks. */
async function prepare(): Promise<Prepared> {
  const { modelDir, indexDir } = await demoIndex({ n: N, dim: DIM, ...(args.dir ? { dir: args.dir } : {}), log });
  return { modelDir, indexDir };
}

interface Stage extends ProcMemory {
  readonly part: string;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

/** A node process with nothing loaded: what every process starts from. */
function bareNode(): ProcMemory {
  const script = [
    "const { readFileSync } = require('node:fs');",
    'globalThis.gc();',
    "const status = readFileSync('/proc/self/status', 'utf8');",
    "const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');",
    "const kb = (text, name) => Number(new RegExp('^' + name + ':\\\\s+(\\\\d+) kB', 'm').exec(text)[1]) / 1024;",
    "process.stdout.write(JSON.stringify({ rss: kb(status, 'VmRSS'), anon: kb(status, 'RssAnon'), file: kb(status, 'RssFile'),",
    "  hwm: kb(status, 'VmHWM'), pss: kb(rollup, 'Pss'), uss: kb(rollup, 'Private_Clean') + kb(rollup, 'Private_Dirty') }));",
  ].join('\n');
  const result = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bare node: ${result.stderr}`);
  return JSON.parse(result.stdout) as ProcMemory;
}

function breakdown(prepared: Prepared, residence: EmbeddingsResidence): Stage[] {
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      join(REPO, 'bench', 'memory', 'stages.ts'),
      prepared.indexDir,
      prepared.modelDir,
      residence,
    ],
    { cwd: REPO, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`breakdown (${residence}) failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Stage);
}

/** A real `search serve` with its rows where `residence` says, warmed with 200 searches. */
async function startServer(prepared: Prepared, residence: EmbeddingsResidence): Promise<ServiceProcess> {
  const server = await startService({ ...prepared, env: { SEARCH_EMBEDDINGS_IN: residence } });
  try {
    for (let i = 0; i < 200; i += 1) {
      const q = WARM_QUERIES[i % WARM_QUERIES.length] as string;
      const response = await fetch(`${server.base}/search?q=${encodeURIComponent(`${q} ${i % 25}`)}&limit=10`);
      if (!response.ok) throw new Error(`GET /search?q=${q}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** MiB of `path` resident in the page cache (fincore from util-linux), or undefined without fincore. */
function pageCacheMiB(path: string): number | undefined {
  const result = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  return Number(result.stdout.trim()) / 1024 / 1024;
}

interface ProcessesResult {
  readonly residence: EmbeddingsResidence;
  readonly processes: number;
  readonly each: readonly ProcMemory[];
  readonly totalPss: number;
  readonly embeddingsInPageCacheMiB: number | undefined;
}

async function processes(prepared: Prepared, residence: EmbeddingsResidence): Promise<ProcessesResult[]> {
  const servers: ServiceProcess[] = [];
  const results: ProcessesResult[] = [];
  try {
    for (let count = 1; count <= WORKERS; count += 1) {
      log(`${residence}: starting process ${count} of ${WORKERS}`);
      servers.push(await startServer(prepared, residence));
      const each = servers.map((s) => procMemory(s.child.pid as number));
      results.push({
        residence,
        processes: count,
        each,
        totalPss: each.reduce((sum, m) => sum + m.pss, 0),
        embeddingsInPageCacheMiB: pageCacheMiB(join(prepared.indexDir, INDEX_FILES.embeddings)),
      });
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  return results;
}

interface LatencyResult {
  readonly residence: EmbeddingsResidence;
  readonly kind: string;
  readonly rowsScored: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** One search at a time over the same query vectors, with the rows in memory and in the page cache. */
async function searchCost(prepared: Prepared): Promise<LatencyResult[]> {
  const embedder = await loadLocalEmbedder(prepared.modelDir);
  const results: LatencyResult[] = [];
  try {
    // Free text without filter words (the graph answers), and colour + category (exact scans of the passing rows).
    const free = [
      'comfortable for everyday',
      'gift for a hiker',
      'soft and warm',
      'lightweight breathable',
      'classic look',
    ];
    const filtered = ['red shoes', 'navy sweater', 'black boots under $100', 'green jacket', 'white shirt'];
    for (const residence of EMBEDDINGS_RESIDENCES) {
      const index: SearchIndex = await loadSearchIndex(prepared.indexDir, {
        vectorIndex: 'hnsw',
        embeddingsIn: residence,
      });
      try {
        for (const [kind, texts] of [
          ['unfiltered (graph, 20 rows re-scored)', free],
          ['filtered (exact scan of the passing rows)', filtered],
        ] as const) {
          const prepared = [];
          for (const q of texts) {
            const extraction = extractFilters(q, index.rules);
            const isFiltered = index.filters.candidates(extraction) !== undefined;
            if (isFiltered !== kind.startsWith('filtered'))
              throw new Error(`query ${JSON.stringify(q)} is not ${kind}`);
            const [vector] = await embedder.embed([extraction.text || q]);
            prepared.push({ vector: vector as Float32Array, candidates: index.filters.candidates(extraction) });
          }
          const latencies: number[] = [];
          for (let round = 0; round < 60; round += 1) {
            for (const p of prepared) {
              const started = performance.now();
              index.vectors.search(p.vector, 10, p.candidates);
              if (round > 0) latencies.push(performance.now() - started);
            }
          }
          results.push({
            residence,
            kind,
            rowsScored: Math.round(
              prepared.reduce((sum, p) => sum + (p.candidates?.length ?? 20), 0) / prepared.length,
            ),
            p50Ms: percentile(latencies, 50),
            p99Ms: percentile(latencies, 99),
          });
        }
      } finally {
        index.close();
      }
    }
  } finally {
    await embedder.close?.();
  }
  return results;
}

const f1 = (value: number): string => value.toFixed(1);

async function main(): Promise<void> {
  const prepared = await prepare();
  log('breakdown (child processes)');
  const bare = bareNode();
  const stages = Object.fromEntries(EMBEDDINGS_RESIDENCES.map((r) => [r, breakdown(prepared, r)])) as Record<
    EmbeddingsResidence,
    Stage[]
  >;
  const measured: ProcessesResult[] = [];
  for (const residence of EMBEDDINGS_RESIDENCES) measured.push(...(await processes(prepared, residence)));
  log('search cost of page-cache rows');
  const latency = await searchCost(prepared);

  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ n: N, dim: DIM, bareNode: bare, stages, processes: measured, latency })}\n`,
    );
    return;
  }
  process.stdout.write(`roleplane search serve at ${N} products × ${DIM} dimensions (MiB; RSS = anon + file)\n\n`);
  process.stdout.write(`breakdown: one process loading the service's parts in turn (after a full GC each)\n`);
  const rows: string[][] = [
    ['part', 'rows in memory: RSS', '+', 'in the page cache: RSS', '+', 'anon', 'file', 'V8 heap used/total'],
    ['node alone', f1(bare.rss), f1(bare.rss), f1(bare.rss), f1(bare.rss), f1(bare.anon), f1(bare.file), ''],
  ];
  const memory = stages.memory;
  const cache = stages['page-cache'];
  memory.forEach((stage, i) => {
    const other = cache[i] as Stage;
    const before = (list: Stage[]): number => (i === 0 ? bare.rss : (list[i - 1] as Stage).rss);
    rows.push([
      stage.part.replace(/ in memory$/, ''),
      f1(stage.rss),
      f1(stage.rss - before(memory)),
      f1(other.rss),
      f1(other.rss - before(cache)),
      f1(other.anon),
      f1(other.file),
      `${f1(other.heapUsed)}/${f1(other.heapTotal)}`,
    ]);
  });
  printTable(rows);

  process.stdout.write(
    `\nprocesses serving the same index (each warmed with 200 searches): per process RSS / PSS / USS, and the sum of PSS\n`,
  );
  const table: string[][] = [
    ['rows in', 'processes', 'RSS each', 'PSS each', 'USS each', 'PSS sum', '+ per process', 'npy in page cache'],
  ];
  for (const result of measured) {
    const first = measured.find((m) => m.residence === result.residence && m.processes === 1) as ProcessesResult;
    const perProcess =
      result.processes === 1 ? result.totalPss : (result.totalPss - first.totalPss) / (result.processes - 1);
    const range = (pick: (m: ProcMemory) => number): string => {
      const values = result.each.map(pick);
      return `${f1(Math.min(...values))}–${f1(Math.max(...values))}`;
    };
    table.push([
      result.residence,
      String(result.processes),
      range((m) => m.rss),
      range((m) => m.pss),
      range((m) => m.uss),
      f1(result.totalPss),
      f1(perProcess),
      result.embeddingsInPageCacheMiB === undefined ? 'n/a' : f1(result.embeddingsInPageCacheMiB),
    ]);
  }
  printTable(table);

  process.stdout.write(`\none search at a time, top 10, same query vectors (ms)\n`);
  printTable([
    ['searches', 'rows scored', 'memory p50', 'memory p99', 'page cache p50', 'page cache p99'],
    ...[...new Set(latency.map((l) => l.kind))].map((kind) => {
      const inMemory = latency.find((l) => l.kind === kind && l.residence === 'memory') as LatencyResult;
      const inCache = latency.find((l) => l.kind === kind && l.residence === 'page-cache') as LatencyResult;
      return [
        kind,
        String(inMemory.rowsScored),
        inMemory.p50Ms.toFixed(3),
        inMemory.p99Ms.toFixed(3),
        inCache.p50Ms.toFixed(3),
        inCache.p99Ms.toFixed(3),
      ];
    }),
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
