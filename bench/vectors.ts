/**
 * `npm run bench:vectors -- [--data clustered|anisotropic|families[,…]] [--n 65536] [--dim 768] [--queries 1000]
 *   [--engines numpy,roleplane,roleplane-full-width,exact-js] [--json]`, or on your own embeddings:
 * `npm run bench:vectors -- --embeddings rows.npy --queries queries.npy`
 *
 * The vector stage alone, one query at a time, per data set: synthetic embeddings (fixed seeds, L2-normalised; the
 * shapes are described in vectors/synth.ts) are written as .npy with held-out queries, or the given .npy files are
 * used as they are; then numpy (exact top-k by dot product, OpenBLAS with both cores) and roleplane's engines each
 * load the same files in their own process and answer the same queries. Latencies are measured inside each
 * engine's process around the search call alone; QPS = queries / wall time of the timed loop; recall@k is against
 * numpy's exact results of the same run, by row ids and tie-aware (a result whose exact score reaches the k-th
 * exact score counts: near-duplicate rows tie); build = load of the .npy + index build and calibration; RSS =
 * the engine process's resident memory after the run. For roleplane it then measures `--concurrency` searches in
 * flight through the service's batcher, filtered searches at 0.1%, 1%, 10% and 50% selectivity (recall against
 * the exact filtered answer), recall and latency at every search breadth, and the time to load the stored graph.
 * With several data sets, a summary table per data set ends the output. Progress goes to stderr; the tables (or
 * with --json one object) to stdout. python3-numpy is installed with apt-get when missing and the bench runs as root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile, positiveIntArg, printTable } from './common/report.js';
import { ensureNumpyPython } from './vectors/numpy-setup.js';
import { chooseOpenblas } from './vectors/openblas.js';
import { readNpyHeader } from '../workloads/search/index/format/npy.js';
import { DISTRIBUTIONS, isDistribution, type Distribution, writeSynthetic } from './vectors/synth.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: 'clustered' },
    embeddings: { type: 'string' },
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
/** `--queries`: a count for synthetic data, or the .npy of queries for `--embeddings`. */
const QUERY_FILE = args.embeddings !== undefined ? args.queries : undefined;
if (args.embeddings !== undefined && (QUERY_FILE === undefined || !QUERY_FILE.endsWith('.npy')))
  throw new Error('--embeddings needs --queries <queries.npy> (rows of the same width, held out from the embeddings)');
const QUERIES = QUERY_FILE === undefined ? positiveIntArg('queries', args.queries) : 0;
const DATA = (args.data ?? '').split(',').map((d) => d.trim());
for (const d of DATA)
  if (!isDistribution(d)) throw new Error(`--data ${d}: expected one of ${DISTRIBUTIONS.join(', ')} (or --embeddings)`);
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
  tieRecallAt10?: number;
  calibration?: { expansionSearch: number; recallAt10: number; targetRecall: number };
  shape?: { meanCosine: number; gapMedian?: number; gapUnder002?: number };
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
  sweep?: Array<{ expansionSearch: number; latenciesMs: number[]; ids: number[][]; tieRecallAt10?: number }>;
  expansionSearch?: number;
  connectivity?: number;
  graph?: string;
}

interface EngineResult {
  name: string;
  p50Ms: number;
  p99Ms: number;
  qps: number;
  recallAt10: number;
  /** Tie-aware: a result whose exact score reaches numpy's k-th counts. */
  tieRecallAt10?: number;
  /** The recall the build promised (calibrate.ts), checked on the served graph. */
  promisedRecallAt10?: number;
  buildS: number;
  rssMiB: number;
  peakRssMiB?: number;
  concurrent?: EngineRun['concurrent'];
  filtered?: EngineRun['filtered'];
  loadS?: number;
  /** The graph's breadth as calibrated by the build, its links, and recall/latency at every breadth (200 queries). */
  expansionSearch?: number;
  connectivity?: number;
  /** What the graph navigates in (engine.ts, graphShape). */
  graph?: string;
  sweep?: Array<{ expansionSearch: number; p50Ms: number; p99Ms: number; recallAt10: number; tieRecallAt10?: number }>;
}

/** One data set: its files and, for the summary, its name and numpy's view of its shape. */
interface DataSet {
  readonly name: string;
  readonly dataPath: string;
  readonly queryPath: string;
  readonly rows: number;
  readonly dim: number;
  readonly queries: number;
}

interface DataSetResult {
  readonly data: DataSet;
  readonly shape?: EngineRun['shape'];
  readonly engines: EngineResult[];
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

/** The data sets to run: synthetic ones written once per parameter set (reused after), or the given files. */
async function dataSets(dir: string): Promise<DataSet[]> {
  if (args.embeddings !== undefined) {
    const rows = await readNpyHeader(args.embeddings);
    const queries = await readNpyHeader(QUERY_FILE as string);
    if (rows.shape[1] !== queries.shape[1])
      throw new Error(
        `--queries has ${queries.shape[1]} columns, --embeddings ${rows.shape[1]}: they must be the same width`,
      );
    return [
      {
        name: basename(args.embeddings, '.npy'),
        dataPath: args.embeddings,
        queryPath: QUERY_FILE as string,
        rows: rows.shape[0],
        dim: rows.shape[1],
        queries: queries.shape[0],
      },
    ];
  }
  const sets: DataSet[] = [];
  for (const name of DATA as Distribution[]) {
    // The clustered tag is the one this bench always used, so files written before are reused.
    const tag =
      name === 'clustered' ? `n${N}-d${DIM}-c${CLUSTERS}-z${NOISE}-s${SEED}` : `${name}-n${N}-d${DIM}-s${SEED}`;
    const dataPath = join(dir, `data-${tag}.npy`);
    const queryPath = join(dir, `queries-${tag}-q${QUERIES}.npy`);
    const synth = { dim: DIM, clusters: CLUSTERS, noise: NOISE, seed: SEED, dataRows: N };
    if (!existsSync(dataPath)) {
      log(`writing ${N} x ${DIM} ${name} embeddings to ${dataPath}`);
      const t0 = performance.now();
      await writeSynthetic(dataPath, name, N, { ...synth, queries: false });
      log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } else log(`reusing ${dataPath} (same parameters and seed)`);
    if (!existsSync(queryPath)) await writeSynthetic(queryPath, name, QUERIES, { ...synth, queries: true });
    sets.push({ name, dataPath, queryPath, rows: N, dim: DIM, queries: QUERIES });
  }
  return sets;
}

async function runDataSet(
  set: DataSet,
  python: string,
  pyEnv: NodeJS.ProcessEnv,
  note: string,
): Promise<DataSetResult> {
  const runs = new Map<string, EngineRun>();
  log(`${set.name}: running numpy`);
  const numpyRun = runChild(
    python,
    [join(HERE, 'vectors', 'numpy_engine.py'), set.dataPath, set.queryPath, String(K), String(WARMUP)],
    pyEnv,
    'numpy',
  );
  runs.set('numpy', numpyRun);
  log(
    `  numpy ${numpyRun.numpy}, BLAS ${numpyRun.blas?.corename ?? 'reference'} x${numpyRun.blas?.threads ?? 1} (${note})`,
  );
  // numpy's answers, for the engines' tie-aware recall (they score numpy's rows with their own dot product).
  const exactPath = join(dirname(set.queryPath), `exact-${basename(set.queryPath, '.npy')}-${process.pid}.json`);
  writeFileSync(exactPath, JSON.stringify(numpyRun.ids));
  for (const engine of ENGINES.filter((e) => e !== 'numpy')) {
    log(`${set.name}: running ${engine}`);
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
          set.dataPath,
          set.queryPath,
          String(K),
          String(WARMUP),
          String(CONCURRENCY),
          String(FILTERED_QUERIES),
          exactPath,
        ],
        process.env,
        engine,
      ),
    );
  }
  rmSync(exactPath, { force: true });
  const engines: EngineResult[] = [...runs].map(([name, run]) => ({
    name,
    p50Ms: percentile(run.latenciesMs, 50),
    p99Ms: percentile(run.latenciesMs, 99),
    qps: run.latenciesMs.length / run.totalS,
    recallAt10: recall(run.ids, numpyRun.ids, K),
    ...(name === 'numpy' ? { tieRecallAt10: 1 } : {}),
    ...(run.tieRecallAt10 !== undefined ? { tieRecallAt10: run.tieRecallAt10 } : {}),
    ...(run.calibration ? { promisedRecallAt10: run.calibration.recallAt10 } : {}),
    buildS: run.buildS,
    rssMiB: run.rssMiB,
    ...(run.peakRssMiB !== undefined ? { peakRssMiB: run.peakRssMiB } : {}),
    ...(run.concurrent ? { concurrent: run.concurrent } : {}),
    ...(run.filtered ? { filtered: run.filtered } : {}),
    ...(run.loadS !== undefined ? { loadS: run.loadS } : {}),
    ...(run.expansionSearch !== undefined
      ? { expansionSearch: run.expansionSearch, connectivity: run.connectivity, graph: run.graph }
      : {}),
    ...(run.sweep
      ? {
          sweep: run.sweep.map((s) => ({
            expansionSearch: s.expansionSearch,
            p50Ms: percentile(s.latenciesMs, 50),
            p99Ms: percentile(s.latenciesMs, 99),
            recallAt10: recall(s.ids, numpyRun.ids.slice(0, s.ids.length), K),
            ...(s.tieRecallAt10 !== undefined ? { tieRecallAt10: s.tieRecallAt10 } : {}),
          })),
        }
      : {}),
  }));
  return { data: set, ...(numpyRun.shape ? { shape: numpyRun.shape } : {}), engines };
}

async function main(): Promise<void> {
  const dir = args.dir ?? join(tmpdir(), 'roleplane-bench-vectors');
  mkdirSync(dir, { recursive: true });
  const sets = await dataSets(dir);

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

  const results: DataSetResult[] = [];
  for (const set of sets) results.push(await runDataSet(set, python, pyEnv, blas?.note ?? 'reference BLAS'));

  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({
        k: K,
        dataSets: results.map((r) => ({ ...r.data, shape: r.shape, engines: r.engines })),
      })}\n`,
    );
    return;
  }
  for (const result of results) printDataSet(result);
  if (results.length > 1 || args.embeddings !== undefined) printSummary(results);
}

function printDataSet({ data, shape, engines }: DataSetResult): void {
  const raw = (data.rows * data.dim * 4) / 2 ** 20;
  const base = engines.find((e) => e.name === 'numpy') as EngineResult;
  process.stdout.write(
    `\n== ${data.name}: ${data.rows} x ${data.dim} float32 (${raw.toFixed(0)} MiB raw), ${data.queries} held-out queries one at a time, top-${K}` +
      (data.name === 'clustered' ? `, ${CLUSTERS} clusters` : '') +
      `, seed ${SEED}\n`,
  );
  if (shape)
    process.stdout.write(
      `mean pairwise cosine ${shape.meanCosine.toFixed(3)}` +
        (shape.gapMedian !== undefined
          ? `; ${K}th-${K + 1}th best score gap: median ${shape.gapMedian.toFixed(4)}, < 0.002 for ${((shape.gapUnder002 ?? 0) * 100).toFixed(0)}% of queries`
          : '') +
        '\n',
    );
  const rows = [
    [
      'engine',
      'p50 ms',
      'p99 ms',
      'QPS',
      `recall@${K}`,
      'tie-aware',
      'promised',
      'build s',
      'RSS MiB',
      'RSS/raw',
      'QPS vs numpy',
    ],
    ...engines.map((e) => [
      e.name,
      e.p50Ms.toFixed(3),
      e.p99Ms.toFixed(3),
      e.qps.toFixed(1),
      e.recallAt10.toFixed(4),
      e.tieRecallAt10 !== undefined ? e.tieRecallAt10.toFixed(4) : '-',
      e.promisedRecallAt10 !== undefined ? e.promisedRecallAt10.toFixed(4) : '-',
      e.buildS.toFixed(2),
      e.rssMiB.toFixed(0),
      `${(e.rssMiB / raw).toFixed(2)}x`,
      `${(e.qps / base.qps).toFixed(2)}x`,
    ]),
  ];
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
        `\n${e.name}, search breadth (ef) vs recall, first ${Math.min(200, data.queries)} queries; graph ${e.graph ?? '-'}, M ${e.connectivity}, the build calibrated ef ${e.expansionSearch}\n`,
      );
      printTable([
        ['ef', 'p50 ms', 'p99 ms', `recall@${K}`, 'tie-aware'],
        ...e.sweep.map((s) => [
          `${s.expansionSearch}${s.expansionSearch === e.expansionSearch ? ' *' : ''}`,
          s.p50Ms.toFixed(3),
          s.p99Ms.toFixed(3),
          s.recallAt10.toFixed(4),
          s.tieRecallAt10 !== undefined ? s.tieRecallAt10.toFixed(4) : '-',
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

/** One line per data set and engine: the figures the issue asks for, side by side. */
function printSummary(results: readonly DataSetResult[]): void {
  process.stdout.write(`\nsummary (recall against numpy's exact answers in the same run)\n`);
  printTable([
    [
      'data',
      'rows x dim',
      'mean cos',
      'gap<0.002',
      'engine',
      'graph',
      'ef',
      'promised',
      `recall@${K}`,
      'tie-aware',
      'p50 ms',
      'p99 ms',
      'build s',
    ],
    ...results.flatMap(({ data, shape, engines }) =>
      engines.map((e) => [
        data.name,
        `${data.rows} x ${data.dim}`,
        shape ? shape.meanCosine.toFixed(3) : '-',
        shape?.gapUnder002 !== undefined ? `${(shape.gapUnder002 * 100).toFixed(0)}%` : '-',
        e.name,
        e.graph ?? '-',
        e.expansionSearch !== undefined ? String(e.expansionSearch) : '-',
        e.promisedRecallAt10 !== undefined ? e.promisedRecallAt10.toFixed(4) : '-',
        e.recallAt10.toFixed(4),
        e.tieRecallAt10 !== undefined ? e.tieRecallAt10.toFixed(4) : '-',
        e.p50Ms.toFixed(3),
        e.p99Ms.toFixed(3),
        e.buildS.toFixed(2),
      ]),
    ),
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
