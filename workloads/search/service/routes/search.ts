import type { FastifyPluginAsync } from 'fastify';
import { normalizeQuery } from '../../query/normalize.js';
import { extractFilters, toJsonOutput } from '../../query/extract-filters.js';
import { errorResponses, limitParameter, QUERY_PARAMETER, SCHEMA_IDS } from './schemas.js';
import { clientIdentity } from '../popular/popularity.js';
import { type RouteOptions, toResult } from '../service-state.js';

/**
 * GET /search?q=&limit= — filter extraction, then exact nearest neighbours among the products that pass.
 *
 * - Every result satisfies the extracted filters (any listed value per field, every field), the price range and
 *   the exclusions; `ProductFilterIndex` computes that set and the scan sees nothing else.
 * - When the query was nothing but filters ("red boots under $50" leaves `text` empty) there is no text to rank
 *   by, so the products that pass are ranked by similarity to the whole query as typed: all of them satisfy it
 *   equally, and its embedding still favours the products that are most about those words (a "red boots"
 *   product before a red boot polish). Same path, same cache.
 * - Queries that found something are counted for popular queries (autocomplete and related searches) by
 *   popular/popularity.ts, normalised, per client; only plausible shopper text is counted.
 * - `cache.embedding`: hit (from the cache), miss (embedded now), off (cache down, slow, or not consulted because
 *   no product passes the filters).
 */

export const SEARCH_DEFAULT_LIMIT = 10;
export const SEARCH_MAX_LIMIT = 100;

const filterValues = {
  anyOf: [
    { type: 'array', items: { type: 'string' } },
    { type: 'object', properties: { gte: { type: 'number' }, lte: { type: 'number' } }, additionalProperties: false },
  ],
} as const;

const schema = {
  querystring: {
    type: 'object',
    required: ['q'],
    properties: { q: QUERY_PARAMETER, limit: limitParameter(SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT) },
  },
  response: {
    200: {
      type: 'object',
      required: ['query', 'text', 'filters', 'exclude', 'results', 'cache', 'tookMs'],
      properties: {
        query: { type: 'string' },
        text: { type: 'string' },
        filters: { type: 'object', additionalProperties: filterValues },
        exclude: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        results: { type: 'array', items: { $ref: `${SCHEMA_IDS.result}#` } },
        cache: {
          type: 'object',
          required: ['embedding'],
          properties: { embedding: { type: 'string', enum: ['hit', 'miss', 'off'] } },
        },
        tookMs: { type: 'number' },
      },
    },
    ...errorResponses,
  },
} as const;

interface SearchQuery {
  q: string;
  limit: number;
}

export const searchRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context }) => {
  app.get<{ Querystring: SearchQuery }>('/search', { schema }, async (request) => {
    const started = performance.now();
    const { index, embeddings, vectorSearch } = context.state.require();
    const { q, limit } = request.query;

    const extraction = extractFilters(q, index.rules);
    const json = toJsonOutput(extraction);
    const candidates = index.filters.candidates(extraction);
    const normalizedQuery = normalizeQuery(q);

    let results: ReturnType<typeof toResult>[] = [];
    let cacheOutcome: 'hit' | 'miss' | 'off' = 'off';
    if (candidates === undefined || candidates.length > 0) {
      const text = extraction.text !== '' ? extraction.text : normalizedQuery;
      const { vectors, outcome } = await embeddings.embed([text], context.cache.session());
      cacheOutcome = outcome;
      const vector = vectors[0];
      if (!vector) throw new Error(`no embedding for ${JSON.stringify(text)}`);
      const hits = await vectorSearch.search(vector, limit, candidates);
      results = hits.map(({ row, score }) => toResult(index.products[row]!, score));
    }
    // HEAD is a GET without the body (fastify serves it from this route): a probe, not a shopper's search.
    if (results.length > 0 && request.method === 'GET') {
      context.popularity.record(normalizedQuery, clientIdentity(request.headers, request.ip, context.clientIdHeader));
    }

    request.log.debug(
      {
        text: extraction.text,
        candidates: candidates?.length ?? index.products.length,
        results: results.length,
        cache: cacheOutcome,
      },
      'search',
    );
    return {
      query: q,
      text: json.text,
      filters: json.filters ?? {},
      exclude: json.exclude ?? {},
      results,
      cache: { embedding: cacheOutcome },
      tookMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
  });
};
