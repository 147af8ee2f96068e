/**
 * `npm run bench:vectors -- [--n 65536] [--dim 768] [--queries 1000] [--engines numpy,roleplane,exact-js] [--json]`
 *
 * The vector stage alone, one query at a time: clustered synthetic embeddings (fixed seed, L2-normalised) are
 * written as .npy with held-out queries; then numpy (exact top-k by dot product, OpenBLAS with both cores) and
 * roleplane's engines each load the same file in their own process and answer the same queries. Latencies are
 * measured inside each engine's process around the search call alone; QPS = queries / wall time of the timed
 * loop; recall@k is against numpy's exact results; build = load of the .npy + index build; RSS = the engine
 * process's resident memory after the run. For roleplane it then measures `--concurrency` searches in flight
 * through the service's batcher, filtered searches at 0.1%, 1%, 10% and 50% selectivity (recall against the exact
 * filtered answer) and the time to load the stored graph. Progress goes to stderr; the tables (or with --json one
 * object) to stdout. python3-numpy is installed with apt-get when missing and the bench runs as root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile, positiveIntArg, printTable } from './common/report.js';
import { ensureNumpyPython } from './vectors/numpy-setup.js';
import { chooseOpenblas } from './vectors/openblas.js';
import { makeCentres, writeClustered } from './vectors/synth.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '65536' },
    dim: { type: 'string', default: '768' },
    queries: { type: 'string', default: '1000' },
    k: { type: 'string', default: '10' },
    clusters: { type: 'string', default: '256' },
    noise: { type: 'string', default: '1' },
    seed: { type: 'string', default: '42' },
    warmup: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    'filtered-queries': { type: 'string', default: '100' },
    engines: { type: 'string', default: 'numpy,roleplane' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const N = positiveIntArg('n', args.n);
const DIM = positiveIntArg('dim', args.dim);
const QUERIES = positiveIntArg('queries', args.queries);
const K = positiveIntArg('k', args.k);
const CLUSTERS = positiveIntArg('clusters', args.clusters);
const SEED = positiveIntArg('seed', args.seed);
const WARMUP = Number(args.warmup);
const CONCURRENCY = positiveIntArg('concurrency', args.concurrency);
const FILTERED_QUERIES = positiveIntArg('filtered-queries', args['filtered-queries']);
const NOISE = Number(args.noise);
const ENGINES = (args.engines ?? '')
  .split(',')
  .map((e) => e.trim())
  .filter(Boolean);
if (!ENGINES.includes('numpy')) throw new Error('--engines must include numpy: it is the exact reference for recall');

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(HERE);
const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);

interface EngineRun {
  buildS: number;
  latenciesMs: number[];
  totalS: number;
  ids: number[][];
  rssMiB: number;
  peakRssMiB?: number;
  blas?: { libraries: string[]; corename: string | null; threads: number | null };
  numpy?: string;
  concurrent?: { concurrency: number; qps: number; p50Ms: number; p99Ms: number; meanBatch: number };
  filtered?: Array<{ selectivity: number; rows: number; p50Ms: number; p99Ms: number; recallAt10: number }>;
  loadS?: number;
  sweep?: Array<{ expansionSearch: number; latenciesMs: number[]; ids: number[][] }>;
  expansionSearch?: number;
  connectivity?: number;
}

interface EngineResult {
  name: string;
  p50Ms: number;
  p99Ms: number;
  qps: number;
  recallAt10: number;
  buildS: number;
  rssMiB: number;
  peakRssMiB?: number;
  concurrent?: EngineRun['concurrent'];
  filtered?: EngineRun['filtered'];
  loadS?: number;
  /** The graph's breadth as calibrated by the build, its links, and recall/latency at every breadth (200 queries). */
  expansionSearch?: number;
  connectivity?: number;
  sweep?: Array<{ expansionSearch: number; p50Ms: number; p99Ms: number; recallAt10: number }>;
}

function recall(found: number[][], exact: number[][], k: number): number {
  let hit = 0;
  let total = 0;
  exact.forEach((truth, q) => {
    const want = new Set(truth.slice(0, k));
    for (const row of (found[q] ?? []).slice(0, k)) if (want.has(row)) hit += 1;
    total += want.size;
  });
  return total === 0 ? 1 : hit / total;
}

function runChild(command: string, argv: string[], env: NodeJS.ProcessEnv, what: string): EngineRun {
  const result = spawnSync(command, argv, {
    cwd: REPO,
    env,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`${what} exited ${result.status ?? result.signal}`);
  return JSON.parse(result.stdout) as EngineRun;
}

async function main(): Promise<void> {
  const dir = args.dir ?? join(tmpdir(), 'roleplane-bench-vectors');
  mkdirSync(dir, { recursive: true });
  const tag = `n${N}-d${DIM}-c${CLUSTERS}-z${NOISE}-s${SEED}`;
  const dataPath = join(dir, `data-${tag}.npy`);
  const queryPath = join(dir, `queries-${tag}-q${QUERIES}.npy`);
  const synth = { dim: DIM, clusters: CLUSTERS, noise: NOISE, seed: SEED };
  const centres = makeCentres(synth);
  if (!existsSync(dataPath)) {
    log(`writing ${N} x ${DIM} clustered embeddings to ${dataPath}`);
    const t0 = performance.now();
    await writeClustered(dataPath, N, 2, centres, synth);
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else log(`reusing ${dataPath} (same parameters and seed)`);
  if (!existsSync(queryPath)) await writeClustered(queryPath, QUERIES, 3, centres, synth);

  const python = ensureNumpyPython(log);
  const blas = chooseOpenblas(python);
  if (!blas)
    log(
      'WARNING: numpy runs on the reference BLAS (no OpenBLAS found or fetched): its figures are not comparable with an OpenBLAS numpy',
    );
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine for old OpenBLAS builds; they slow a current
  // one, so they are unset together for the numpy subprocess alone (see /work/.library/env/README.md).
  const pyEnv: NodeJS.ProcessEnv = { ...process.env, ...(blas?.env ?? {}) };
  delete pyEnv.OPENBLAS_CORETYPE;
  delete pyEnv.OPENBLAS_L2_SIZE;

  const runs = new Map<string, EngineRun>();
  log('running numpy');
  const numpyRun = runChild(
    python,
    [join(HERE, 'vectors', 'numpy_engine.py'), dataPath, queryPath, String(K), String(WARMUP)],
    pyEnv,
    'numpy',
  );
  runs.set('numpy', numpyRun);
  log(
    `  numpy ${numpyRun.numpy}, BLAS ${numpyRun.blas?.corename ?? 'reference'} x${numpyRun.blas?.threads ?? 1} (${blas?.note ?? 'reference BLAS'})`,
  );
  for (const engine of ENGINES.filter((e) => e !== 'numpy')) {
    log(`running ${engine}`);
    runs.set(
      engine,
      runChild(
        process.execPath,
        [
          '--expose-gc',
          '--import',
          'tsx',
          join(HERE, 'vectors', 'engine.ts'),
          engine,
          dataPath,
          queryPath,
          String(K),
          String(WARMUP),
          String(CONCURRENCY),
          String(FILTERED_QUERIES),
        ],
        process.env,
        engine,
      ),
    );
  }

  const engines: EngineResult[] = [...runs].map(([name, run]) => {
    return {
      name,
      p50Ms: percentile(run.latenciesMs, 50),
      p99Ms: percentile(run.latenciesMs, 99),
      qps: run.latenciesMs.length / run.totalS,
      recallAt10: recall(run.ids, numpyRun.ids, K),
      buildS: run.buildS,
      rssMiB: run.rssMiB,
      ...(run.peakRssMiB !== undefined ? { peakRssMiB: run.peakRssMiB } : {}),
      ...(run.concurrent ? { concurrent: run.concurrent } : {}),
      ...(run.filtered ? { filtered: run.filtered } : {}),
      ...(run.loadS !== undefined ? { loadS: run.loadS } : {}),
      ...(run.expansionSearch !== undefined
        ? { expansionSearch: run.expansionSearch, connectivity: run.connectivity }
        : {}),
      ...(run.sweep
        ? {
            sweep: run.sweep.map((s) => ({
              expansionSearch: s.expansionSearch,
              p50Ms: percentile(s.latenciesMs, 50),
              p99Ms: percentile(s.latenciesMs, 99),
              recallAt10: recall(s.ids, numpyRun.ids.slice(0, s.ids.length), K),
            })),
          }
        : {}),
    };
  });

  if (args.json) {
    process.stdout.write(`${JSON.stringify({ n: N, dim: DIM, queries: QUERIES, k: K, engines })}\n`);
    return;
  }
  const raw = (N * DIM * 4) / 2 ** 20;
  const base = engines.find((e) => e.name === 'numpy') as EngineResult;
  const rows = [
    ['engine', 'p50 ms', 'p99 ms', 'QPS', `recall@${K}`, 'build s', 'RSS MiB', 'RSS/raw', 'QPS vs numpy'],
    ...engines.map((e) => [
      e.name,
      e.p50Ms.toFixed(3),
      e.p99Ms.toFixed(3),
      e.qps.toFixed(1),
      e.recallAt10.toFixed(4),
      e.buildS.toFixed(2),
      e.rssMiB.toFixed(0),
      `${(e.rssMiB / raw).toFixed(2)}x`,
      `${(e.qps / base.qps).toFixed(2)}x`,
    ]),
  ];
  process.stdout.write(
    `${N} x ${DIM} float32 (${raw.toFixed(0)} MiB raw), ${QUERIES} queries one at a time, top-${K}, ${CLUSTERS} clusters, seed ${SEED}\n`,
  );
  printTable(rows);
  for (const e of engines) {
    if (e.concurrent) {
      const c = e.concurrent;
      process.stdout.write(
        `\n${e.name}, ${c.concurrency} searches in flight (batched, both cores): ${c.qps.toFixed(0)} QPS = ${(c.qps / e.qps).toFixed(2)}x one at a time, `,
      );
      process.stdout.write(
        `p50 ${c.p50Ms.toFixed(3)} ms, p99 ${c.p99Ms.toFixed(3)} ms, mean batch ${c.meanBatch.toFixed(1)}\n`,
      );
    }
    if (e.loadS !== undefined)
      process.stdout.write(
        `${e.name}: graph loaded back from its file in ${e.loadS.toFixed(2)} s (the service's start-up path)\n`,
      );
    if (e.sweep && e.sweep.length > 0) {
      process.stdout.write(
        `\n${e.name}, search breadth (ef) vs recall, first ${Math.min(200, QUERIES)} queries; M ${e.connectivity}, the build calibrated ef ${e.expansionSearch}\n`,
      );
      printTable([
        ['ef', 'p50 ms', 'p99 ms', `recall@${K}`],
        ...e.sweep.map((s) => [
          `${s.expansionSearch}${s.expansionSearch === e.expansionSearch ? ' *' : ''}`,
          s.p50Ms.toFixed(3),
          s.p99Ms.toFixed(3),
          s.recallAt10.toFixed(4),
        ]),
      ]);
    }
    if (e.filtered && e.filtered.length > 0) {
      process.stdout.write(
        `\n${e.name}, filtered (${FILTERED_QUERIES} queries each; recall against the exact scan over the rows that pass)\n`,
      );
      printTable([
        ['pass', 'rows', 'p50 ms', 'p99 ms', `recall@${K}`],
        ...e.filtered.map((f) => [
          `${(f.selectivity * 100).toString()}%`,
          String(f.rows),
          f.p50Ms.toFixed(3),
          f.p99Ms.toFixed(3),
          f.recallAt10.toFixed(4),
        ]),
      ]);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
