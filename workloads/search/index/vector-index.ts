import { normalizeQuery } from '../cache/search-cache.js';
import type { FieldFilters } from '../filters/extract-filters.js';
import type { PriceBounds } from '../filters/price.js';

/**
 * Nearest-neighbour search over the product embeddings, and the per-field lookups that turn extracted filters
 * into the set of rows a search may return.
 *
 * `ExactVectorIndex` scans every row (or every candidate row) with a dot product: the vectors are L2-normalised,
 * so the dot product is the cosine similarity. At 65,536 rows that is ~70 ms at 768 dimensions and ~12 ms at 128
 * in plain JS on one core (measured here), far less for filtered subsets (0.7 ms for 1% at 768). It serves small
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

/** Exact top-k by dot product over a contiguous row-major matrix; no allocation per row. */
export class ExactVectorIndex implements VectorIndex {
  readonly count: number;

  constructor(
    private readonly data: Float32Array,
    readonly dimensions: number,
  ) {
    if (!Number.isInteger(dimensions) || dimensions <= 0)
      throw new RangeError(`dimensions must be a positive integer (got ${dimensions})`);
    if (data.length % dimensions !== 0)
      throw new RangeError(`data length ${data.length} is not a multiple of ${dimensions} dimensions`);
    this.count = data.length / dimensions;
  }

  vector(row: number): Float32Array {
    if (!Number.isInteger(row) || row < 0 || row >= this.count)
      throw new RangeError(`row ${row} is outside 0..${this.count - 1}`);
    return this.data.subarray(row * this.dimensions, (row + 1) * this.dimensions);
  }

  search(query: Float32Array, k: number, filter?: RowFilter): Hit[] {
    if (query.length !== this.dimensions)
      throw new RangeError(`query has ${query.length} dimensions, the index ${this.dimensions}`);
    const heap = new TopK(Math.max(0, Math.min(Math.floor(k), this.count)));
    if (heap.capacity === 0) return [];
    if (filter === undefined) scanAll(this.data, this.dimensions, this.count, query, heap);
    else if (typeof filter === 'function') scanWhere(this.data, this.dimensions, this.count, query, heap, filter);
    else scanRows(this.data, this.dimensions, query, heap, filter);
    return heap.sorted();
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
 * optimises the simple form best. Either way the scan reads ~2.8 GB/s on one core, the plain-JS figure of
 * research/search-anchors.md §1a.
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

// ---------------------------------------------------------------------------------------------------------------
// Filters → candidate rows

/** What a search asks of a product: the filter extractor's output. */
export interface RowCriteria {
  /** Field → accepted values: a product passes a field if it has any of them; it must pass every field. */
  readonly filters: FieldFilters;
  /** Inclusive bounds on the price field; a product without a numeric price fails them. */
  readonly price?: PriceBounds;
  /** Field → rejected values: a product with any of them fails. */
  readonly exclude: FieldFilters;
}

/**
 * Per field, value → the rows that have it, built once at load; plus the rows sorted by price. Values compare
 * after `normalizeQuery` (case and accents ignored), so the rules' canonical "Levi's" meets a catalog's "levi's".
 * A product field may hold one value or an array of values (a shirt in "red" and "white").
 */
export class ProductFilterIndex {
  private readonly postings = new Map<string, Map<string, Uint32Array>>();
  private readonly priceRows: Uint32Array;
  private readonly sortedPrices: Float64Array;
  private readonly words: number;

  constructor(
    private readonly products: ReadonlyArray<Readonly<Record<string, unknown>>>,
    fields: Iterable<string>,
    readonly priceField?: string,
  ) {
    this.words = Math.ceil(products.length / 32);
    for (const field of fields) {
      const rowsByValue = new Map<string, number[]>();
      products.forEach((product, row) => {
        for (const value of fieldValues(product[field])) {
          const rows = rowsByValue.get(value);
          if (rows) {
            if (rows[rows.length - 1] !== row) rows.push(row);
          } else rowsByValue.set(value, [row]);
        }
      });
      this.postings.set(field, new Map([...rowsByValue].map(([value, rows]) => [value, Uint32Array.from(rows)])));
    }
    const priced: Array<[price: number, row: number]> = [];
    if (priceField !== undefined) {
      products.forEach((product, row) => {
        const price = product[priceField];
        if (typeof price === 'number' && Number.isFinite(price)) priced.push([price, row]);
      });
    }
    priced.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.sortedPrices = Float64Array.from(priced, ([price]) => price);
    this.priceRows = Uint32Array.from(priced, ([, row]) => row);
  }

  /** The rows that pass, in row order; `undefined` when nothing constrains the search (every row passes). */
  candidates(criteria: RowCriteria): Uint32Array | undefined {
    const filterFields = Object.entries(criteria.filters).filter(([, values]) => values.length > 0);
    const excludeFields = Object.entries(criteria.exclude).filter(([, values]) => values.length > 0);
    const hasPrice =
      criteria.price !== undefined && (criteria.price.gte !== undefined || criteria.price.lte !== undefined);
    if (filterFields.length === 0 && excludeFields.length === 0 && !hasPrice) return undefined;

    let bits: Uint32Array | undefined;
    const intersect = (other: Uint32Array): void => {
      if (!bits) bits = other;
      else for (let w = 0; w < this.words; w += 1) bits[w] = (bits[w] as number) & (other[w] as number);
    };
    for (const [field, values] of filterFields) {
      const fieldBits = new Uint32Array(this.words);
      for (const value of values) setRows(fieldBits, this.rowsWith(field, value));
      intersect(fieldBits);
    }
    if (hasPrice && criteria.price) intersect(this.priceBits(criteria.price));
    if (excludeFields.length > 0) {
      if (!bits) bits = this.allRows();
      for (const [field, values] of excludeFields) {
        for (const value of values) clearRows(bits, this.rowsWith(field, value));
      }
    }
    return bits ? bitsToRows(bits, this.products.length) : undefined;
  }

  /** The same decision for one product, without the lookups: the reference the tests check candidates against. */
  matches(row: number, criteria: RowCriteria): boolean {
    const product = this.products[row];
    if (!product) return false;
    const has = (field: string, values: readonly string[]): boolean => {
      const own = fieldValues(product[field]);
      return values.some((value) => own.includes(normalizeQuery(value)));
    };
    for (const [field, values] of Object.entries(criteria.filters))
      if (values.length > 0 && !has(field, values)) return false;
    for (const [field, values] of Object.entries(criteria.exclude))
      if (values.length > 0 && has(field, values)) return false;
    const { gte, lte } = criteria.price ?? {};
    if (gte !== undefined || lte !== undefined) {
      const price = this.priceField === undefined ? undefined : product[this.priceField];
      if (typeof price !== 'number' || !Number.isFinite(price)) return false;
      if (gte !== undefined && price < gte) return false;
      if (lte !== undefined && price > lte) return false;
    }
    return true;
  }

  private rowsWith(field: string, value: string): Uint32Array {
    return this.postings.get(field)?.get(normalizeQuery(value)) ?? EMPTY_ROWS;
  }

  private priceBits({ gte, lte }: PriceBounds): Uint32Array {
    const bits = new Uint32Array(this.words);
    const from = gte === undefined ? 0 : lowerBound(this.sortedPrices, gte);
    const to = lte === undefined ? this.sortedPrices.length : upperBound(this.sortedPrices, lte);
    for (let i = from; i < to; i += 1) {
      const row = this.priceRows[i] as number;
      bits[row >>> 5] = (bits[row >>> 5] as number) | (1 << (row & 31));
    }
    return bits;
  }

  private allRows(): Uint32Array {
    const bits = new Uint32Array(this.words).fill(0xffffffff);
    const tail = this.products.length & 31;
    if (tail !== 0) bits[this.words - 1] = (1 << tail) - 1;
    return bits;
  }
}

const EMPTY_ROWS = new Uint32Array(0);

/** A field's values as normalised strings: strings, numbers and booleans, or arrays of them; anything else has none. */
function fieldValues(value: unknown): string[] {
  if (typeof value === 'string') return [normalizeQuery(value)];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap((item: unknown) => (Array.isArray(item) ? [] : fieldValues(item)));
  return [];
}

function setRows(bits: Uint32Array, rows: Uint32Array): void {
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i] as number;
    bits[row >>> 5] = (bits[row >>> 5] as number) | (1 << (row & 31));
  }
}

function clearRows(bits: Uint32Array, rows: Uint32Array): void {
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i] as number;
    bits[row >>> 5] = (bits[row >>> 5] as number) & ~(1 << (row & 31));
  }
}

function bitsToRows(bits: Uint32Array, count: number): Uint32Array {
  let total = 0;
  for (let w = 0; w < bits.length; w += 1) total += popcount(bits[w] as number);
  const rows = new Uint32Array(total);
  let next = 0;
  for (let w = 0; w < bits.length; w += 1) {
    let word = bits[w] as number;
    while (word !== 0) {
      const bit = 31 - Math.clz32(word & -word);
      const row = w * 32 + bit;
      if (row < count) rows[next++] = row;
      word &= word - 1;
    }
  }
  return next === total ? rows : rows.subarray(0, next);
}

function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** First index with value ≥ x. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with value > x. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
