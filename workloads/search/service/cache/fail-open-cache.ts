import {
  CacheTimeoutError,
  type PopularQuery,
  type PopularQueryOptions,
  type QueryObservation,
  type SearchCache,
} from './search-cache.js';

/**
 * Makes any `SearchCache` safe to call from a request: the cache is an optimisation, so a cache that is down,
 * slow or broken must cost a request at most one timeout and never an error (fastify-rate-limit's `skipOnError`,
 * applied to every call).
 *
 * - Reads go through a `CacheSession`, one per request, with a single deadline: however many reads a route makes,
 *   together they wait at most `timeoutMs`. A read that fails, times out or is skipped returns "off".
 * - The deadline measures the store, not this process: when its timer fires, the event loop first gets one turn
 *   to read replies that already arrived (see `afterPendingIo`). On a busy process the timer phase runs before
 *   the socket is read, so a deadline checked at once fails answers the server gave in time — at 32 connections
 *   that sent 19–38 % of searches past a healthy Valkey and tripped the breaker.
 * - Writes are fire-and-forget: the request never waits for them; they get `writeTimeoutMs`, failures are counted.
 * - A store that says it is unavailable (ioredis reconnecting) is skipped without a call.
 * - A small circuit breaker: after `failureThreshold` consecutive failures the store is skipped for `openMs`, then
 *   calls are let through again; the first success closes it. This keeps a hung server (which fails by timeout,
 *   not instantly) from costing every request a full timeout.
 */

/** What a read found: `off` means the cache was not consulted or did not answer (down, slow, failing). */
export type CacheOutcome = 'hit' | 'miss' | 'off';

/** Every call's result, for metrics. */
export type CacheCallResult = 'hit' | 'miss' | 'ok' | 'error' | 'timeout' | 'skipped';
export type CacheOperation = 'get_embedding' | 'set_embedding' | 'record_queries' | 'popular_queries';

/** The logging the wrapper needs; fastify's and pino's loggers fit. */
export interface CacheLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface FailOpenCacheOptions {
  /** The most one request waits for the cache, all reads together. */
  readonly timeoutMs: number;
  /** The most a write may take before it counts as failed; nobody waits for it. @default 1000 */
  readonly writeTimeoutMs?: number;
  readonly log: CacheLogger;
  /** Consecutive failures that open the breaker. Default 3. */
  readonly failureThreshold?: number;
  /** How long an open breaker skips the store. Default 1000 ms. */
  readonly openMs?: number;
  /** Called after every call, e.g. to count hits and misses. */
  readonly onResult?: (operation: CacheOperation, result: CacheCallResult) => void;
  /** Called with each request's embedding lookup outcome (hit, miss, or off: served without the cache). */
  readonly onLookup?: (outcome: CacheOutcome) => void;
  /** Called each time the breaker opens. */
  readonly onBreakerOpen?: () => void;
  /** The clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

const DEFAULT_FAILURE_THRESHOLD = 3;
const DEFAULT_OPEN_MS = 1000;
const DEFAULT_WRITE_TIMEOUT_MS = 1000;

/**
 * Runs `callback` after the I/O that is ready now has been processed: setImmediate's check phase comes after the
 * poll phase of the same loop iteration, so a store reply sitting in the socket settles its promise first.
 */
function afterPendingIo(callback: () => void): void {
  setImmediate(callback);
}

type Attempt<T> = { ok: true; value: T } | { ok: false; result: 'error' | 'timeout' | 'skipped' };

export class FailOpenCache {
  readonly timeoutMs: number;
  readonly writeTimeoutMs: number;
  /** @internal */
  readonly onLookup: (outcome: CacheOutcome) => void;
  private readonly onBreakerOpen: () => void;
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
    this.writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
    this.onLookup = options.onLookup ?? (() => undefined);
    this.onBreakerOpen = options.onBreakerOpen ?? (() => undefined);
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
    void this.write('set_embedding', () => this.store.setEmbedding(key, vector, ttlSeconds));
  }

  /** Whether the store took the observations (false: skipped, failed or timed out; they are lost). Never throws. */
  async recordQueries(observations: readonly QueryObservation[]): Promise<boolean> {
    return this.write('record_queries', () => this.store.recordQueries(observations));
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
          timer = setTimeout(() => afterPendingIo(() => reject(new CacheTimeoutError(budgetMs))), budgetMs);
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

  private async write(operation: CacheOperation, call: () => Promise<void>): Promise<boolean> {
    const outcome = await this.attempt(operation, this.writeTimeoutMs, call);
    if (outcome.ok) this.onResult(operation, 'ok');
    return outcome.ok;
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
    const wasOpen = this.now() < this.openUntil;
    this.openUntil = this.now() + this.openMs;
    if (!wasOpen) this.onBreakerOpen();
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
    if (!attempt.ok || attempt.value.length !== keys.length) {
      this.cache.onLookup('off');
      return { vectors: keys.map(() => undefined), outcome: 'off' };
    }
    const vectors = attempt.value;
    for (const vector of vectors) this.cache.report('get_embedding', vector ? 'hit' : 'miss');
    const outcome = vectors.every((v) => v !== undefined) ? 'hit' : 'miss';
    this.cache.onLookup(outcome);
    return { vectors, outcome };
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
