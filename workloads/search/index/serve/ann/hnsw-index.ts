import { HNSW_METRIC, HNSW_QUANTIZATION, PROJECTED_METRIC, PROJECTED_QUANTIZATION } from '../../format/manifest.js';
import { ExactVectorIndex, type Hit, type RowFilter, type VectorIndex, type VectorRows } from '../vector-index.js';
import { projectRow, type Projection } from './projection.js';
import { quantizeRows } from './quantize.js';
import { checkUsearchFile } from './usearch-file.js';
import { createNativeIndex, loadUsearchNative, type NativeIndex, type NativeIndexConfig } from './usearch-native.js';

/**
 * The approximate index behind `VectorIndex`: a usearch HNSW graph over int8-quantised rows (cosine), or over the
 * rows projected onto their principal directions (float32, L2; projection.ts) where the embeddings have few, whose
 * candidates are re-scored exactly against the float32 rows, so scores and tie order are ExactVectorIndex's and
 * only recall is approximate. Measured at 65,536 × 768 on 2 cores (npm run bench:vectors): p50 ~0.3 ms,
 * recall@10 ~0.998 with 2k candidates; the int8 copy is a quarter of the float32 size, which keeps a 1M-row
 * index within 1.5× the raw embeddings.
 *
 * Filtered searches (the HNSW binding has no predicate hook), by estimated cost (prefersExactScan):
 * - few rows pass: exact scan over just those rows — exactly the best matches;
 * - many pass: the graph is asked for enough candidates that k of them should pass (k / selectivity, with
 *   margin), the ones that pass are re-scored; if fewer than k pass, the exact scan answers instead, so a
 *   filtered search never returns fewer results than exist.
 */

export interface HnswParams {
  /** Graph degree (M). */
  readonly connectivity: number;
  /** Candidate list size while inserting (efConstruction). */
  readonly expansionAdd: number;
  /** Candidate list size while searching (ef); raised to the candidate count when that is larger. */
  readonly expansionSearch: number;
}

/** Chosen with bench/vectors.ts at 65,536 × 768 (M 16 / efC 128 / ef 64: recall@10 0.998, 10 s build). */
export const DEFAULT_HNSW_PARAMS: HnswParams = { connectivity: 16, expansionAdd: 128, expansionSearch: 64 };
/** Rows above which the graph gets twice the links. */
export const LARGE_INDEX_ROWS = 262_144;

/**
 * Build parameters for an index of `rows` rows. A million clustered 768-d rows with M 16 stay at recall@10 0.97
 * even when 800 candidates are searched (the ef sweep npm run bench:vectors prints): past a
 * quarter-million rows the graph gets M 32, which costs build time and memory (~256 bytes a row) but not p99.
 */
export function defaultHnswParams(rows: number): HnswParams {
  return rows > LARGE_INDEX_ROWS ? { ...DEFAULT_HNSW_PARAMS, connectivity: 32 } : DEFAULT_HNSW_PARAMS;
}
/** Rows added per native call while building; between calls the event loop runs (probes keep answering). */
const BUILD_CHUNK_ROWS = 2048;

/**
 * One unit of graph breadth costs about as much as scanning this many rows exactly in JS (measured with npm run bench:vectors: ef 64
 * over 1M × 768 ≈ 1 ms ≈ 900 row scans). It decides between the two for filtered searches.
 */
export const GRAPH_COST_PER_CANDIDATE = 14;
/**
 * The same for a graph in a projection: a 64-wide float32 distance costs about a third of a 768-wide int8 one
 * (npm run bench:vectors -- --data anisotropic: ef 1024 in ~1.5 ms over 65,536 rows, ~1,500 row scans).
 */
export const PROJECTED_GRAPH_COST_PER_CANDIDATE = 5;

/**
 * Whether a filtered search should scan the `passing` rows exactly rather than post-filter the graph's answer:
 * the graph must be asked for about k / selectivity candidates (with margin) to leave k that pass, and when
 * that breadth costs more than scanning the passing rows, the scan — exact, too — wins.
 */
export function prefersExactScan(
  passing: number,
  count: number,
  k: number,
  expansion: number,
  projected = false,
): boolean {
  if (passing === 0) return true;
  const breadth = Math.max(graphBreadthForFilter(passing, count, k, projected), expansion);
  const cost = projected ? PROJECTED_GRAPH_COST_PER_CANDIDATE : GRAPH_COST_PER_CANDIDATE;
  return breadth >= count || passing <= breadth * cost;
}

function graphBreadthForFilter(passing: number, count: number, k: number, projected = false): number {
  return Math.ceil((graphCandidates(k, projected) * count) / passing) + k;
}

/**
 * Graph candidates re-scored per result. Full width: 2k (at least 20) lifts recall@10 from ~0.98 to ~0.998 here.
 * Projected: the graph ranks without the dropped directions, so near-equal rows come in a different order: 10k (at
 * least 100); at 65,536 × 768 anisotropic, 20 candidates capped recall@10 at 0.94 whatever the breadth, 50 reached
 * 0.998 and 100 0.999 (re-scoring 100 rows costs ~0.1 ms).
 */
export function graphCandidates(k: number, projected = false): number {
  return projected ? Math.max(10 * k, 100) : Math.max(2 * k, 20);
}

export interface BuildOptions {
  readonly params?: HnswParams;
  /**
   * Native threads for insertion. More than one makes the graph differ from build to build (insertion order
   * races); tests use 1. @default 0 - every core
   */
  readonly threads?: number;
  /** Rows to leave out until `addRows` (calibrate.ts's held-out probes). @default none */
  readonly heldOut?: readonly number[];
  /** Navigate in this projection of the rows (projection.ts). @default full width */
  readonly projection?: Projection;
  readonly onProgress?: (done: number, total: number) => void;
}

export class HnswVectorIndex implements VectorIndex {
  readonly count: number;
  readonly dimensions: number;
  /** Search breadth (ef) for `search` and `searchBatch`; see calibrate.ts. */
  expansionSearch: number;
  private readonly exact: ExactVectorIndex;

  private constructor(
    data: VectorRows,
    dimensions: number,
    private readonly graph: NativeIndex,
    readonly params: HnswParams,
    /** The breadth the native object was created with; searches narrower than it still search this wide. */
    private readonly nativeExpansion: number,
    /** The projection the graph navigates in; undefined: full width, int8. */
    readonly projection: Projection | undefined,
  ) {
    this.exact = new ExactVectorIndex(data, dimensions);
    this.count = this.exact.count;
    this.dimensions = dimensions;
    this.expansionSearch = params.expansionSearch;
  }

  /**
   * Builds the graph from the float32 rows, a chunk at a time, yielding to the event loop between chunks. Rows in
   * `heldOut` are left out (calibrate.ts searches for them as unseen queries) until `addRows` puts them in.
   */
  static async build(data: Float32Array, dimensions: number, options: BuildOptions = {}): Promise<HnswVectorIndex> {
    const exact = new ExactVectorIndex(data, dimensions);
    const params = options.params ?? defaultHnswParams(exact.count);
    // Breadth 1: each search's `wanted` sets it, so calibrate.ts can try every breadth on the one graph.
    const graph = createNativeIndex(nativeConfig(dimensions, params, 1, options.projection));
    const index = new HnswVectorIndex(data, dimensions, graph, params, 1, options.projection);
    const held = new Set(options.heldOut ?? []);
    const chunk: number[] = [];
    for (let from = 0; from < exact.count; from += BUILD_CHUNK_ROWS) {
      const to = Math.min(exact.count, from + BUILD_CHUNK_ROWS);
      chunk.length = 0;
      for (let row = from; row < to; row += 1) if (!held.has(row)) chunk.push(row);
      index.addRows(chunk, options.threads ?? 0);
      options.onProgress?.(to, exact.count);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return index;
  }

  /** Inserts `rows` (row numbers of the data the index was built on, not yet in the graph) on `threads` cores. */
  addRows(rows: readonly number[], threads = 0): void {
    if (rows.length === 0) return;
    const keys = new BigUint64Array(rows.length);
    rows.forEach((row, i) => (keys[i] = BigInt(row)));
    this.graph.add(keys, this.encode(rows.map((row) => this.vector(row))), threads);
  }

  /**
   * Opens a graph saved by `save` for these rows (in memory or in the page cache). Throws if the file is not a
   * usearch index or does not have one node per row with the same dimensions; whether it was built from these very
   * rows is the caller's check (the manifest's checksums, see open-vector-index.ts). The file is memory-mapped
   * (usearch's view), not copied: its pages are the page cache's, shared by every process that opens it, and the
   * graph is searchable at once.
   */
  static open(
    path: string,
    data: VectorRows,
    dimensions: number,
    params: HnswParams = DEFAULT_HNSW_PARAMS,
    projection?: Projection,
  ): HnswVectorIndex {
    const exact = new ExactVectorIndex(data, dimensions);
    if (projection !== undefined && projection.dimensions !== dimensions)
      throw new RangeError(`projection is from ${projection.dimensions} dimensions, the rows have ${dimensions}`);
    const width = projection?.width ?? dimensions;
    const metric = projection ? PROJECTED_METRIC : HNSW_METRIC;
    // The native loader trusts the file's first bytes; a file that is not this shape must never reach it.
    const header = checkUsearchFile(path, exact.count, width, projection ? PROJECTED_QUANTIZATION : HNSW_QUANTIZATION);
    if (header.metric !== metric) throw new Error(`${path}: graph compares by ${header.metric}, expected ${metric}`);
    // The serving breadth goes into the native object: searches then ask for just the candidates they re-score,
    // which is what lets a batch use both cores (asking for ef results instead scaled 1.2x on 2 threads, this 2x).
    const graph = createNativeIndex(nativeConfig(dimensions, params, params.expansionSearch, projection));
    graph.view(path);
    if (graph.dimensions() !== width || graph.size() !== exact.count) {
      throw new Error(
        `${path}: usearch loaded ${graph.size()} nodes of ${graph.dimensions()} dimensions, expected ${exact.count} × ${width}`,
      );
    }
    return new HnswVectorIndex(data, dimensions, graph, params, params.expansionSearch, projection);
  }

  save(path: string): void {
    this.graph.save(path);
  }

  static nativeVersion(): string {
    return loadUsearchNative().version;
  }

  vector(row: number): Float32Array {
    return this.exact.vector(row);
  }

  search(query: Float32Array, k: number, filter?: RowFilter): Hit[] {
    return this.searchWithExpansion(query, k, this.expansionSearch, filter);
  }

  /** `search` at a given breadth (ef) instead of the index's own; calibrate.ts measures recall this way. */
  searchWithExpansion(query: Float32Array, k: number, expansion: number, filter?: RowFilter): Hit[] {
    if (query.length !== this.dimensions)
      throw new RangeError(`query has ${query.length} dimensions, the index ${this.dimensions}`);
    const want = Math.max(0, Math.min(Math.floor(k), this.count));
    if (want === 0) return [];
    if (filter === undefined) {
      const found = this.graphSearch(this.encode([query]), this.candidates(want), expansion, 1)[0] as Uint32Array;
      // A graph can in principle leave rows unreachable; never answer with fewer results than there are.
      return found.length >= want ? this.rescore(query, want, found) : this.exact.search(query, want);
    }

    // A predicate's selectivity is unknown (the related-products one passes all rows but one): assume all pass.
    const passing = typeof filter === 'function' ? this.count : filter.length;
    const projected = this.projection !== undefined;
    if (prefersExactScan(passing, this.count, want, expansion, projected))
      return this.exact.search(query, want, filter);
    const candidates = graphBreadthForFilter(passing, this.count, want, projected);

    const isAllowed = typeof filter === 'function' ? filter : membership(filter);
    const found = this.graphSearch(this.encode([query]), candidates, expansion, 1)[0] as Uint32Array;
    let kept = 0;
    for (let i = 0; i < found.length; i += 1) if (isAllowed(found[i] as number)) found[kept++] = found[i] as number;
    if (kept < want) return this.exact.search(query, want, filter);
    return this.rescore(query, want, found.subarray(0, kept));
  }

  /**
   * Unfiltered top-k for several queries in one native call, spread over `threads` cores: under concurrent load
   * this is where the second core earns its keep (the JS thread is busy with HTTP and JSON otherwise).
   */
  searchBatch(queries: readonly Float32Array[], k: number, threads = 0): Hit[][] {
    const want = Math.max(0, Math.min(Math.floor(k), this.count));
    if (queries.length === 0) return [];
    if (want === 0) return queries.map(() => []);
    queries.forEach((query, q) => {
      if (query.length !== this.dimensions)
        throw new RangeError(`query ${q} has ${query.length} dimensions, the index ${this.dimensions}`);
    });
    const found = this.graphSearch(this.encode(queries), this.candidates(want), this.expansionSearch, threads);
    return queries.map((query, q) => {
      const rows = found[q] as Uint32Array;
      return rows.length >= want ? this.rescore(query, want, rows) : this.exact.search(query, want);
    });
  }

  /**
   * The graph's best `candidates` rows for each packed query, from a search at least `expansion` wide: usearch
   * searches max(its own ef, wanted) wide and returns the best first, so when `expansion` exceeds the native
   * breadth, asking for more and keeping the head is the same as a wider ef (calibrate.ts relies on it).
   */
  private graphSearch(
    packed: Int8Array | Float32Array,
    candidates: number,
    expansion: number,
    threads: number,
  ): Uint32Array[] {
    const keep = Math.min(candidates, this.count);
    const wanted = Math.min(
      expansion > this.nativeExpansion ? Math.max(candidates, expansion) : candidates,
      this.count,
    );
    const [keys, , counts] = this.graph.search(packed, wanted, threads);
    const results: Uint32Array[] = [];
    for (let q = 0; q < counts.length; q += 1) {
      const n = Math.min(Number(counts[q]), keep);
      const rows = new Uint32Array(n);
      for (let i = 0; i < n; i += 1) rows[i] = Number(keys[q * wanted + i]);
      results.push(rows);
    }
    return results;
  }

  /** Vectors as the graph stores them, packed: projected (float32), or int8-quantised at full width. */
  private encode(vectors: readonly Float32Array[]): Int8Array | Float32Array {
    const { projection, dimensions } = this;
    if (projection) {
      const packed = new Float32Array(vectors.length * projection.width);
      vectors.forEach((vector, i) => projectRow(projection, vector, 0, packed, i * projection.width));
      return packed;
    }
    const packed = new Int8Array(vectors.length * dimensions);
    vectors.forEach((vector, i) => quantizeRows(vector, dimensions, 0, 1, packed.subarray(i * dimensions)));
    return packed;
  }

  private candidates(k: number): number {
    return graphCandidates(k, this.projection !== undefined);
  }

  /** Exact float32 scores for the candidates; the best `k`, best first, ties to the lower row. */
  private rescore(query: Float32Array, k: number, rows: Uint32Array): Hit[] {
    return this.exact.search(query, k, rows);
  }
}

function nativeConfig(
  dimensions: number,
  params: HnswParams,
  expansionSearch: number,
  projection: Projection | undefined,
): NativeIndexConfig {
  return {
    dimensions: projection?.width ?? dimensions,
    metric: projection ? PROJECTED_METRIC : HNSW_METRIC,
    quantization: projection ? PROJECTED_QUANTIZATION : HNSW_QUANTIZATION,
    connectivity: params.connectivity,
    expansionAdd: params.expansionAdd,
    expansionSearch,
  };
}

/** Membership in ascending rows (ProductFilterIndex's order) by binary search. */
function membership(rows: Uint32Array | readonly number[]): (row: number) => boolean {
  return (row) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const value = rows[mid] as number;
      if (value === row) return true;
      if (value < row) lo = mid + 1;
      else hi = mid;
    }
    return false;
  };
}
