/**
 * Child process for bench/vectors.ts: loads DATA.npy, builds one JS engine, runs every query one at a time
 * (after `warmup` untimed ones) and prints one JSON object like numpy_engine.py's. Run in its own process so its
 * resident memory is its own.
 *
 *   node --import tsx bench/vectors/engine.ts ENGINE DATA.npy QUERIES.npy K WARMUP [CONCURRENCY] [FILTERED_QUERIES]
 *
 * Engines: `roleplane` is the service's vector index (HNSW graph over int8 rows, exact float32 re-scoring,
 * concurrent searches batched); `exact-js` is the plain exact scan it replaced. For engines with a batch path the
 * child also measures throughput with CONCURRENCY searches in flight through the service's batcher, filtered
 * searches at several selectivities (recall against the exact filtered answer), and the time to load the graph
 * back from a file — after RSS is read, so the second copy does not count.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServing } from '../../workloads/search/index/ann/ann-file.js';
import { EXPANSION_STEPS } from '../../workloads/search/index/ann/calibrate.js';
import { HnswVectorIndex } from '../../workloads/search/index/ann/hnsw-index.js';
import { readNpy } from '../../workloads/search/index/npy.js';
import { VectorSearchBatcher } from '../../workloads/search/index/vector-batcher.js';
import { ExactVectorIndex, type VectorIndex } from '../../workloads/search/index/vector-index.js';
import { percentile } from '../common/report.js';
import { Rng } from './synth.js';

type Engine = { index: VectorIndex; hnsw?: HnswVectorIndex };

async function buildEngine(name: string, data: Float32Array, dim: number): Promise<Engine> {
  if (name === 'exact-js') return { index: new ExactVectorIndex(data, dim) };
  if (name === 'roleplane') {
    // As the index build and the service do it: build, measure the breadth this data needs (calibrate.ts),
    // save and open with it.
    const { index: hnsw, calibration } = await buildServing(data, dim);
    process.stderr.write(`bench:   roleplane: calibrated ef ${calibration.expansionSearch} (sampled recall@10 ${calibration.recallAt10.toFixed(3)})\n`);
    return { index: hnsw, hnsw };
  }
  throw new Error(`unknown engine ${JSON.stringify(name)} (engines: numpy, roleplane, exact-js)`);
}

function statusMiB(field: string): number | undefined {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
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
  const [name = '', dataPath = '', queryPath = '', kText = '10', warmupText = '20', concurrencyText = '32', filteredText = '100'] = process.argv.slice(2);
  const k = Number(kText);
  const warmup = Number(warmupText);
  const concurrency = Number(concurrencyText);
  const start = performance.now();
  const { data, shape } = await readNpy(dataPath);
  const { index, hnsw } = await buildEngine(name, data, shape[1]);
  const buildS = (performance.now() - start) / 1000;
  process.stderr.write(`bench:   ${name}: loaded and built in ${buildS.toFixed(1)} s\n`);
  const { data: queries, shape: qShape } = await readNpy(queryPath);
  const dim = qShape[1];
  const query = (i: number): Float32Array => queries.slice(i * dim, (i + 1) * dim);

  for (let i = 0; i < Math.min(warmup, qShape[0]); i += 1) index.search(query(i), k);
  const latenciesMs: number[] = [];
  const ids: number[][] = [];
  const loopStart = performance.now();
  for (let i = 0; i < qShape[0]; i += 1) {
    const q = query(i);
    const t0 = performance.now();
    const hits = index.search(q, k);
    latenciesMs.push(performance.now() - t0);
    ids.push(hits.map((h) => h.row));
  }
  const totalS = (performance.now() - loopStart) / 1000;
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  const peakRssMiB = statusMiB('VmHWM');

  // The breadth/recall/latency trade-off of this very graph: the first 200 queries at every calibration step.
  const sweep: Array<{ expansionSearch: number; latenciesMs: number[]; ids: number[][] }> = [];
  if (hnsw) {
    for (const expansion of EXPANSION_STEPS) {
      const latencies: number[] = [];
      const found: number[][] = [];
      for (let i = 0; i < Math.min(200, qShape[0]); i += 1) {
        const q = query(i);
        const t0 = performance.now();
        const hits = hnsw.searchWithExpansion(q, k, expansion);
        latencies.push(performance.now() - t0);
        found.push(hits.map((h) => h.row));
      }
      sweep.push({ expansionSearch: expansion, latenciesMs: latencies, ids: found });
    }
  }

  let concurrent: { concurrency: number; qps: number; p50Ms: number; p99Ms: number; meanBatch: number } | undefined;
  const filtered: Array<{ selectivity: number; rows: number; p50Ms: number; p99Ms: number; recallAt10: number }> = [];
  let loadS: number | undefined;
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
      filtered.push({ selectivity, rows: rows.length, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), recallAt10: total === 0 ? 1 : hit / total });
    }

    const dir = mkdtempSync(join(tmpdir(), 'roleplane-bench-graph-'));
    try {
      hnsw.save(join(dir, 'vectors.usearch'));
      const t0 = performance.now();
      HnswVectorIndex.open(join(dir, 'vectors.usearch'), data, shape[1], { ...hnsw.params, expansionSearch: hnsw.expansionSearch });
      loadS = (performance.now() - t0) / 1000;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    JSON.stringify({ buildS, latenciesMs, totalS, ids, rssMiB, peakRssMiB, concurrent, filtered, loadS, sweep, expansionSearch: hnsw?.expansionSearch, connectivity: hnsw?.params.connectivity }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
