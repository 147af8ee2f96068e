import { dot } from '../../index/serve/vector-index.js';
import type { PopularQuery } from '../cache/search-cache.js';

export interface RelatedSearch {
  readonly query: string;
  /** Cosine similarity to the asked query. */
  readonly score: number;
}

/**
 * Ranks popular queries by similarity to a query's vector: the "people also searched for" list. The query itself
 * is left out, as are queries with no positive similarity (nothing in common). Ties go to the more popular one,
 * which is the order `popular` comes in.
 */
export function rankRelatedSearches(
  query: string,
  queryVector: Float32Array,
  popular: readonly PopularQuery[],
  vectors: ReadonlyArray<Float32Array | undefined>,
  limit: number,
): RelatedSearch[] {
  const ranked: RelatedSearch[] = [];
  popular.forEach(({ query: candidate }, i) => {
    const vector = vectors[i];
    if (!vector || candidate === query || vector.length !== queryVector.length) return;
    const score = dot(vector, 0, queryVector, queryVector.length);
    if (score > 0) ranked.push({ query: candidate, score });
  });
  // A stable sort keeps popularity order among equal scores.
  return ranked.sort((a, b) => b.score - a.score).slice(0, limit);
}
