import { ExactVectorIndex } from '../vector-index.js';
import type { HnswVectorIndex } from './hnsw-index.js';
import { loadUsearchNative } from './usearch-native.js';

/**
 * Picks the graph's search breadth (ef) for this index: twice the smallest step whose recall@10 on a sample of
 * the index's own rows (each row's neighbours, itself excluded — what "related products" asks) reaches the
 * target. Twice, because a row the graph contains is easier to search from than a query it has never seen:
 * at 20,000 × 128 the sampled recall was 0.998 at ef 16 while held-out queries got 0.985 there and 0.998 at 32.
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
  /** Sampled recall@10 at that breadth (below the target only if even the largest step does not reach it). */
  readonly recallAt10: number;
  readonly targetRecall: number;
  readonly sample: number;
}

const K = 10;

export function calibrateExpansion(index: HnswVectorIndex, data: Float32Array, dimensions: number, options: CalibrationOptions = {}): Calibration {
  const targetRecall = options.targetRecall ?? 0.99;
  const count = index.count;
  const sample = Math.min(options.sample ?? 100, count);
  if (count <= K + 1 || sample === 0) return { expansionSearch: EXPANSION_STEPS[0], recallAt10: 1, targetRecall, sample: 0 };
  const rows = Array.from({ length: sample }, (_, i) => Math.floor(((i + 0.5) * count) / sample));
  const truth = exactNeighbours(data, dimensions, rows, options.threads ?? 0);

  const recallAt = (expansion: number): number => {
    let hit = 0;
    let total = 0;
    rows.forEach((row, i) => {
      const want = truth[i] as Set<number>;
      const found = index.searchWithExpansion(index.vector(row), K, expansion, (other) => other !== row);
      for (const h of found) if (want.has(h.row)) hit += 1;
      total += want.size;
    });
    return total === 0 ? 1 : hit / total;
  };
  const widest = EXPANSION_STEPS[EXPANSION_STEPS.length - 1] as number;
  for (const step of EXPANSION_STEPS) {
    if (recallAt(step) < targetRecall) continue;
    const expansionSearch = Math.min(2 * step, widest);
    return { expansionSearch, recallAt10: recallAt(expansionSearch), targetRecall, sample };
  }
  return { expansionSearch: widest, recallAt10: recallAt(widest), targetRecall, sample };
}

/** Each sampled row's exact top 10 among the other rows. */
function exactNeighbours(data: Float32Array, dimensions: number, rows: readonly number[], threads: number): Array<Set<number>> {
  // usearch's brute force reads the array from its buffer's start (PITFALLS.md): only hand it one that owns it.
  const ownsBuffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  if (ownsBuffer) {
    const queries = new Float32Array(rows.length * dimensions);
    rows.forEach((row, i) => queries.set(data.subarray(row * dimensions, (row + 1) * dimensions), i * dimensions));
    const [keys, , counts] = loadUsearchNative().module.exactSearch(data, queries, dimensions, K + 1, 'ip', threads);
    return rows.map((row, i) => {
      const found: number[] = [];
      for (let j = 0; j < Number(counts[i]); j += 1) found.push(Number(keys[i * (K + 1) + j]));
      return new Set(found.filter((other) => other !== row).slice(0, K));
    });
  }
  const exact = new ExactVectorIndex(data, dimensions);
  return rows.map((row) => new Set(exact.search(exact.vector(row), K, (other) => other !== row).map((h) => h.row)));
}
