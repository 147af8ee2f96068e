import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { FailOpenCache } from './cache/fail-open-cache.js';
import type { Blocklist } from './popular/blocklist.js';
import { Popularity } from './popular/popularity.js';
import { DEFAULT_SUGGESTION_LIMITS } from './popular/suggestion-text.js';
import { QueryEmbeddings } from './cache/query-embeddings.js';
import type { SearchCache } from './cache/search-cache.js';
import { SEARCH_SETTINGS, type SearchConfig } from './config.js';
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
import { checkQueryParameters, formatSchemaErrors, registerSharedSchemas } from './routes/schemas.js';
import { methodRoutes } from './routes/methods.js';
import { parseQuerystring } from './querystring.js';
import {
  ALLOW_HEADER,
  checkUrlLength,
  clientErrorHandler,
  errorBody,
  frameworkErrors,
  MAX_URL_LENGTH,
} from './http-errors.js';

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
    Partial<
      Pick<
        SearchConfig,
        'vectorThreads' | 'suggestMinClients' | 'suggestMaxLength' | 'clientIdHeader' | 'popularFlushMs'
      >
    >;
  /** Terms never suggested (service/popular/blocklist.ts). @default none */
  readonly blocklist?: Blocklist;
  /** The clock searches are counted with (tests move it). @default Date.now */
  readonly now?: () => number;
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
    routerOptions: {
      // Malformed percent-encoding is a 400, never searched as literal text (querystring.ts).
      querystringParser: parseQuerystring,
      // fastify's default (100) answered product ids of 101-512 characters with its own 414 in another shape. At
      // the URL's limit the router never refuses a parameter a valid URL can hold: the schema's 512 decides.
      maxParamLength: MAX_URL_LENGTH,
      // /search/ is /search: a client that adds the slash gets the same answer, not a 404.
      ignoreTrailingSlash: true,
    },
    // The errors found before a route runs, in the same JSON shape as every other (http-errors.ts).
    frameworkErrors,
    clientErrorHandler,
  });

  const state = new ServiceState();
  // The availability gauge reads the cache wrapper when scraped, by which time it exists.
  const metrics = createSearchMetrics(deps.registry ?? new Registry(), () => cache.isAvailable());
  const cache = new FailOpenCache(deps.cache, {
    timeoutMs: deps.config.cacheTimeoutMs,
    log: deps.log,
    ...(deps.cacheBreaker ?? {}),
    onResult: (operation, result) => metrics.recordCacheResult(operation, result),
    onLookup: (outcome) => metrics.cacheLookups.inc({ outcome }),
    onBreakerOpen: () => metrics.cacheBreakerOpened.inc(),
  });
  const popularity = new Popularity({
    cache,
    ...(deps.blocklist ? { blocklist: deps.blocklist } : {}),
    limits: {
      ...DEFAULT_SUGGESTION_LIMITS,
      maxLength: deps.config.suggestMaxLength ?? DEFAULT_SUGGESTION_LIMITS.maxLength,
    },
    ...(deps.config.suggestMinClients !== undefined ? { minClients: deps.config.suggestMinClients } : {}),
    ...(deps.config.popularFlushMs !== undefined ? { flushMs: deps.config.popularFlushMs } : {}),
    onUpdate: (update, searches) => metrics.popularUpdates.inc({ result: update }, searches),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const context: RouteContext = {
    state,
    cache,
    popularity,
    clientIdHeader: deps.config.clientIdHeader ?? SEARCH_SETTINGS.clientIdHeader.default,
    config: deps.config,
    metrics,
  };

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
    return reply
      .code(statusCode)
      .send(errorBody(statusCode, statusCode === 500 ? 'internal server error' : error.message));
  });

  // 404 for a path no route has; 501 for a method no route has (GET routes answer the other methods fastify knows
  // with 405: routes/methods.ts). `OPTIONS *` asks about the server, not a path: every route allows the same.
  app.setNotFoundHandler({}, (request, reply) => {
    if (request.method === 'OPTIONS' && request.url === '*')
      return reply.code(204).header('allow', ALLOW_HEADER).send();
    const path = request.url.split('?')[0] ?? '';
    return app.supportedMethods.includes(request.method)
      ? reply.code(404).send(errorBody(404, `no route ${request.method} ${path}`))
      : reply.code(501).send(errorBody(501, `${request.method}: method not implemented (allowed: ${ALLOW_HEADER})`));
  });

  // The first check of every request, the not-found handler's too: a URL over the limit is a 414 whatever the path.
  app.addHook('onRequest', async (request) => {
    const tooLong = checkUrlLength(request.raw.url ?? '');
    if (tooLong) throw tooLong;
  });

  // What the schema cannot see after ajv's type coercion: malformed encoding, a repeated parameter, an integer
  // not written in decimal digits (routes/schemas.ts).
  app.addHook('preValidation', async (request) => {
    const error = checkQueryParameters(request.routeOptions.schema?.querystring, request.query);
    if (error) throw error;
  });

  // Every GET route answers OPTIONS and a 405 for the other methods: the paths are collected here as the route
  // plugins add them, and methodRoutes, registered after them, reads the list.
  const getPaths: string[] = [];
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    if (methods.includes('GET')) getPaths.push(route.url);
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.addHook('onClose', async () => {
    // The counts still buffered go out before the store closes.
    await popularity.close();
    await cache.close();
  });

  void app.register(healthRoutes, { context });
  void app.register(searchRoutes, { context });
  void app.register(relatedRoutes, { context });
  void app.register(autocompleteRoutes, { context });
  void app.register(metricsRoutes, { metrics });
  void app.register(methodRoutes, { paths: getPaths });

  return app;
}
