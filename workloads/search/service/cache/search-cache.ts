import { createHash } from 'node:crypto';
import { normalizeQuery } from '../../query/normalize.js';

/**
 * What the search service keeps in a cache: query embeddings, and popular queries with decaying counts (for
 * autocomplete and related searches). Two stores implement it, as fastify-rate-limit has a local and a Redis
 * store behind one interface: `MemoryCache` (in-process, the default) and `ValkeyCache` (shared by replicas).
 *
 * A store may throw or hang; callers go through `FailOpenCache`, which bounds every call and turns failures into
 * misses, so a store does not need to be defensive itself.
 */
export interface SearchCache {
  /** "memory" or "valkey": for logs and /readyz. */
  readonly kind: string;
  /** False while the store is known to be unreachable (e.g. reconnecting); callers then skip it without waiting. */
  isAvailable(): boolean;
  /** One entry per key, `undefined` for a miss. Keys come from `embeddingKey`. */
  getEmbeddings(keys: readonly string[]): Promise<Array<Float32Array | undefined>>;
  setEmbedding(key: string, vector: Float32Array, ttlSeconds: number): Promise<void>;
  /** Counts one search for `query` (already normalised with `normalizeQuery`) at the current time. */
  recordQuery(query: string): Promise<void>;
  /** The most popular queries, optionally only those starting with `prefix` (normalised), best first. */
  popularQueries(options: PopularQueryOptions): Promise<PopularQuery[]>;
  /** Releases what the store created; a client handed in by the caller stays open. */
  close(): Promise<void>;
}

export interface PopularQueryOptions {
  readonly prefix?: string;
  readonly limit: number;
}

export interface PopularQuery {
  readonly query: string;
  /**
   * The decayed count: each search counts 1 at the moment it happened and half as much every half-life after.
   * Comparable between queries of one store.
   */
  readonly count: number;
}

/** Settings both stores share. */
export interface PopularitySettings {
  /** A search counts half as much after this long. */
  readonly halfLifeMs: number;
  /** Least popular queries beyond this many are dropped. */
  readonly maxEntries: number;
}

/**
 * The cache key of a text's embedding: model id + SHA-256 of the normalised text. The model id (name plus a hash
 * of its files) keeps a model swap from ever reading another model's vectors; hashing keeps keys short and free of
 * user-controlled characters. Stores add their own prefix.
 */
export function embeddingKey(modelId: string, text: string): string {
  const digest = createHash('sha256').update(normalizeQuery(text)).digest('hex');
  return `${modelId}:${digest}`;
}

/** Decayed count at `now` of a count that was `count` at `at`. */
export function decay(count: number, at: number, now: number, halfLifeMs: number): number {
  return count * 2 ** (-(now - at) / halfLifeMs);
}
