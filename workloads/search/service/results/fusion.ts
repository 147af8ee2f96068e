/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009; Elasticsearch's and OpenSearch's `rrf`): a row's fused
 * score is the sum over the rankings it appears in of 1 / (k + rank), rank counted from 1, k = 60 (their default).
 * Ranks, not scores, so a cosine and a BM25 score need no common scale.
 */
export const RRF_K = 60;

export interface Fused {
  readonly row: number;
  readonly score: number;
}

/** The rows of every ranking, best fused score first; ties in order of the best rank, then row. */
export function reciprocalRankFusion(rankings: ReadonlyArray<readonly number[]>, k = RRF_K): Fused[] {
  const scores = new Map<number, { score: number; best: number }>();
  for (const ranking of rankings) {
    ranking.forEach((row, i) => {
      const entry = scores.get(row);
      const add = 1 / (k + i + 1);
      if (entry) {
        entry.score += add;
        entry.best = Math.min(entry.best, i);
      } else scores.set(row, { score: add, best: i });
    });
  }
  return [...scores]
    .sort(([rowA, a], [rowB, b]) => b.score - a.score || a.best - b.best || rowA - rowB)
    .map(([row, { score }]) => ({ row, score }));
}
