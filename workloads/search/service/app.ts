import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { FailOpenCache } from './cache/fail-open-cache.js';
import { QueryEmbeddings } from './cache/query-embeddings.js';
import type { SearchCache } from './cache/search-cache.js';
import type { SearchConfig } from './config.js';
import type { Embedder } from '../embedder/embedder.js';
import { assertEmbedderMatchesIndex, type SearchIndex } from '../index/serve/load-index.js';
import { VectorSearchBatcher } from '../index/serve/vector-batcher.js';
import { CatalogPhrases } from './popular/catalog-phrases.js';
import { autocompleteRoutes } from './routes/autocomplete.js';
import { healthRoutes } from './routes/health.js';
import { createSearchMetrics, metricsRoutes } from './routes/metrics.js';
import { relatedRoutes } from './routes/related.js';
import { searchRoutes } from './routes/search.js';
import { type RouteContext, ServiceState } from './service-state.js';
import { formatSchemaErrors, registerSharedSchemas } from './routes/schemas.js';

/**
 * The search service as a fastify instance that never listens (fastify's Testing guide): main.ts listens, tests
 * use `inject()`.
 *
 * The index and the embedder may be promises: the server can answer /healthz and /readyz (503) while they load,
 * and becomes ready when both are in and agree on the model. A load failure leaves it unready for good, with the
 * reason in /readyz; main.ts awaits the same promises and exits.
 *
 * The app closes the cache it was given when it closes (a Valkey store leaves a client it was handed open).
 */
export interface SearchAppDeps {
  readonly config: Pick<SearchConfig, 'cacheTimeoutMs' | 'embeddingTtlSeconds'> &
    Partial<Pick<SearchConfig, 'vectorThreads'>>;
  readonly index: SearchIndex | Promise<SearchIndex>;
  readonly embedder: Embedder | Promise<Embedder>;
  readonly cache: SearchCache;
  readonly log: FastifyBaseLogger;
  /** Where the metrics go; default a new registry (the caller adds default process metrics if it wants them). */
  readonly registry?: Registry;
  /** Consecutive cache failures before the cache is skipped for a while, and for how long. Defaults 3 and 1000 ms. */
  readonly cacheBreaker?: { readonly failureThreshold?: number; readonly openMs?: number };
}

export function buildApp(deps: SearchAppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log,
    schemaErrorFormatter: formatSchemaErrors,
    // verbose: ajv puts the offending value on each error, so a 400 can say what it got.
    ajv: { customOptions: { verbose: true } },
    // Take the website's request id when it sends one, so its log lines and ours can be joined.
    requestIdHeader: 'x-request-id',
  });

  const state = new ServiceState();
  // The availability gauge reads the cache wrapper when scraped, by which time it exists.
  const metrics = createSearchMetrics(deps.registry ?? new Registry(), () => cache.isAvailable());
  const cache = new FailOpenCache(deps.cache, {
    timeoutMs: deps.config.cacheTimeoutMs,
    log: deps.log,
    ...(deps.cacheBreaker ?? {}),
    onResult: (operation, result) => metrics.recordCacheResult(operation, result),
  });
  const context: RouteContext = { state, cache, config: deps.config, metrics };

  void Promise.all([deps.index, deps.embedder])
    .then(([index, embedder]) => {
      assertEmbedderMatchesIndex(index, embedder);
      state.setReady({
        index,
        embedder,
        embeddings: new QueryEmbeddings(embedder, cache, deps.config.embeddingTtlSeconds, (seconds) =>
          metrics.embedDuration.observe(seconds),
        ),
        vectorSearch: new VectorSearchBatcher(index.vectors, {
          ...(deps.config.vectorThreads !== undefined ? { threads: deps.config.vectorThreads } : {}),
          onBatch: (size) => metrics.vectorBatchSize.observe(size),
        }),
        phrases: CatalogPhrases.fromProducts(index.products, Object.keys(index.rules.rules.fields)),
      });
      metrics.indexReady.set(1);
      metrics.indexProducts.set(index.products.length);
      const { source } = index.vectorSource;
      metrics.vectorIndexInfo.set({ kind: source === 'exact' ? 'exact' : 'hnsw', source }, 1);
      deps.log.info(
        {
          products: index.products.length,
          dimensions: index.vectors.dimensions,
          modelId: embedder.modelId,
          dir: index.dir,
          vectorIndex: index.vectorSource,
        },
        'index loaded: ready',
      );
    })
    .catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      state.setFailed(error);
      deps.log.error({ err: error }, `index failed to load: ${error.message}`);
    });

  registerSharedSchemas(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (statusCode >= 500 && statusCode !== 503) request.log.error({ err: error }, 'request failed');
    // A 500 says nothing about internals; the log has the stack.
    const message = statusCode === 500 ? 'internal server error' : error.message;
    return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message });
  });

  app.setNotFoundHandler({}, (request, reply) =>
    reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    }),
  );

  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.addHook('onClose', async () => {
    await cache.close();
  });

  void app.register(healthRoutes, { context });
  void app.register(searchRoutes, { context });
  void app.register(relatedRoutes, { context });
  void app.register(autocompleteRoutes, { context });
  void app.register(metricsRoutes, { metrics });

  return app;
}
