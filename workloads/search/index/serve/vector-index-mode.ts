/** How the service searches vectors: `auto` uses the graph once a scan costs over ~1 ms; `exact` / `hnsw` force one. */
export const VECTOR_INDEX_MODES = ['auto', 'exact', 'hnsw'] as const;
export type VectorIndexMode = (typeof VECTOR_INDEX_MODES)[number];
