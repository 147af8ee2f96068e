/**
 * Child process for bench/vectors.ts: loads DATA.npy, builds one JS engine, runs every query one at a time
 * (after `warmup` untimed ones) and prints one JSON object like numpy_engine.py's. Run in its own process so its
 * resident memory is its own.
 *
 *   node --import tsx bench/vectors/engine.ts ENGINE DATA.npy QUERIES.npy K WARMUP [CONCURRENCY] [FILTERED_QUERIES] [EXACT.json]
 *
 * EXACT.json holds numpy's exact top-k rows per query; with it the child also reports tie-aware recall@k: a
 * result counts when its score reaches the k-th exact score (both computed here with the same float32 dot
 * product), so of several rows tied at the k-th score any one is a right answer.
 *
 * Engines: `roleplane` is the service's vector index (HNSW graph over int8 rows, or over the rows' principal
 * directions where the data has few, exact float32 re-scoring, concurrent searches batched);
 * `roleplane-full-width` is the same never projected (to compare the two in one run); `exact-js` is the plain exact
 * scan it replaced. For engines with a batch path the
 * child also measures throughput with CONCURRENCY searches in flight through the service's batcher, filtered
 * searches at several selectivities (recall against the exact filtered answer), and the time to load the graph
 * back from a file — after RSS is read, so the second copy does not count.
 */
import { readFileSync } from 'node:fs';
import { buildServing } from '../../workloads/search/index/serve/ann/build-graph.js';
import { type Calibration, EXPANSION_STEPS } from '../../workloads/search/index/serve/ann/calibrate.js';
import { type HnswVectorIndex } from '../../workloads/search/index/serve/ann/hnsw-index.js';
import { readNpy } from '../../workloads/search/index/format/npy.js';
import { VectorSearchBatcher } from '../../workloads/search/index/serve/vector-batcher.js';
import { ExactVectorIndex, type VectorIndex } from '../../workloads/search/index/serve/vector-index.js';
import { percentile } from '../common/report.js';
import { Rng } from './synth.js';

type Engine = {
  index: VectorIndex;
  hnsw?: HnswVectorIndex;
  buildS: number;
  loadS?: number;
  calibration?: Calibration;
};
type Sweep = Array<{ expansionSearch: number; latenciesMs: number[]; ids: number[][]; scores: number[][] }>;

/**
 * roleplane as the index build and the service run it: build, calibrate the breadth (calibrate.ts), save, open
 * with it. Before the save, the breadth/recall trade-off is swept on the built graph (its native breadth is 1,
 * so every breadth can be tried on it; the served one is fixed at the calibrated value).
 */
async function buildEngine(
  name: string,
  data: Float32Array,
  dim: number,
  sweepQueries: readonly Float32Array[],
  k: number,
  sweep: Sweep,
): Promise<Engine> {
  if (name === 'exact-js') return { index: new ExactVectorIndex(data, dim), buildS: 0 };
  if (name === 'roleplane' || name === 'roleplane-full-width') {
    const inspect = (built: HnswVectorIndex): void => {
      for (const expansion of EXPANSION_STEPS) {
        const latencies: number[] = [];
        const found: number[][] = [];
        const scores: number[][] = [];
        for (const q of sweepQueries) {
          const t0 = performance.now();
          const hits = built.searchWithExpansion(q, k, expansion);
          latencies.push(performance.now() - t0);
          found.push(hits.map((h) => h.row));
          scores.push(hits.map((h) => h.score));
        }
        sweep.push({ expansionSearch: expansion, latenciesMs: latencies, ids: found, scores });
      }
    };
    const {
      index: hnsw,
      calibration,
      buildSeconds,
      openSeconds,
    } = await buildServing(data, dim, {
      inspect,
      ...(name === 'roleplane-full-width' ? { projection: false } : {}),
    });
    process.stderr.write(
      `bench:   ${name}: ${graphShape(hnsw, dim)}, calibrated ef ${calibration.expansionSearch} (promised recall@10 ${calibration.recallAt10.toFixed(4)}; held-out rows ${JSON.stringify(calibration.heldOut)}, moves on the served graph ${JSON.stringify(calibration.moves)})\n`,
    );
    return { index: hnsw, hnsw, buildS: buildSeconds, loadS: openSeconds, calibration };
  }
  throw new Error(`unknown engine ${JSON.stringify(name)} (engines: numpy, roleplane, roleplane-full-width, exact-js)`);
}

/** What the graph navigates in: `f32 64 of 768 (91%)` (a projection, with the variance it keeps), or `i8 768`. */
function graphShape(hnsw: HnswVectorIndex, dim: number): string {
  const { projection } = hnsw;
  return projection
    ? `f32 ${projection.width} of ${dim} (${(projection.retainedVariance * 100).toFixed(0)}%)`
    : `i8 ${dim}`;
}

function statusMiB(field: string): number | undefined {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : undefined;
}

/** Ascending random rows, each kept with probability `share` (fixed seed per share). */
function randomRows(count: number, share: number, seed: number): Uint32Array {
  const rng = new Rng(seed, Math.round(share * 1e6));
  const rows: number[] = [];
  for (let row = 0; row < count; row += 1) if (rng.next() < share) rows.push(row);
  return Uint32Array.from(rows);
}

async function main(): Promise<void> {
  const [
    name = '',
    dataPath = '',
    queryPath = '',
    kText = '10',
    warmupText = '20',
    concurrencyText = '32',
    filteredText = '100',
    exactPath = '',
  ] = process.argv.slice(2);
  const k = Number(kText);
  const warmup = Number(warmupText);
  const concurrency = Number(concurrencyText);
  const { data: queries, shape: qShape } = await readNpy(queryPath);
  const dim = qShape[1];
  const query = (i: number): Float32Array => queries.slice(i * dim, (i + 1) * dim);
  const sweep: Sweep = [];
  const sweepQueries = Array.from({ length: Math.min(200, qShape[0]) }, (_, i) => query(i));

  const start = performance.now();
  const { data, shape } = await readNpy(dataPath);
  const readS = (performance.now() - start) / 1000;
  const engine = await buildEngine(name, data, shape[1], sweepQueries, k, sweep);
  const { index, hnsw, loadS } = engine;
  // Build = reading the .npy + building and calibrating the index; not the sweep, nor saving and reopening.
  const buildS = readS + engine.buildS;
  process.stderr.write(`bench:   ${name}: loaded and built in ${buildS.toFixed(1)} s\n`);

  for (let i = 0; i < Math.min(warmup, qShape[0]); i += 1) index.search(query(i), k);
  const latenciesMs: number[] = [];
  const ids: number[][] = [];
  const scores: number[][] = [];
  const loopStart = performance.now();
  for (let i = 0; i < qShape[0]; i += 1) {
    const q = query(i);
    const t0 = performance.now();
    const hits = index.search(q, k);
    latenciesMs.push(performance.now() - t0);
    ids.push(hits.map((h) => h.row));
    scores.push(hits.map((h) => h.score));
  }
  const totalS = (performance.now() - loopStart) / 1000;
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  const peakRssMiB = statusMiB('VmHWM');

  let concurrent: { concurrency: number; qps: number; p50Ms: number; p99Ms: number; meanBatch: number } | undefined;
  const filtered: Array<{ selectivity: number; rows: number; p50Ms: number; p99Ms: number; recallAt10: number }> = [];
  if (hnsw) {
    // CONCURRENCY searches always in flight, as under that many concurrent requests: each finished search is
    // replaced by the next query at once.
    const batches: number[] = [];
    const batcher = new VectorSearchBatcher(index, { onBatch: (size) => batches.push(size) });
    const latencies: number[] = [];
    let next = 0;
    const concurrentStart = performance.now();
    const worker = async (): Promise<void> => {
      while (next < qShape[0]) {
        const q = query(next++);
        const t0 = performance.now();
        await batcher.search(q, k);
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const concurrentS = (performance.now() - concurrentStart) / 1000;
    concurrent = {
      concurrency,
      qps: qShape[0] / concurrentS,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      meanBatch: batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length),
    };

    // Filtered: the truth is the exact scan over the same rows.
    const exact = new ExactVectorIndex(data, shape[1]);
    const filteredQueries = Math.min(Number(filteredText), qShape[0]);
    for (const selectivity of [0.001, 0.01, 0.1, 0.5]) {
      const rows = randomRows(shape[0], selectivity, 7);
      const lat: number[] = [];
      let hit = 0;
      let total = 0;
      for (let i = 0; i < filteredQueries; i += 1) {
        const q = query(i);
        const t0 = performance.now();
        const hits = index.search(q, k, rows);
        lat.push(performance.now() - t0);
        const truth = new Set(exact.search(q, k, rows).map((h) => h.row));
        for (const h of hits) if (truth.has(h.row)) hit += 1;
        total += truth.size;
      }
      filtered.push({
        selectivity,
        rows: rows.length,
        p50Ms: percentile(lat, 50),
        p99Ms: percentile(lat, 99),
        recallAt10: total === 0 ? 1 : hit / total,
      });
    }
  }
  // Tie-aware recall against numpy's rows: the k-th exact score by our own dot product, per query.
  let tieRecallAt10: number | undefined;
  if (exactPath) {
    const exactIds = JSON.parse(readFileSync(exactPath, 'utf8')) as number[][];
    const scorer = new ExactVectorIndex(data, shape[1]);
    const kth = exactIds.map((rows, i) => {
      const top = scorer.search(
        query(i),
        k,
        [...rows].sort((a, b) => a - b),
      );
      return top.at(-1)?.score ?? Number.NEGATIVE_INFINITY;
    });
    const tieRecall = (found: number[][]): number => {
      let hit = 0;
      let total = 0;
      found.forEach((row, i) => {
        for (const score of row.slice(0, k)) if (score >= (kth[i] as number)) hit += 1;
        total += Math.min(k, exactIds[i]?.length ?? 0);
      });
      return total === 0 ? 1 : hit / total;
    };
    tieRecallAt10 = tieRecall(scores);
    for (const s of sweep) Object.assign(s, { tieRecallAt10: tieRecall(s.scores) });
  }
  for (const s of sweep) delete (s as Partial<Sweep[number]>).scores;
  process.stdout.write(
    JSON.stringify({
      tieRecallAt10,
      calibration: engine.calibration,
      buildS,
      latenciesMs,
      totalS,
      ids,
      rssMiB,
      peakRssMiB,
      concurrent,
      filtered,
      loadS,
      sweep,
      expansionSearch: hnsw?.expansionSearch,
      graph: hnsw ? graphShape(hnsw, shape[1]) : undefined,
      connectivity: hnsw?.params.connectivity,
    }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
