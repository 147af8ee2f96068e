/**
 * Where a serving index keeps its float32 rows (load-index.ts): `memory` reads embeddings.npy into the process,
 * `page-cache` leaves it in the kernel's page cache and reads the rows each search scores (vector-index.ts,
 * PageCacheRows), so processes on one node that serve the same file share one copy.
 */
export const EMBEDDINGS_RESIDENCES = ['memory', 'page-cache'] as const;
export type EmbeddingsResidence = (typeof EMBEDDINGS_RESIDENCES)[number];
