import { createHash } from 'node:crypto';
import { normalizeQuery } from '../../query/normalize.js';

/**
 * What the search service keeps in a cache: query embeddings, and popular queries with decaying counts (for
 * autocomplete and related searches; service/popular/popularity.ts decides what may be counted). Two stores implement it, as fastify-rate-limit has a local and a Redis
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
  /**
   * Counts searches (a batch, as the popularity buffer flushes them). A query not yet popular is a candidate until
   * `minClients` distinct clients have searched it and its first search is `minAgeMs` old; only then does it count
   * as popular. A query removed with `removeQuery` is not counted at all.
   */
  recordQueries(observations: readonly QueryObservation[]): Promise<void>;
  /** The most popular queries (candidates never), optionally only those starting with `prefix`, best first. */
  popularQueries(options: PopularQueryOptions): Promise<PopularQuery[]>;
  /** Forgets a query (popular or candidate) and keeps it out from now on; false when it was neither. */
  removeQuery(query: string): Promise<boolean>;
  /** Lets a removed query be counted again; false when it was not removed. */
  restoreQuery(query: string): Promise<boolean>;
  /** Releases what the store created; a client handed in by the caller stays open. */
  close(): Promise<void>;
}

/** One query's searches since the last flush. */
export interface QueryObservation {
  /** Normalised (`normalizeQuery`) and already judged fit to suggest. */
  readonly query: string;
  /** Searches counted. */
  readonly count: number;
  /** Keys of the distinct clients that made them (hashed; at most `minClients` are needed). */
  readonly clients: readonly string[];
  /** The first and the last of them (ms since the epoch). */
  readonly firstAt: number;
  readonly lastAt: number;
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
  /** Distinct clients a candidate needs before it is popular. */
  readonly minClients: number;
  /** How old a candidate's first search must be before it is popular. */
  readonly minAgeMs: number;
}

/** A candidate that sees no search for this long is forgotten (its clients and count with it). */
export const CANDIDATE_TTL_MS = 7 * 24 * 3600 * 1000;

/** A store call that took longer than the time it was given (the store's own client timed out). */
export class CacheTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`cache call took longer than ${timeoutMs} ms`);
    this.name = 'CacheTimeoutError';
  }
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
