/**
 * Child process for bench/vectors.ts: loads DATA.npy, builds one JS engine, runs every query one at a time
 * (after `warmup` untimed ones) and prints one JSON object like numpy_engine.py's. Run in its own process so its
 * resident memory is its own. `node --import tsx bench/vectors/engine.ts ENGINE DATA.npy QUERIES.npy K WARMUP`
 */
import { readFileSync } from 'node:fs';
import { readNpy } from '../../workloads/search/index/npy.js';
import { ExactVectorIndex, type VectorIndex } from '../../workloads/search/index/vector-index.js';

export type EngineFactory = (data: Float32Array, dim: number) => VectorIndex;

async function engineFactory(name: string): Promise<EngineFactory> {
  if (name === 'roleplane') return (data, dim) => new ExactVectorIndex(data, dim);
  if (name === 'int8-rerank') {
    const { Int8RerankIndex } = await import('../../workloads/search/index/ann/int8-rerank.js');
    return (data, dim) => new Int8RerankIndex(data, dim);
  }
  if (name === 'usearch-hnsw') {
    const { UsearchHnswIndex, loadUsearch } = await import('../../workloads/search/index/ann/usearch-hnsw.js');
    const usearch = await loadUsearch();
    return (data, dim) => new UsearchHnswIndex(usearch, data, dim);
  }
  throw new Error(`unknown engine ${JSON.stringify(name)}`);
}

function statusMiB(field: string): number | undefined {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : undefined;
}

async function main(): Promise<void> {
  const [name = '', dataPath = '', queryPath = '', kText = '10', warmupText = '20'] = process.argv.slice(2);
  const k = Number(kText);
  const warmup = Number(warmupText);
  const factory = await engineFactory(name);
  const start = performance.now();
  const { data, shape } = await readNpy(dataPath);
  const index = factory(data, shape[1]);
  const buildS = (performance.now() - start) / 1000;
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
  process.stdout.write(
    JSON.stringify({ buildS, latenciesMs, totalS, ids, rssMiB: process.memoryUsage().rss / 2 ** 20, peakRssMiB: statusMiB('VmHWM') }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
