import { normalizeQuery } from '../../query/normalize.js';
import type { FieldFilters } from '../../query/extract-filters.js';
import type { PriceBounds } from '../../query/price.js';

/**
 * The per-field lookups that turn the filters extracted from a query into the set of rows a search may return,
 * built once when the index loads.
 */

/** A search's constraints, each looked up once (ProductFilterIndex.parts). */
export interface FilterParts {
  /** The rows that pass every constraint, ascending; undefined when nothing constrains. */
  rows(): Uint32Array | undefined;
  /** The rows that pass every constraint but `name`'s (a filter field, or the price field for the price bounds). */
  without(name: string): Uint32Array | undefined;
}

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

  /** Every row with a numeric price, cheapest first (ties in row order): the order of a price sort. */
  get rowsByPrice(): Uint32Array {
    return this.priceRows;
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

  /**
   * Each constraint of `criteria` looked up once: the rows that pass all of them, and the rows that pass all but
   * one (what facet counts need: each field counted without its own filter).
   */
  parts(criteria: RowCriteria): FilterParts {
    const parts: Array<{ name: string; bits: Uint32Array }> = [];
    for (const [field, values] of Object.entries(criteria.filters)) {
      if (values.length === 0) continue;
      const bits = new Uint32Array(this.words);
      for (const value of values) setRows(bits, this.rowsWith(field, value));
      parts.push({ name: field, bits });
    }
    const { gte, lte } = criteria.price ?? {};
    if (this.priceField !== undefined && (gte !== undefined || lte !== undefined))
      parts.push({ name: this.priceField, bits: this.priceBits(criteria.price as PriceBounds) });
    let kept: Uint32Array | undefined;
    for (const [field, values] of Object.entries(criteria.exclude)) {
      for (const value of values) {
        kept ??= this.allRows();
        clearRows(kept, this.rowsWith(field, value));
      }
    }
    const combine = (skip: string | undefined): Uint32Array | undefined => {
      let bits: Uint32Array | undefined;
      for (const part of [...parts.filter((p) => p.name !== skip).map((p) => p.bits), ...(kept ? [kept] : [])]) {
        if (!bits) bits = Uint32Array.from(part);
        else for (let w = 0; w < this.words; w += 1) bits[w] = (bits[w] as number) & (part[w] as number);
      }
      return bits ? bitsToRows(bits, this.products.length) : undefined;
    };
    return { rows: () => combine(undefined), without: (name) => combine(name) };
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
