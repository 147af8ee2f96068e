import { ExactVectorIndex, type Hit, type RowFilter, type VectorIndex } from '../vector-index.js';

/**
 * Prototype (bench only): a usearch HNSW index (inner product, f32) behind `VectorIndex`. `usearch` is NOT a
 * dependency yet: this loads it by name at run time, so it only works where it was installed (a scratch copy with
 * `npm install usearch@2.25.3 --no-save`; 2.26+ needs Node 22). Filtered searches fall back to the exact scan.
 * Results are re-scored exactly in float32 so scores and tie order match ExactVectorIndex.
 */
interface UsearchMatches {
  keys: BigUint64Array;
  distances: Float32Array;
}
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vector: Float32Array, k: number, threads: number): UsearchMatches;
}
interface UsearchModule {
  Index: new (config: Record<string, unknown>) => UsearchIndex;
}

export async function loadUsearch(): Promise<UsearchModule> {
  const name = 'usearch';
  const mod = (await import(name)) as { default?: UsearchModule } & UsearchModule;
  return mod.default ?? mod;
}

export interface HnswOptions {
  readonly connectivity?: number;
  readonly expansionAdd?: number;
  readonly expansionSearch?: number;
}

export class UsearchHnswIndex implements VectorIndex {
  readonly count: number;
  private readonly exact: ExactVectorIndex;
  private readonly index: UsearchIndex;

  constructor(usearch: UsearchModule, data: Float32Array, readonly dimensions: number, options: HnswOptions = {}) {
    this.exact = new ExactVectorIndex(data, dimensions);
    this.count = this.exact.count;
    this.index = new usearch.Index({
      dimensions,
      metric: 'ip',
      quantization: 'f32',
      connectivity: options.connectivity ?? 16,
      expansion_add: options.expansionAdd ?? 128,
      expansion_search: options.expansionSearch ?? 64,
    });
    const keys = new BigUint64Array(this.count);
    for (let i = 0; i < this.count; i += 1) keys[i] = BigInt(i);
    this.index.add(keys, data, 0);
  }

  vector(row: number): Float32Array {
    return this.exact.vector(row);
  }

  search(query: Float32Array, k: number, filter?: RowFilter): Hit[] {
    if (filter !== undefined) return this.exact.search(query, k, filter);
    const matches = this.index.search(query, k, 1);
    const rows = Uint32Array.from(matches.keys, (key) => Number(key));
    return this.exact.search(query, k, rows);
  }
}
