import { normalizeQuery } from '../../query/normalize.js';
import type { Product } from '../format/products.js';

/**
 * Facet counts: how many products of a result set have each value of a field, and how many fall in each price band.
 * Built once at load: each field's values get small ids and each row its value id(s), so counting a set of rows is
 * one typed-array increment per row and field, whatever the values are.
 *
 * Values are grouped after `normalizeQuery` (as filters compare them: "Grey" and "grey" are one value) and shown as
 * the catalog first wrote them. Counts of the whole catalog are kept, for queries that constrain nothing.
 */

export interface FacetValueCount {
  readonly value: string;
  readonly count: number;
}

export interface PriceBandCount {
  /** Inclusive lower edge (absent for the first band). */
  readonly gte?: number;
  /** Exclusive upper edge (absent for the last band). */
  readonly lt?: number;
  readonly count: number;
}

/** Most values listed per field, by count (Typesense lists 10, Meilisearch and Algolia 100). */
export const MAX_FACET_VALUES = 20;

interface FieldFacet {
  readonly name: string;
  /** Display value per id. */
  readonly values: string[];
  /** Value id per row, -1 for none, -2 for several (in `multi`). */
  readonly single: Int32Array;
  readonly multi: Map<number, number[]>;
}

export class FacetIndex {
  private readonly facets: FieldFacet[] = [];
  private readonly band: Int32Array;
  private allCounts: Map<string, Uint32Array> | undefined;
  /** Row-major value ids of every field then the price band (row × (fields + 1)): one row's ids sit together. */
  private readonly flatIds: Int32Array;
  /** Where each field's counts start in one flat count array (the price bands last). */
  private readonly offsets: Int32Array;

  constructor(
    products: readonly Product[],
    readonly fields: readonly string[],
    readonly priceField: string | undefined,
    readonly bands: readonly number[],
  ) {
    for (const name of fields) {
      const ids = new Map<string, number>();
      const values: string[] = [];
      const single = new Int32Array(products.length).fill(-1);
      const multi = new Map<number, number[]>();
      const idOf = (value: string): number => {
        const key = normalizeQuery(value);
        let id = ids.get(key);
        if (id === undefined) {
          id = values.length;
          ids.set(key, id);
          values.push(value);
        }
        return id;
      };
      products.forEach((product, row) => {
        const raw = product[name];
        const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? (raw as readonly string[]) : [];
        const found = [...new Set(list.filter((v) => v.trim() !== '').map(idOf))];
        if (found.length === 1) single[row] = found[0] as number;
        else if (found.length > 1) {
          single[row] = -2;
          multi.set(row, found);
        }
      });
      this.facets.push({ name, values, single, multi });
    }
    this.band = new Int32Array(products.length).fill(-1);
    if (priceField !== undefined) {
      products.forEach((product, row) => {
        const price = product[priceField];
        if (typeof price !== 'number') return;
        let band = 0;
        while (band < bands.length && price >= (bands[band] as number)) band += 1;
        this.band[row] = band;
      });
    }
    const width = this.facets.length + 1;
    this.flatIds = new Int32Array(products.length * width);
    this.offsets = new Int32Array(width + 1);
    this.facets.forEach((facet, f) => {
      this.offsets[f + 1] = (this.offsets[f] as number) + facet.values.length;
      for (let row = 0; row < products.length; row += 1) this.flatIds[row * width + f] = facet.single[row] as number;
    });
    this.offsets[width] = (this.offsets[width - 1] as number) + bands.length + 1;
    for (let row = 0; row < products.length; row += 1) this.flatIds[row * width + width - 1] = this.band[row] as number;
  }

  /** The field names counted: the configured fields, then the price field if any. */
  get names(): string[] {
    return [...this.fields, ...(this.priceField !== undefined ? [this.priceField] : [])];
  }

  /** Counts for one field (or the price field) over `rows`; undefined rows = the whole catalog (counted once, kept). */
  count(field: string, rows: ArrayLike<number> | undefined): Uint32Array {
    if (rows === undefined) {
      this.allCounts ??= new Map(
        this.names.map((name) => [name, this.count(name, Uint32Array.from(this.band.keys()))] as const),
      );
      return this.allCounts.get(field) as Uint32Array;
    }
    if (field === this.priceField) {
      const counts = new Uint32Array(this.bands.length + 1);
      const band = this.band;
      for (let i = 0; i < rows.length; i += 1) {
        const b = band[rows[i] as number] as number;
        if (b >= 0) counts[b] = (counts[b] as number) + 1;
      }
      return counts;
    }
    const facet = this.facets.find((f) => f.name === field);
    if (!facet) return new Uint32Array(0);
    const counts = new Uint32Array(facet.values.length);
    const { single, multi } = facet;
    for (let i = 0; i < rows.length; i += 1) {
      const row = rows[i] as number;
      const id = single[row] as number;
      if (id >= 0) counts[id] = (counts[id] as number) + 1;
      else if (id === -2) for (const each of multi.get(row) as number[]) counts[each] = (counts[each] as number) + 1;
    }
    return counts;
  }

  /**
   * `count` for several fields over the same rows in one pass (each row's value ids are read together, which is
   * about twice as fast as a pass per field over ten thousand rows).
   */
  countAll(fields: readonly string[], rows: ArrayLike<number> | undefined): Map<string, Uint32Array> {
    if (rows === undefined) return new Map(fields.map((field) => [field, this.count(field, undefined)] as const));
    const width = this.facets.length + 1;
    const offsets = this.offsets;
    const ids = this.flatIds;
    const flat = new Uint32Array(offsets[width] as number);
    for (let i = 0; i < rows.length; i += 1) {
      const row = rows[i] as number;
      const base = row * width;
      for (let f = 0; f < width; f += 1) {
        const id = ids[base + f] as number;
        if (id >= 0) {
          const at = (offsets[f] as number) + id;
          flat[at] = (flat[at] as number) + 1;
        } else if (id === -2) {
          for (const each of this.facets[f]?.multi.get(row) as number[]) {
            const at = (offsets[f] as number) + each;
            flat[at] = (flat[at] as number) + 1;
          }
        }
      }
    }
    const out = new Map<string, Uint32Array>();
    this.facets.forEach((facet, f) => {
      if (fields.includes(facet.name)) out.set(facet.name, flat.subarray(offsets[f], offsets[f + 1]));
    });
    if (this.priceField !== undefined && fields.includes(this.priceField))
      out.set(this.priceField, flat.subarray(offsets[width - 1], offsets[width]));
    return out;
  }

  /** Counts as the response lists them: values by count (then name), at most MAX_FACET_VALUES, none at 0. */
  valueCounts(field: string, counts: Uint32Array): FacetValueCount[] {
    const facet = this.facets.find((f) => f.name === field);
    if (!facet) return [];
    const out: FacetValueCount[] = [];
    counts.forEach((count, id) => {
      if (count > 0) out.push({ value: facet.values[id] as string, count });
    });
    out.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return out.slice(0, MAX_FACET_VALUES);
  }

  /** Price bands in order, every band listed (a storefront shows empty bands greyed out). */
  bandCounts(counts: Uint32Array): PriceBandCount[] {
    return Array.from(counts, (count, band) => ({
      ...(band > 0 ? { gte: this.bands[band - 1] } : {}),
      ...(band < this.bands.length ? { lt: this.bands[band] } : {}),
      count,
    }));
  }
}
