import type { FastifyPluginAsync } from 'fastify';
import { normalizeQuery } from '../../query/normalize.js';
import { toJsonOutput } from '../../query/extract-filters.js';
import { errorResponses, limitParameter, QUERY_PARAMETER, SCHEMA_IDS } from './schemas.js';
import { clientIdentity } from '../popular/popularity.js';
import { type RouteOptions, toResult } from '../service-state.js';
import {
  SEARCH_MODES,
  SEARCH_SORTS,
  searchResults,
  type SearchMode,
  type SearchSort,
} from '../results/search-results.js';

/**
 * GET /search?q=&limit=&offset=&mode=&sort= — typo correction and filter extraction, then the products that pass
 * the filters (relaxed when they leave none), ranked lexically, by vector or both (results/search-results.ts says
 * what a result is), with the total and facet counts.
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
/** Deepest page start: as Meilisearch's `maxTotalHits` and Algolia's `paginationLimitedTo` (1,000), nobody pages further. */
export const SEARCH_MAX_OFFSET = 1000;

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
    properties: {
      q: QUERY_PARAMETER,
      limit: limitParameter(SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT),
      offset: { type: 'integer', minimum: 0, maximum: SEARCH_MAX_OFFSET, default: 0 },
      mode: { type: 'string', enum: [...SEARCH_MODES], default: 'hybrid' },
      sort: { type: 'string', enum: [...SEARCH_SORTS], default: 'relevance' },
    },
  },
  response: {
    200: {
      type: 'object',
      required: [
        'query',
        'text',
        'filters',
        'exclude',
        'corrections',
        'relaxed',
        'mode',
        'sort',
        'total',
        'offset',
        'limit',
        'results',
        'facets',
        'cache',
        'tookMs',
      ],
      properties: {
        query: { type: 'string' },
        text: { type: 'string' },
        filters: { type: 'object', additionalProperties: filterValues },
        exclude: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        corrections: {
          type: 'array',
          items: {
            type: 'object',
            required: ['from', 'to'],
            properties: { from: { type: 'string' }, to: { type: 'string' } },
          },
        },
        relaxed: { type: 'array', items: { type: 'string' } },
        fallback: { type: 'string', enum: ['popular'] },
        mode: { type: 'string' },
        sort: { type: 'string' },
        total: { type: 'integer' },
        offset: { type: 'integer' },
        limit: { type: 'integer' },
        results: { type: 'array', items: { $ref: `${SCHEMA_IDS.result}#` } },
        facets: {
          type: 'object',
          additionalProperties: {
            type: 'array',
            items: {
              type: 'object',
              required: ['count'],
              properties: {
                value: { type: 'string' },
                gte: { type: 'number' },
                lt: { type: 'number' },
                count: { type: 'integer' },
              },
            },
          },
        },
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
  offset: number;
  mode: SearchMode;
  sort: SearchSort;
}

export const searchRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context }) => {
  app.get<{ Querystring: SearchQuery }>('/search', { schema }, async (request) => {
    const started = performance.now();
    const { index, embeddings, vectorSearch } = context.state.require();
    const { q, limit, offset, mode, sort } = request.query;
    const session = context.cache.session();
    const outcome = await searchResults(
      { q, mode, sort, offset, limit },
      {
        index,
        embed: async (text) => {
          const { vectors, outcome: cached } = await embeddings.embed([text], session);
          const vector = vectors[0];
          if (!vector) throw new Error(`no embedding for ${JSON.stringify(text)}`);
          return { vector, outcome: cached };
        },
        vectorSearch: (vector, k, filter) => vectorSearch.search(vector, k, filter),
      },
    );
    const json = toJsonOutput(outcome.extraction);
    const normalizedQuery = normalizeQuery(q);
    const results = outcome.page.map(({ row, score }) => toResult(index.products[row]!, score));
    const cacheOutcome = outcome.embedding;
    // HEAD is a GET without the body (fastify serves it from this route): a probe, not a shopper's search.
    if (results.length > 0 && outcome.fallback === undefined && request.method === 'GET') {
      context.popularity.record(normalizedQuery, clientIdentity(request.headers, request.ip, context.clientIdHeader));
    }

    request.log.debug(
      {
        text: outcome.extraction.text,
        candidates: outcome.candidates,
        total: outcome.total,
        corrections: outcome.corrections.length,
        relaxed: outcome.relaxed,
        mode,
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
      corrections: outcome.corrections,
      relaxed: outcome.relaxed,
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
      mode,
      sort,
      total: outcome.total,
      offset,
      limit,
      results,
      facets: outcome.facets,
      cache: { embedding: cacheOutcome },
      tookMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
  });
};
