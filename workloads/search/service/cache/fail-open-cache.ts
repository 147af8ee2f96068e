import type { PopularQuery, PopularQueryOptions, SearchCache } from './search-cache.js';

/**
 * Makes any `SearchCache` safe to call from a request: the cache is an optimisation, so a cache that is down,
 * slow or broken must cost a request at most one timeout and never an error (fastify-rate-limit's `skipOnError`,
 * applied to every call).
 *
 * - Reads go through a `CacheSession`, one per request, with a single deadline: however many reads a route makes,
 *   together they wait at most `timeoutMs`. A read that fails, times out or is skipped returns "off".
 * - Writes are fire-and-forget: the request never waits for them, failures are only counted.
 * - A store that says it is unavailable (ioredis reconnecting) is skipped without a call.
 * - A small circuit breaker: after `failureThreshold` consecutive failures the store is skipped for `openMs`, then
 *   calls are let through again; the first success closes it. This keeps a hung server (which fails by timeout,
 *   not instantly) from costing every request a full timeout.
 */

/** What a read found: `off` means the cache was not consulted or did not answer (down, slow, failing). */
export type CacheOutcome = 'hit' | 'miss' | 'off';

/** Every call's result, for metrics. */
export type CacheCallResult = 'hit' | 'miss' | 'ok' | 'error' | 'timeout' | 'skipped';
export type CacheOperation = 'get_embedding' | 'set_embedding' | 'record_query' | 'popular_queries';

/** The logging the wrapper needs; fastify's and pino's loggers fit. */
export interface CacheLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface FailOpenCacheOptions {
  /** The most one request waits for the cache, all reads together. */
  readonly timeoutMs: number;
  readonly log: CacheLogger;
  /** Consecutive failures that open the breaker. Default 3. */
  readonly failureThreshold?: number;
  /** How long an open breaker skips the store. Default 1000 ms. */
  readonly openMs?: number;
  /** Called after every call, e.g. to count hits and misses. */
  readonly onResult?: (operation: CacheOperation, result: CacheCallResult) => void;
  /** The clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

const DEFAULT_FAILURE_THRESHOLD = 3;
const DEFAULT_OPEN_MS = 1000;

class CacheTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`cache call took longer than ${timeoutMs} ms`);
    this.name = 'CacheTimeoutError';
  }
}

type Attempt<T> = { ok: true; value: T } | { ok: false; result: 'error' | 'timeout' | 'skipped' };

export class FailOpenCache {
  readonly timeoutMs: number;
  private readonly log: CacheLogger;
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly onResult: (operation: CacheOperation, result: CacheCallResult) => void;
  private readonly now: () => number;
  private consecutiveFailures = 0;
  private openUntil = 0;
  private isDegraded = false;

  constructor(
    readonly store: SearchCache,
    options: FailOpenCacheOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.log = options.log;
    this.failureThreshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.openMs = options.openMs ?? DEFAULT_OPEN_MS;
    this.onResult = options.onResult ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  /** Whether a call would reach the store now: it says it is reachable and the breaker is closed. */
  isAvailable(): boolean {
    return this.isStoreAvailable() && this.now() >= this.openUntil;
  }

  /** Reads for one request, sharing one deadline of `timeoutMs` from now. */
  session(): CacheSession {
    return new CacheSession(this, this.now() + this.timeoutMs, this.now);
  }

  setEmbedding(key: string, vector: Float32Array, ttlSeconds: number): void {
    this.fireAndForget('set_embedding', () => this.store.setEmbedding(key, vector, ttlSeconds));
  }

  recordQuery(query: string): void {
    this.fireAndForget('record_query', () => this.store.recordQuery(query));
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  /** @internal Runs one store call within `budgetMs`, never throwing. */
  async attempt<T>(operation: CacheOperation, budgetMs: number, call: () => Promise<T>): Promise<Attempt<T>> {
    if (budgetMs <= 0 || !this.isAvailable()) {
      this.onResult(operation, 'skipped');
      return { ok: false, result: 'skipped' };
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const pending = call();
      // The store's promise may still settle after the timeout; nobody awaits it then, so silence its rejection.
      pending.catch(() => undefined);
      const value = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CacheTimeoutError(budgetMs)), budgetMs);
        }),
      ]);
      this.succeeded();
      return { ok: true, value };
    } catch (err) {
      const result = err instanceof CacheTimeoutError ? 'timeout' : 'error';
      this.onResult(operation, result);
      this.failed(operation, err);
      return { ok: false, result };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** @internal */
  report(operation: CacheOperation, result: CacheCallResult): void {
    this.onResult(operation, result);
  }

  private isStoreAvailable(): boolean {
    try {
      return this.store.isAvailable();
    } catch {
      return false;
    }
  }

  private fireAndForget(operation: CacheOperation, call: () => Promise<void>): void {
    void this.attempt(operation, this.timeoutMs, call).then((outcome) => {
      if (outcome.ok) this.onResult(operation, 'ok');
    });
  }

  private succeeded(): void {
    this.consecutiveFailures = 0;
    if (this.isDegraded) {
      this.isDegraded = false;
      this.log.info({ cache: this.store.kind }, 'cache answers again');
    }
  }

  private failed(operation: CacheOperation, err: unknown): void {
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures < this.failureThreshold) return;
    this.openUntil = this.now() + this.openMs;
    // Log the transition, not every failure: a down cache under load would otherwise flood the log.
    if (!this.isDegraded) {
      this.isDegraded = true;
      this.log.warn(
        {
          cache: this.store.kind,
          operation,
          failures: this.consecutiveFailures,
          skipForMs: this.openMs,
          err,
        },
        'cache failing: serving without it',
      );
    }
  }
}

/** The cache reads of one request; together they wait at most the cache's timeout. */
export class CacheSession {
  constructor(
    private readonly cache: FailOpenCache,
    private readonly deadline: number,
    private readonly now: () => number,
  ) {}

  private remainingMs(): number {
    return this.deadline - this.now();
  }

  async getEmbedding(key: string): Promise<{ vector?: Float32Array; outcome: CacheOutcome }> {
    const { vectors, outcome } = await this.getEmbeddings([key]);
    const vector = vectors[0];
    return vector ? { vector, outcome } : { outcome };
  }

  /** `outcome` is "hit" only when every key was found. */
  async getEmbeddings(
    keys: readonly string[],
  ): Promise<{ vectors: Array<Float32Array | undefined>; outcome: CacheOutcome }> {
    if (keys.length === 0) return { vectors: [], outcome: 'hit' };
    const attempt = await this.cache.attempt('get_embedding', this.remainingMs(), () =>
      this.cache.store.getEmbeddings(keys),
    );
    if (!attempt.ok || attempt.value.length !== keys.length)
      return { vectors: keys.map(() => undefined), outcome: 'off' };
    const vectors = attempt.value;
    for (const vector of vectors) this.cache.report('get_embedding', vector ? 'hit' : 'miss');
    return { vectors, outcome: vectors.every((v) => v !== undefined) ? 'hit' : 'miss' };
  }

  /** `undefined` when the cache did not answer. */
  async popularQueries(options: PopularQueryOptions): Promise<PopularQuery[] | undefined> {
    const attempt = await this.cache.attempt('popular_queries', this.remainingMs(), () =>
      this.cache.store.popularQueries(options),
    );
    if (!attempt.ok) return undefined;
    this.cache.report('popular_queries', 'ok');
    return attempt.value;
  }
}
