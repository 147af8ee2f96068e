import {
  CANDIDATE_TTL_MS,
  decay,
  type PopularQuery,
  type PopularQueryOptions,
  type PopularitySettings,
  type QueryObservation,
  type SearchCache,
} from './search-cache.js';

/**
 * The in-process cache, used when no Valkey is configured (the demo, a single replica). Same behaviour as the
 * Valkey store: embeddings with a TTL, popular queries with exponentially decaying counts, candidates promoted
 * after enough distinct clients over enough time. Bounded, so a flood of distinct queries cannot grow the heap
 * without limit.
 */
export interface MemoryCacheOptions extends Partial<PopularitySettings> {
  /** Most embeddings held; the least recently used go first. Default 10,000 (≈ 15 MB at 384 dimensions). */
  readonly maxEmbeddings?: number;
  /** The clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

const DEFAULT_MAX_EMBEDDINGS = 10_000;
const DEFAULT_HALF_LIFE_MS = 24 * 3600 * 1000;
const DEFAULT_MAX_POPULAR = 10_000;
const DEFAULT_MIN_CLIENTS = 3;
const DEFAULT_MIN_AGE_MS = 3600 * 1000;
/** Candidates held at most, per popular query allowed: the oldest-touched go first. */
const CANDIDATES_PER_ENTRY = 10;
/** Trim popular queries only once they exceed the bound by this share (at least 1), so trimming (a sort) stays rare. */
const POPULAR_SLACK = 0.1;

interface EmbeddingEntry {
  readonly vector: Float32Array;
  readonly expiresAt: number;
}

interface Counted {
  count: number;
  at: number;
}

interface Candidate extends Counted {
  readonly firstAt: number;
  readonly clients: Set<string>;
}

export class MemoryCache implements SearchCache {
  readonly kind: string = 'memory';
  // A Map iterates in insertion order: deleting and re-inserting on a hit makes the first key the LRU one.
  private readonly embeddings = new Map<string, EmbeddingEntry>();
  private readonly popular = new Map<string, Counted>();
  // Insertion order = least recently searched first, as for the embeddings.
  private readonly candidates = new Map<string, Candidate>();
  private readonly removed = new Set<string>();
  private readonly maxEmbeddings: number;
  private readonly halfLifeMs: number;
  private readonly maxPopular: number;
  private readonly minClients: number;
  private readonly minAgeMs: number;
  private readonly now: () => number;

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEmbeddings = options.maxEmbeddings ?? DEFAULT_MAX_EMBEDDINGS;
    this.halfLifeMs = options.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
    this.maxPopular = options.maxEntries ?? DEFAULT_MAX_POPULAR;
    this.minClients = options.minClients ?? DEFAULT_MIN_CLIENTS;
    this.minAgeMs = options.minAgeMs ?? DEFAULT_MIN_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  isAvailable(): boolean {
    return true;
  }

  async getEmbeddings(keys: readonly string[]): Promise<Array<Float32Array | undefined>> {
    const now = this.now();
    return keys.map((key) => {
      const entry = this.embeddings.get(key);
      if (!entry) return undefined;
      this.embeddings.delete(key);
      if (entry.expiresAt <= now) return undefined;
      this.embeddings.set(key, entry);
      return entry.vector;
    });
  }

  async setEmbedding(key: string, vector: Float32Array, ttlSeconds: number): Promise<void> {
    this.embeddings.delete(key);
    // A copy: the caller may reuse its array, and a cached vector must never change under a reader.
    this.embeddings.set(key, { vector: vector.slice(), expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.embeddings.size > this.maxEmbeddings) {
      const oldest = this.embeddings.keys().next().value;
      if (oldest === undefined) break;
      this.embeddings.delete(oldest);
    }
  }

  async recordQueries(observations: readonly QueryObservation[]): Promise<void> {
    for (const observation of observations) this.record(observation);
  }

  private record({ query, count, clients, firstAt, lastAt }: QueryObservation): void {
    if (this.removed.has(query)) return;
    const popular = this.popular.get(query);
    if (popular) {
      popular.count = decay(popular.count, popular.at, lastAt, this.halfLifeMs) + count;
      popular.at = lastAt;
      return;
    }
    let candidate = this.candidates.get(query);
    this.candidates.delete(query);
    if (candidate && lastAt - candidate.at > CANDIDATE_TTL_MS) candidate = undefined;
    candidate ??= { count: 0, at: lastAt, firstAt, clients: new Set() };
    candidate.count = decay(candidate.count, candidate.at, lastAt, this.halfLifeMs) + count;
    candidate.at = lastAt;
    for (const client of clients) if (candidate.clients.size < this.minClients) candidate.clients.add(client);
    if (candidate.clients.size >= this.minClients && lastAt - candidate.firstAt >= this.minAgeMs) {
      this.popular.set(query, { count: candidate.count, at: candidate.at });
      if (this.popular.size > this.maxPopular + Math.max(1, Math.floor(this.maxPopular * POPULAR_SLACK)))
        this.trimPopular(lastAt, query);
      return;
    }
    this.candidates.set(query, candidate);
    while (this.candidates.size > this.maxPopular * CANDIDATES_PER_ENTRY) {
      const oldest = this.candidates.keys().next().value;
      if (oldest === undefined) break;
      this.candidates.delete(oldest);
    }
  }

  async removeQuery(query: string): Promise<boolean> {
    this.removed.add(query);
    const wasPopular = this.popular.delete(query);
    return this.candidates.delete(query) || wasPopular;
  }

  async restoreQuery(query: string): Promise<boolean> {
    return this.removed.delete(query);
  }

  async popularQueries({ prefix, limit }: PopularQueryOptions): Promise<PopularQuery[]> {
    const now = this.now();
    const matches: PopularQuery[] = [];
    for (const [query, { count, at }] of this.popular) {
      if (prefix && !query.startsWith(prefix)) continue;
      matches.push({ query, count: decay(count, at, now, this.halfLifeMs) });
    }
    return matches.sort(byCountThenQuery).slice(0, limit);
  }

  async close(): Promise<void> {
    this.embeddings.clear();
    this.popular.clear();
    this.candidates.clear();
  }

  /**
   * Keeps the `maxPopular` most popular queries plus `keep`, the query just counted: it starts at the bottom and
   * must get a chance to climb, or a full set would evict every newcomer on arrival.
   */
  private trimPopular(now: number, keep: string): void {
    const ranked = [...this.popular]
      .filter(([query]) => query !== keep)
      .map(([query, { count, at }]) => ({ query, count: decay(count, at, now, this.halfLifeMs) }))
      .sort(byCountThenQuery);
    for (const { query } of ranked.slice(this.maxPopular)) this.popular.delete(query);
  }
}

/** Highest count first; ties in alphabetical order, so results are deterministic. */
export function byCountThenQuery(a: PopularQuery, b: PopularQuery): number {
  return b.count - a.count || (a.query < b.query ? -1 : a.query > b.query ? 1 : 0);
}
