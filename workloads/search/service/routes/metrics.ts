import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CacheCallResult, CacheOperation } from '../cache/fail-open-cache.js';

/**
 * Prometheus metrics of the search service, registered on a registry the caller owns (one per app, so tests can
 * build many apps in one process).
 */
export interface SearchMetrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'route' | 'method' | 'status_code'>;
  readonly cacheRequests: Counter<'operation' | 'result'>;
  readonly cacheAvailable: Gauge;
  readonly cacheLookups: Counter<'outcome'>;
  readonly cacheBreakerOpened: Counter;
  readonly popularUpdates: Counter<'result'>;
  readonly indexReady: Gauge;
  readonly indexProducts: Gauge;
  readonly embedDuration: Histogram;
  readonly vectorBatchSize: Histogram;
  readonly vectorIndexInfo: Gauge<'kind' | 'source'>;
  recordCacheResult(operation: CacheOperation, result: CacheCallResult): void;
}

const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createSearchMetrics(registry: Registry, isCacheAvailable: () => boolean): SearchMetrics {
  const requestDuration = new Histogram({
    name: 'roleplane_search_http_request_duration_seconds',
    help: 'HTTP request latency by route (the route pattern, not the URL) and status code.',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const cacheRequests = new Counter({
    name: 'roleplane_search_cache_requests_total',
    help: 'Cache calls by operation and result: hit/miss per embedding looked up, ok, error, timeout, skipped (cache known down).',
    labelNames: ['operation', 'result'] as const,
    registers: [registry],
  });
  const cacheAvailable = new Gauge({
    name: 'roleplane_search_cache_available',
    help: '1 when the cache is connected and its circuit breaker closed, 0 while requests are served without it.',
    registers: [registry],
    collect() {
      this.set(isCacheAvailable() ? 1 : 0);
    },
  });
  const cacheLookups = new Counter({
    name: 'roleplane_search_cache_lookups_total',
    help: "Requests' embedding lookups by outcome: hit, miss, or off (served without the cache: down, timed out, failing, or skipped while its breaker is open).",
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const cacheBreakerOpened = new Counter({
    name: 'roleplane_search_cache_breaker_opened_total',
    help: 'Times the cache circuit breaker opened after consecutive failures (requests then skip the cache for a while).',
    registers: [registry],
  });
  const popularUpdates = new Counter({
    name: 'roleplane_search_popular_updates_total',
    help: 'Searches counted for popular queries: recorded (stored), dropped (the store did not take them: lost), rejected (not suggestable text or a blocked term).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const indexReady = new Gauge({
    name: 'roleplane_search_index_ready',
    help: '1 once the index and model are loaded.',
    registers: [registry],
  });
  const indexProducts = new Gauge({
    name: 'roleplane_search_index_products',
    help: 'Products in the loaded index.',
    registers: [registry],
  });
  const embedDuration = new Histogram({
    name: 'roleplane_search_embed_duration_seconds',
    help: 'Time of one embedding model call (a batch of texts the cache did not have).',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const vectorBatchSize = new Histogram({
    name: 'roleplane_search_vector_batch_size',
    help: 'Unfiltered vector searches answered by one native call (concurrent requests are batched across cores).',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const vectorIndexInfo = new Gauge({
    name: 'roleplane_search_vector_index_info',
    help: 'Set to 1 for the loaded vector index: kind (exact or hnsw) and source (exact, file, or rebuilt when the stored graph was unusable).',
    labelNames: ['kind', 'source'] as const,
    registers: [registry],
  });
  return {
    registry,
    vectorBatchSize,
    vectorIndexInfo,
    requestDuration,
    cacheRequests,
    cacheAvailable,
    cacheLookups,
    cacheBreakerOpened,
    popularUpdates,
    indexReady,
    indexProducts,
    embedDuration,
    recordCacheResult: (operation, result) => cacheRequests.inc({ operation, result }),
  };
}

/** GET /metrics in the Prometheus text format. */
export const metricsRoutes: FastifyPluginAsync<{ metrics: SearchMetrics }> = async (app, { metrics }) => {
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
};
