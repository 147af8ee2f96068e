/**
 * The files of an index directory, each named here once: the index build writes them, the service reads them and
 * the manifest lists them.
 */
export const INDEX_FILES = {
  /** What the directory holds and how to check it; written last (manifest.ts). */
  manifest: 'manifest.json',
  /** float32 [N, D], row i = product i, unit-length rows (npy.ts). */
  embeddings: 'embeddings.npy',
  /** The N products, one JSON object per line, in row order (products.ts). */
  products: 'products.jsonl',
  /** The validated filter rules. */
  rules: 'filters.json',
  /** The HNSW graph over the embeddings; used only when the manifest vouches for it. */
  graph: 'vectors.usearch',
  /** The principal directions the graph navigates in, float32 [width, D], when it has a projection (ann.projection). */
  projection: 'vectors.projection.npy',
  /** The lexical (BM25F) index over the products; used only when the manifest vouches for it. */
  lexical: 'lexical.bin',
} as const;

/** The files the manifest lists with size and SHA-256, in the order they are checked. */
export const CHECKSUMMED_FILES = [INDEX_FILES.embeddings, INDEX_FILES.products, INDEX_FILES.rules] as const;
export type ChecksummedFile = (typeof CHECKSUMMED_FILES)[number];

/** An optional directory in an index holding the model it was built with (the service then loads that one). */
export const INDEX_MODEL_DIR = 'model';
