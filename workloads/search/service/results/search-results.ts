import type { SearchIndex } from '../../index/serve/load-index.js';
import type { FilterParts, RowCriteria } from '../../index/serve/product-filter-index.js';
import type { FacetValueCount, PriceBandCount } from '../../index/serve/facet-index.js';
import { queryTerms, type LexicalMatches } from '../../index/serve/lexical-index.js';
import type { Hit, RowFilter } from '../../index/serve/vector-index.js';
import { extractFilters, type FilterExtraction } from '../../query/extract-filters.js';
import { normalizeQuery } from '../../query/normalize.js';
import type { Correction } from '../../query/spelling.js';
import { reciprocalRankFusion } from './fusion.js';
import { relax, relaxOrder } from './relax.js';

/**
 * One /search, from the query text to a page of rows, the total and the facet counts. What is a result:
 *
 * - The filters extracted from the query (after typo correction) decide which products may be results (the
 *   candidates); when they leave none, the least important are dropped (relax.ts) and the response says which.
 * - A query that is only filters ("grey sofa": no words left) has every candidate as a result: each satisfies the
 *   whole query. They are ranked by the whole query as typed (corrected): by its words (BM25F over titles and
 *   attributes: a title that names the colour comes first) in `hybrid` and `lexical` mode, by cosine in `vector`
 *   mode. Hybrid ranks these by words alone because every candidate already has every filter word, and because it
 *   costs no embedding and no scan of thousands of candidates once a dead end was relaxed.
 * - A query with words left ("comfy seat for the living room") has as results the candidates that contain its words
 *   (all of them, or as many as `offset + limit` candidates have: wordsToMatch) (lexical, BM25F) and the
 *   max(VECTOR_WINDOW, offset + limit) candidates nearest to it (vector), in
 *   `hybrid` mode both; in `lexical` mode only the first, in `vector` mode only the second. Ranked by BM25F, by
 *   cosine, or in `hybrid` by reciprocal rank fusion of the two rankings (each cut at the same window, as
 *   Elasticsearch's `rank_window_size`).
 * - A query with no usable word and no filter ("???", "the") shows the popular products (the rules' `popularity`
 *   field), `fallback: "popular"`, rather than an error or an arbitrary match.
 * - `total` counts the results; `sort=price_asc|price_desc` orders all of them by price (strictly: "Price: low to
 *   high" means that), ties in catalog order; `offset`/`limit` cut the page.
 * - Facets count the results per value of each facet field, except that a field the query filters on is counted as
 *   if that filter were not there (the storefront convention: picking "grey" must still show how many blue ones
 *   there are). The vector window is not searched again per facet: the nearest products under the full filters
 *   stand in for it.
 */

export const SEARCH_MODES = ['hybrid', 'vector', 'lexical'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
export const SEARCH_SORTS = ['relevance', 'price_asc', 'price_desc'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** Nearest products a query's words bring in as results (beyond those containing one of its words). */
export const VECTOR_WINDOW = 20;

export interface ResultsRequest {
  readonly q: string;
  readonly mode: SearchMode;
  readonly sort: SearchSort;
  readonly offset: number;
  readonly limit: number;
}

export interface ResultsDeps {
  readonly index: SearchIndex;
  /** The query vector for a text, and whether the embedding cache had it. */
  readonly embed: (text: string) => Promise<{ vector: Float32Array; outcome: 'hit' | 'miss' | 'off' }>;
  readonly vectorSearch: (vector: Float32Array, k: number, filter?: RowFilter) => Promise<Hit[]>;
}

export type Facets = Record<string, FacetValueCount[] | PriceBandCount[]>;

export interface ResultsPage {
  readonly extraction: FilterExtraction;
  readonly corrections: readonly Correction[];
  readonly relaxed: readonly string[];
  readonly fallback?: 'popular';
  readonly total: number;
  readonly page: ReadonlyArray<{ readonly row: number; readonly score: number }>;
  readonly facets: Facets;
  readonly embedding: 'hit' | 'miss' | 'off';
  /** Products that passed the (relaxed) filters, for the log. */
  readonly candidates: number;
}

export async function searchResults(request: ResultsRequest, deps: ResultsDeps): Promise<ResultsPage> {
  const { index } = deps;
  const { mode, sort, offset, limit } = request;
  const wanted = offset + limit;
  const count = index.products.length;
  const priceField = index.rules.price?.field;

  const extraction = extractFilters(request.q, index.rules, { speller: index.speller });
  const corrected = applyCorrections(normalizeQuery(request.q), extraction.corrections);
  const textTerms = queryTerms(extraction.text);
  const allTerms = queryTerms(corrected);
  const isTextEmpty = textTerms.length === 0;
  let criteria: RowCriteria = {
    filters: extraction.filters,
    exclude: extraction.exclude,
    ...(extraction.price ? { price: extraction.price } : {}),
  };
  let parts = index.filters.parts(criteria);
  let candidates = parts.rows();

  if (candidates === undefined && isTextEmpty && allTerms.length === 0) {
    const rows = Array.from(index.popularRows.subarray(offset, wanted));
    return {
      extraction,
      corrections: extraction.corrections,
      relaxed: [],
      fallback: 'popular',
      total: count,
      page: rows.map((row) => ({ row, score: 0 })),
      facets: facetCounts(index, criteria, parts, undefined, () => undefined),
      embedding: 'off',
      candidates: count,
    };
  }

  let relaxed: string[] = [];
  if (candidates !== undefined && candidates.length === 0) {
    const relaxation = relax(criteria, relaxOrder(index.rules.rules, priceField), priceField, (c) =>
      index.filters.candidates(c),
    );
    if (relaxation) {
      ({ criteria, candidates, relaxed } = relaxation);
      parts = index.filters.parts(criteria);
    }
  }
  const hasCandidates = candidates === undefined || candidates.length > 0;
  const mask = candidates ? maskOf(candidates, count) : undefined;

  // The two rankings.
  // A filters-only query in hybrid mode is ranked by its words alone: see the comment at the top.
  const usesVector = mode === 'vector' || (mode === 'hybrid' && !isTextEmpty);
  let vectorHits: Hit[] = [];
  let embedding: 'hit' | 'miss' | 'off' = 'off';
  if (usesVector && hasCandidates) {
    const { vector, outcome } = await deps.embed(isTextEmpty ? corrected : extraction.text);
    embedding = outcome;
    vectorHits = await deps.vectorSearch(vector, Math.max(VECTOR_WINDOW, wanted), candidates);
  }

  // Matched over the whole catalog, candidates or not (facets count the results under other filters too), and
  // after the last await: the scores are the index's scratch array, valid until the next search's match.
  const lexical: LexicalMatches | undefined =
    mode !== 'vector' ? index.lexical.match(isTextEmpty ? allTerms : textTerms) : undefined;
  // Which rows are results: a list, so that counting them is a tight loop (undefined: every product).
  const minMatched =
    lexical && !isTextEmpty && hasCandidates ? wordsToMatch(lexical, mask, textTerms.length, wanted) : 1;
  const lexicalRows: number[] = [];
  if (lexical && hasCandidates)
    for (const row of lexical.rows)
      if ((!mask || mask[row] === 1) && (lexical.matched[row] as number) >= minMatched) lexicalRows.push(row);
  const vectorRows = vectorHits.map((hit) => hit.row);
  /** Vector rows that are not already results by their words: the window's extra results, when words decide. */
  const extraRows =
    isTextEmpty || !lexical
      ? vectorRows
      : vectorRows.filter((row) => !((lexical.matched[row] as number) >= minMatched));
  /** The results under other candidates (`inside`, undefined: every product passes). */
  const resultsWithin = (
    rows: Uint32Array | undefined,
    inside: Uint8Array | undefined,
  ): ArrayLike<number> | undefined => {
    if (isTextEmpty) return rows;
    const out: number[] = [];
    if (lexical)
      for (const row of lexical.rows)
        if ((!inside || inside[row] === 1) && (lexical.matched[row] as number) >= minMatched) out.push(row);
    for (const row of extraRows) out.push(row);
    return out;
  };
  const results: ArrayLike<number> | undefined = !hasCandidates
    ? []
    : isTextEmpty
      ? candidates
      : [...lexicalRows, ...extraRows];
  const total = results?.length ?? count;

  // Relevance: scores and order of the best `wanted` rows.
  const relevance = new Map<number, number>();
  let ranked: number[];
  if (!hasCandidates) ranked = [];
  else if (mode === 'vector') {
    vectorHits.forEach((hit) => relevance.set(hit.row, hit.score));
    ranked = vectorRows;
  } else {
    const scores = (lexical as LexicalMatches).scores;
    const lexicalTop = topByScore(lexicalRows, scores, Math.max(VECTOR_WINDOW, wanted));
    if (!usesVector) {
      lexicalTop.forEach((row) => relevance.set(row, scores[row] as number));
      ranked = lexicalTop;
    } else {
      const fused = reciprocalRankFusion([vectorRows, lexicalTop]);
      fused.forEach(({ row, score }) => relevance.set(row, score));
      ranked = fused.map(({ row }) => row);
    }
    // Candidates neither ranking reached (a filters-only query deeper than both lists) follow in catalog order.
    if (isTextEmpty && ranked.length < wanted) {
      const listed = new Set(ranked);
      for (let i = 0; i < (results?.length ?? count) && ranked.length < wanted; i += 1) {
        const row = results ? (results[i] as number) : i;
        if (!listed.has(row)) ranked.push(row);
      }
    }
  }

  let ordered: number[];
  if (sort === 'relevance') ordered = ranked.slice(0, wanted);
  else {
    const inResults = new Uint8Array(count);
    if (results) for (let i = 0; i < results.length; i += 1) inResults[results[i] as number] = 1;
    else inResults.fill(1);
    ordered = [];
    const byPrice = index.filters.rowsByPrice;
    const ascending = sort === 'price_asc';
    for (let i = 0; i < byPrice.length && ordered.length < wanted; i += 1) {
      const row = byPrice[ascending ? i : byPrice.length - 1 - i] as number;
      if (inResults[row] === 1) ordered.push(row);
    }
  }
  const page = ordered.slice(offset, wanted).map((row) => ({ row, score: relevance.get(row) ?? 0 }));

  const facets = facetCounts(index, criteria, parts, results, (rows) =>
    resultsWithin(rows, isTextEmpty || !rows ? undefined : maskOf(rows, count)),
  );
  return {
    extraction,
    corrections: extraction.corrections,
    relaxed,
    total,
    page,
    facets,
    embedding,
    candidates: candidates?.length ?? count,
  };
}

/**
 * Counts per facet field: over `results` (undefined: the whole catalog), except for a field the criteria filter on,
 * counted over `resultsWithin(the candidates without that filter)`.
 */
function facetCounts(
  index: SearchIndex,
  criteria: RowCriteria,
  parts: FilterParts,
  results: ArrayLike<number> | undefined,
  resultsWithin: (candidates: Uint32Array | undefined) => ArrayLike<number> | undefined,
): Facets {
  const priceField = index.rules.price?.field;
  const out: Facets = {};
  const isFiltered = (field: string): boolean =>
    field === priceField
      ? criteria.price !== undefined && (criteria.price.gte !== undefined || criteria.price.lte !== undefined)
      : (criteria.filters[field]?.length ?? 0) > 0;
  const filtered = index.facets.names.filter(isFiltered);
  const shared = index.facets.countAll(
    index.facets.names.filter((field) => !filtered.includes(field)),
    results,
  );
  for (const field of index.facets.names) {
    const isPrice = field === priceField;
    const counts = shared.get(field) ?? index.facets.count(field, resultsWithin(parts.without(field)));
    out[isPrice ? 'price' : field] = isPrice
      ? index.facets.bandCounts(counts)
      : index.facets.valueCounts(field, counts);
  }
  return out;
}

/**
 * How many of a query's words a product must have to be a result by its words: all of them, fewer only while fewer
 * than `wanted` candidates have that many (Meilisearch's default drops words while too few documents have them all;
 * here the words a product lacks count, not their order). Never fewer than one.
 */
function wordsToMatch(lexical: LexicalMatches, mask: Uint8Array | undefined, terms: number, wanted: number): number {
  const histogram = new Uint32Array(Math.min(terms, 255) + 1);
  for (const row of lexical.rows) {
    if (mask && mask[row] !== 1) continue;
    const count = lexical.matched[row] as number;
    histogram[count] = (histogram[count] as number) + 1;
  }
  let atLeast = 0;
  for (let m = histogram.length - 1; m >= 1; m -= 1) {
    atLeast += histogram[m] as number;
    if (atLeast >= wanted) return m;
  }
  return 1;
}

/** The normalised query with each corrected word replaced: what a filters-only query is ranked by. */
function applyCorrections(normalized: string, corrections: readonly Correction[]): string {
  let text = normalized;
  for (const { from, to } of corrections)
    text = text.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escape(from)}(?![\\p{L}\\p{N}])`, 'u'), to);
  return text;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function maskOf(rows: Uint32Array, count: number): Uint8Array {
  const mask = new Uint8Array(count);
  for (let i = 0; i < rows.length; i += 1) mask[rows[i] as number] = 1;
  return mask;
}

/** The `k` rows with the highest score, best first (ties: lower row first), by a bounded heap. */
export function topByScore(rows: readonly number[], scores: Float32Array, k: number): number[] {
  if (k <= 0) return [];
  // Min-heap on (score, -row): the root is the worst kept row.
  const heap: number[] = [];
  const worse = (a: number, b: number): boolean => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (i: number): void => {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && worse(heap[left] as number, heap[smallest] as number)) smallest = left;
      if (right < heap.length && worse(heap[right] as number, heap[smallest] as number)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as number, heap[i] as number];
      i = smallest;
    }
  };
  for (const row of rows) {
    if (heap.length < k) {
      heap.push(row);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i] as number, heap[parent] as number)) break;
        [heap[i], heap[parent]] = [heap[parent] as number, heap[i] as number];
        i = parent;
      }
    } else if (worse(heap[0] as number, row)) {
      heap[0] = row;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
