import { normalizeQuery } from '../../query/normalize.js';

/**
 * Autocomplete's catalog side: every product title and every value of the filterable fields ("boots", "nike"),
 * normalised, deduplicated and weighted by how many products carry it. Held in memory (a few MB at 65K
 * products), in sorted order so a prefix is a binary search plus a scan of the matching range.
 */
export class CatalogPhrases {
  private constructor(
    private readonly phrases: readonly string[],
    private readonly weights: Uint32Array,
  ) {}

  /** `fields`: the attribute fields whose values are phrases (the rules' fields); titles always are. */
  static fromProducts(
    products: ReadonlyArray<Readonly<Record<string, unknown>>>,
    fields: readonly string[],
  ): CatalogPhrases {
    const counts = new Map<string, number>();
    const add = (value: unknown): void => {
      if (typeof value !== 'string') return;
      const phrase = normalizeQuery(value);
      if (phrase.length === 0 || phrase.length > MAX_PHRASE_LENGTH) return;
      counts.set(phrase, (counts.get(phrase) ?? 0) + 1);
    };
    for (const product of products) {
      add(product.title);
      for (const field of fields) {
        const value = product[field];
        if (Array.isArray(value)) value.forEach(add);
        else add(value);
      }
    }
    const phrases = [...counts.keys()].sort(compareStrings);
    return new CatalogPhrases(
      phrases,
      Uint32Array.from(phrases, (phrase) => counts.get(phrase) ?? 0),
    );
  }

  get size(): number {
    return this.phrases.length;
  }

  /**
   * Up to `limit` phrases starting with `prefix` (normalised by the caller): the most common first (a category
   * shared by 900 products before one title), then the shorter, then alphabetical.
   */
  complete(prefix: string, limit: number): string[] {
    if (limit <= 0) return [];
    const best: Array<{ phrase: string; weight: number }> = [];
    const end = Math.min(this.phrases.length, lowerBound(this.phrases, prefix) + MAX_SCANNED);
    for (let i = lowerBound(this.phrases, prefix); i < end; i += 1) {
      const phrase = this.phrases[i] as string;
      if (!phrase.startsWith(prefix)) break;
      best.push({ phrase, weight: this.weights[i] as number });
      // Keep the list short while scanning a large range (a one-letter prefix).
      if (best.length >= limit * 8) trim(best, limit);
    }
    trim(best, limit);
    return best.map(({ phrase }) => phrase);
  }
}

/** Titles longer than this are descriptions, not something a person types. */
const MAX_PHRASE_LENGTH = 120;
/** Bounds the work of one keystroke; past this many matches the prefix is too short to be useful anyway. */
const MAX_SCANNED = 50_000;

function trim(list: Array<{ phrase: string; weight: number }>, limit: number): void {
  list.sort((a, b) => b.weight - a.weight || a.phrase.length - b.phrase.length || compareStrings(a.phrase, b.phrase));
  list.length = Math.min(list.length, limit);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
