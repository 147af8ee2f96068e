import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Nearest-neighbour search over the product embeddings (product-filter-index.ts turns extracted filters into the
 * rows a search may return).
 *
 * `ExactVectorIndex` scans every row (or every candidate row) with a dot product: the vectors are L2-normalised,
 * so the dot product is the cosine similarity. At 65,536 rows that is ~70 ms at 768 dimensions and ~12 ms at 128
 * in plain JS on one core (measured with npm run bench:vectors), far less for filtered subsets (0.7 ms for 1% at 768). It serves small
 * indexes, filtered searches over few rows, and re-scores the HNSW graph's candidates (ann/hnsw-index.ts).
 * Filtered search is exact by construction: the scan only ever looks at rows that pass, so "the k best products
 * that pass the filters" is never cut short the way post-filtering an ANN's top-k is.
 */

export interface Hit {
  readonly row: number;
  readonly score: number;
}

/**
 * Which rows a search may return: a predicate, or the candidate rows themselves, no duplicates, ascending (as
 * ProductFilterIndex gives them; the graph index tests membership by binary search), which is faster when few pass.
 */
export type RowFilter = ((row: number) => boolean) | Uint32Array | readonly number[];

export interface VectorIndex {
  readonly count: number;
  readonly dimensions: number;
  /** Row `row`'s vector, a view (do not modify). */
  vector(row: number): Float32Array;
  /** The `k` rows with the highest dot product with `query`, best first; ties go to the lower row. */
  search(query: Float32Array, k: number, filter?: RowFilter): Hit[];
  /** Unfiltered `search` for several queries at once, over `threads` cores (0 = all); absent when it would not help. */
  searchBatch?(queries: readonly Float32Array[], k: number, threads?: number): Hit[][];
}

/**
 * The float32 rows in a file's page cache instead of this process's memory: each search reads the rows it scores
 * with pread(2). Every process on the node that reads the same file shares those pages (the kernel keeps one copy,
 * and may drop it under memory pressure instead of killing a pod), at the cost of a system call and a copy per
 * row read: the rows a graph search re-scores and the rows a filtered scan visits (npm run bench:memory measures
 * both). Rows are read through one file descriptor opened at load, so a new index renamed into place later does
 * not change what a running service reads.
 */
export class PageCacheRows {
  private readonly rowBytes: number;
  private fd: number | undefined;

  private constructor(
    fd: number,
    readonly path: string,
    /** Byte offset of row 0 in the file. */
    private readonly dataOffset: number,
    readonly count: number,
    readonly dimensions: number,
  ) {
    this.fd = fd;
    this.rowBytes = dimensions * 4;
  }

  static open(path: string, dataOffset: number, count: number, dimensions: number): PageCacheRows {
    return new PageCacheRows(openSync(path, 'r'), path, dataOffset, count, dimensions);
  }

  /** Rows `from` … `to - 1` into the start of `into`; returns the filled part. */
  read(from: number, to: number, into: Float32Array): Float32Array {
    const bytes = (to - from) * this.rowBytes;
    const target = new Uint8Array(into.buffer, into.byteOffset, bytes);
    let filled = 0;
    while (filled < bytes) {
      const got = readSync(
        this.descriptor(),
        target,
        filled,
        bytes - filled,
        this.dataOffset + from * this.rowBytes + filled,
      );
      if (got === 0) throw new Error(`${this.path}: ended while reading rows ${from}..${to - 1}`);
      filled += got;
    }
    return into.subarray(0, (to - from) * this.dimensions);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: read after close`);
    return this.fd;
  }
}

/** The rows an ExactVectorIndex scores: a row-major matrix in memory, or a file's page cache. */
export type VectorRows = Float32Array | PageCacheRows;

/** Rows read per pread(2) by a full scan over the page cache (1.5 MB at 768 dimensions). */
const SCAN_BLOCK_ROWS = 512;

/** Exact top-k by dot product over a contiguous row-major matrix; no allocation per row. */
export class ExactVectorIndex implements VectorIndex {
  readonly count: number;
  private readonly data: Float32Array | undefined;
  private readonly file: PageCacheRows | undefined;
  /** Where page-cache rows are read to: one block, reused by every search (searches are synchronous). */
  private readonly scratch: Float32Array | undefined;

  constructor(
    rows: VectorRows,
    readonly dimensions: number,
  ) {
    if (!Number.isInteger(dimensions) || dimensions <= 0)
      throw new RangeError(`dimensions must be a positive integer (got ${dimensions})`);
    if (rows instanceof PageCacheRows) {
      if (rows.dimensions !== dimensions)
        throw new RangeError(`${rows.path} has rows of ${rows.dimensions} dimensions, expected ${dimensions}`);
      this.file = rows;
      this.count = rows.count;
      this.scratch = new Float32Array(SCAN_BLOCK_ROWS * dimensions);
    } else {
      if (rows.length % dimensions !== 0)
        throw new RangeError(`data length ${rows.length} is not a multiple of ${dimensions} dimensions`);
      this.data = rows;
      this.count = rows.length / dimensions;
    }
  }

  /** Row `row`'s vector: a view of the matrix in memory, or a copy read from the page cache. */
  vector(row: number): Float32Array {
    if (!Number.isInteger(row) || row < 0 || row >= this.count)
      throw new RangeError(`row ${row} is outside 0..${this.count - 1}`);
    if (this.file) return this.file.read(row, row + 1, new Float32Array(this.dimensions));
    return (this.data as Float32Array).subarray(row * this.dimensions, (row + 1) * this.dimensions);
  }

  search(query: Float32Array, k: number, filter?: RowFilter): Hit[] {
    if (query.length !== this.dimensions)
      throw new RangeError(`query has ${query.length} dimensions, the index ${this.dimensions}`);
    const heap = new TopK(Math.max(0, Math.min(Math.floor(k), this.count)));
    if (heap.capacity === 0) return [];
    if (this.file) this.searchFile(this.file, this.scratch as Float32Array, query, heap, filter);
    else {
      const data = this.data as Float32Array;
      if (filter === undefined) scanAll(data, this.dimensions, this.count, query, heap);
      else if (typeof filter === 'function') scanWhere(data, this.dimensions, this.count, query, heap, filter);
      else scanRows(data, this.dimensions, query, heap, filter);
    }
    return heap.sorted();
  }

  /**
   * The same scans over rows read from the page cache: blocks of consecutive rows in one read (a full scan, a
   * predicate), and for a list of rows one read per run of consecutive rows.
   */
  private searchFile(
    file: PageCacheRows,
    scratch: Float32Array,
    query: Float32Array,
    heap: TopK,
    filter: RowFilter | undefined,
  ): void {
    const { dimensions, count } = this;
    if (filter === undefined || typeof filter === 'function') {
      let threshold = Number.NEGATIVE_INFINITY;
      for (let from = 0; from < count; from += SCAN_BLOCK_ROWS) {
        const to = Math.min(count, from + SCAN_BLOCK_ROWS);
        const block = file.read(from, to, scratch);
        for (let row = from; row < to; row += 1) {
          if (filter !== undefined && !filter(row)) continue;
          const score = dot(block, (row - from) * dimensions, query, dimensions);
          if (score >= threshold) threshold = heap.offer(row, score);
        }
      }
      return;
    }
    let threshold = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < filter.length;) {
      const first = filter[i] as number;
      let end = i + 1;
      while (end < filter.length && end - i < SCAN_BLOCK_ROWS && (filter[end] as number) === first + (end - i))
        end += 1;
      const block = file.read(first, first + (end - i), scratch);
      for (let j = i; j < end; j += 1) {
        const score = dot(block, (j - i) * dimensions, query, dimensions);
        if (score >= threshold) threshold = heap.offer(first + (j - i), score);
      }
      i = end;
    }
  }
}

// One loop per kind of filter, so the common unfiltered scan pays no per-row check. Most rows lose to the worst kept
// one, so that comparison is inline and only the few winners call into the heap.

function scanAll(data: Float32Array, dimensions: number, count: number, query: Float32Array, heap: TopK): void {
  let threshold = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < count; row += 1) {
    const score = dot(data, row * dimensions, query, dimensions);
    if (score >= threshold) threshold = heap.offer(row, score);
  }
}

function scanWhere(
  data: Float32Array,
  dimensions: number,
  count: number,
  query: Float32Array,
  heap: TopK,
  isAllowed: (row: number) => boolean,
): void {
  let threshold = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < count; row += 1) {
    if (!isAllowed(row)) continue;
    const score = dot(data, row * dimensions, query, dimensions);
    if (score >= threshold) threshold = heap.offer(row, score);
  }
}

function scanRows(
  data: Float32Array,
  dimensions: number,
  query: Float32Array,
  heap: TopK,
  rows: Uint32Array | readonly number[],
): void {
  let threshold = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i] as number;
    const score = dot(data, row * dimensions, query, dimensions);
    if (score >= threshold) threshold = heap.offer(row, score);
  }
}

/**
 * Dot product of `query` with the row starting at `offset`. A plain single-accumulator loop: measured on Node 20
 * (x64) over 65,536 rows it beats a 4-way unrolled one (~70 ms vs ~100 ms at 768 dimensions, equal at 128); V8
 * optimises the simple form best. Either way the scan reads ~2.8 GB/s on one core, about what plain JS reaches on one core.
 */
export function dot(data: Float32Array, offset: number, query: Float32Array, dimensions: number): number {
  let sum = 0;
  for (let i = 0; i < dimensions; i += 1) sum += (data[offset + i] as number) * (query[i] as number);
  return sum;
}

/**
 * The best `capacity` (row, score) pairs seen so far: a binary min-heap on parallel typed arrays whose root is
 * the worst kept pair, so most rows cost one comparison. "Worse" = lower score, or equal score and higher row.
 */
class TopK {
  private readonly scores: Float64Array;
  private readonly rows: Int32Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }

  /** Keeps the pair if it is among the best so far; returns the score a pair must now reach to be considered. */
  offer(row: number, score: number): number {
    if (this.size < this.capacity) {
      this.scores[this.size] = score;
      this.rows[this.size] = row;
      this.size += 1;
      this.siftUp(this.size - 1);
    } else if (isWorse(this.scores[0] as number, this.rows[0] as number, score, row)) {
      this.scores[0] = score;
      this.rows[0] = row;
      this.siftDown(0);
    }
    return this.size < this.capacity ? Number.NEGATIVE_INFINITY : (this.scores[0] as number);
  }

  sorted(): Hit[] {
    const hits: Hit[] = [];
    for (let i = 0; i < this.size; i += 1) hits.push({ row: this.rows[i] as number, score: this.scores[i] as number });
    return hits.sort((a, b) => b.score - a.score || a.row - b.row);
  }

  private siftUp(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.isWorseAt(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(index: number): void {
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < this.size && this.isWorseAt(left, worst)) worst = left;
      if (right < this.size && this.isWorseAt(right, worst)) worst = right;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private isWorseAt(a: number, b: number): boolean {
    return isWorse(this.scores[a] as number, this.rows[a] as number, this.scores[b] as number, this.rows[b] as number);
  }

  private swap(a: number, b: number): void {
    const score = this.scores[a] as number;
    const row = this.rows[a] as number;
    this.scores[a] = this.scores[b] as number;
    this.rows[a] = this.rows[b] as number;
    this.scores[b] = score;
    this.rows[b] = row;
  }
}

function isWorse(scoreA: number, rowA: number, scoreB: number, rowB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && rowA > rowB);
}
