import { Prng } from './prng.js';
import { ExactVectorIndex } from '../vector-index.js';
import type { HnswVectorIndex } from './hnsw-index.js';
import { loadUsearchNative } from './usearch-native.js';

/**
 * Picks the graph's search breadth (ef) for this index: the smallest step whose recall@10 reaches the target on
 * probe queries made from a sample of the index's own rows, each moved off its row by its nearest-neighbour
 * distance in a random direction — a point the graph has never seen, at the spacing of the data, as a shopper's
 * query is. (The rows themselves are no proxy: a row the graph contains is found from anywhere; at 65,536 × 768
 * they reached 0.995 at ef 16 while held-out queries got 0.90 there and 0.9985 only at 64.)
 * The right ef depends on the data, not only its size: 65,536 clustered 768-d rows need 64 for 0.99, a million
 * rows of the same clusters several hundred (bench/vectors.ts). Measured at build time and recorded in the
 * manifest, so the service starts with a breadth known to be enough instead of a guess.
 */

export const EXPANSION_STEPS = [16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024] as const;

export interface CalibrationOptions {
  /** Rows sampled (evenly spaced). @default 100 */
  readonly sample?: number;
  /** @default 0.99 */
  readonly targetRecall?: number;
  /** Threads for the exact reference search. @default 0 - every core */
  readonly threads?: number;
}

export interface Calibration {
  readonly expansionSearch: number;
  /** Recall@10 of the probes at that breadth (below the target only if even the widest step does not reach it). */
  readonly recallAt10: number;
  readonly targetRecall: number;
  readonly sample: number;
}

const K = 10;

export function calibrateExpansion(
  index: HnswVectorIndex,
  data: Float32Array,
  dimensions: number,
  options: CalibrationOptions = {},
): Calibration {
  const targetRecall = options.targetRecall ?? 0.99;
  const count = index.count;
  const sample = Math.min(options.sample ?? 100, count);
  if (count <= K + 1 || sample === 0)
    return { expansionSearch: EXPANSION_STEPS[0], recallAt10: 1, targetRecall, sample: 0 };
  const rows = Array.from({ length: sample }, (_, i) => Math.floor(((i + 0.5) * count) / sample));
  const threads = options.threads ?? 0;
  const probes = probeQueries(
    data,
    dimensions,
    rows,
    exactTopK(data, dimensions, gather(data, dimensions, rows), 2, threads),
  );
  const truth = exactTopK(data, dimensions, probes, K, threads);

  const recallAt = (expansion: number): number => {
    let hit = 0;
    let total = 0;
    truth.forEach((want, i) => {
      const found = index.searchWithExpansion(probes.subarray(i * dimensions, (i + 1) * dimensions), K, expansion);
      const wanted = new Set(want);
      for (const h of found) if (wanted.has(h.row)) hit += 1;
      total += wanted.size;
    });
    return total === 0 ? 1 : hit / total;
  };
  for (const expansionSearch of EXPANSION_STEPS) {
    const recallAt10 = recallAt(expansionSearch);
    if (recallAt10 >= targetRecall) return { expansionSearch, recallAt10, targetRecall, sample };
  }
  const widest = EXPANSION_STEPS[EXPANSION_STEPS.length - 1] as number;
  return { expansionSearch: widest, recallAt10: recallAt(widest), targetRecall, sample };
}

function gather(data: Float32Array, dimensions: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dimensions);
  rows.forEach((row, i) => out.set(data.subarray(row * dimensions, (row + 1) * dimensions), i * dimensions));
  return out;
}

/**
 * Row + a random unit direction × the row's distance to its nearest other row, normalised (the rows are). The
 * direction comes from a fixed-seed generator, so a rebuild of the same embeddings calibrates the same way.
 */
function probeQueries(
  data: Float32Array,
  dimensions: number,
  rows: readonly number[],
  nearest: number[][],
): Float32Array {
  const prng = new Prng(0x5eed);
  const probes = gather(data, dimensions, rows);
  rows.forEach((row, i) => {
    const other = nearest[i]?.find((candidate) => candidate !== row);
    let dot = 0;
    if (other !== undefined)
      for (let d = 0; d < dimensions; d += 1)
        dot += (data[row * dimensions + d] as number) * (data[other * dimensions + d] as number);
    const distance = Math.sqrt(Math.max(0, 2 - 2 * dot));
    const direction = Float32Array.from({ length: dimensions }, () => prng.next() * 2 - 1);
    const norm = Math.hypot(...direction) || 1;
    const probe = probes.subarray(i * dimensions, (i + 1) * dimensions);
    for (let d = 0; d < dimensions; d += 1)
      probe[d] = (probe[d] as number) + ((direction[d] as number) * distance) / norm;
    const length = Math.hypot(...probe) || 1;
    for (let d = 0; d < dimensions; d += 1) probe[d] = (probe[d] as number) / length;
  });
  return probes;
}

/** Each query's exact top `k` rows by dot product. */
function exactTopK(
  data: Float32Array,
  dimensions: number,
  queries: Float32Array,
  k: number,
  threads: number,
): number[][] {
  const count = queries.length / dimensions;
  // usearch 2.25.3's brute force reads the array from its buffer's start, ignoring a view's offset (it then
  // answers for the wrong rows without an error): only hand it one that owns its buffer.
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
    const [keys, , counts] = loadUsearchNative().module.exactSearch(data, queries, dimensions, k, 'ip', threads);
    return Array.from({ length: count }, (_, i) =>
      Array.from({ length: Number(counts[i]) }, (_, j) => Number(keys[i * k + j])),
    );
  }
  const exact = new ExactVectorIndex(data, dimensions);
  return Array.from({ length: count }, (_, i) =>
    exact.search(queries.subarray(i * dimensions, (i + 1) * dimensions), k).map((h) => h.row),
  );
}
