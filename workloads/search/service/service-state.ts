import type { FailOpenCache } from './cache/fail-open-cache.js';
import type { QueryEmbeddings } from './cache/query-embeddings.js';
import type { SearchConfig } from './config.js';
import type { Embedder } from '../embedder/embedder.js';
import type { SearchIndex } from '../index/serve/load-index.js';
import type { Product } from '../index/format/products.js';
import type { VectorSearchBatcher } from '../index/serve/vector-batcher.js';
import type { CatalogPhrases } from './popular/catalog-phrases.js';
import type { Popularity } from './popular/popularity.js';
import type { SearchMetrics } from './routes/metrics.js';

/** What the routes need once the index and the model are loaded. */
export interface ReadyService {
  readonly index: SearchIndex;
  readonly embedder: Embedder;
  readonly embeddings: QueryEmbeddings;
  /** `index.vectors`, with concurrent unfiltered searches batched across cores. */
  readonly vectorSearch: VectorSearchBatcher;
  /** Autocomplete's catalog side: titles and filterable values. */
  readonly phrases: CatalogPhrases;
}

/**
 * Loading → ready, or loading → failed. The server listens before the index is loaded (a 200 MB read and a
 * model load take seconds), answers /healthz at once and /readyz with 503 until then; search routes answer 503.
 */
export class ServiceState {
  private current:
    { status: 'loading' } | { status: 'ready'; service: ReadyService } | { status: 'failed'; error: Error } = {
    status: 'loading',
  };

  get status(): 'loading' | 'ready' | 'failed' {
    return this.current.status;
  }

  get service(): ReadyService | undefined {
    return this.current.status === 'ready' ? this.current.service : undefined;
  }

  get error(): Error | undefined {
    return this.current.status === 'failed' ? this.current.error : undefined;
  }

  setReady(service: ReadyService): void {
    this.current = { status: 'ready', service };
  }

  setFailed(error: Error): void {
    this.current = { status: 'failed', error };
  }

  /** The loaded service, or a 503 error for the route to throw. */
  require(): ReadyService {
    if (this.current.status === 'ready') return this.current.service;
    throw httpError(
      503,
      this.current.status === 'failed'
        ? `the index failed to load: ${this.current.error.message}`
        : 'the index is still loading; retry shortly',
    );
  }
}

/** Everything a route plugin is registered with. */
export interface RouteContext {
  readonly state: ServiceState;
  readonly cache: FailOpenCache;
  /** Counts searches and says which popular queries may be shown. */
  readonly popularity: Popularity;
  /** The request header that identifies a shopper, for distinct-client counts (popularity.ts, clientIdentity). */
  readonly clientIdHeader: string;
  readonly config: Pick<SearchConfig, 'cacheTimeoutMs' | 'embeddingTtlSeconds'>;
  readonly metrics: SearchMetrics;
}

export interface RouteOptions {
  readonly context: RouteContext;
}

/** An error fastify answers with `statusCode` (the error handler in app.ts formats it). */
export function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode });
}

/** A result row: the product's own fields, then its id and score (a catalog field named "score" is overridden). */
export function toResult(product: Product, score: number): Product & { score: number } {
  return { ...product, id: product.id, score: roundScore(score) };
}

/** Six decimals: more is float noise and makes responses differ between runs of the same index. */
export function roundScore(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}
