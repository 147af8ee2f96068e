import type { FastifyPluginAsync } from 'fastify';
import { normalizeQuery } from '../../query/normalize.js';
import { rankRelatedSearches } from '../popular/related-searches.js';
import {
  ERROR_SCHEMA,
  errorResponses,
  limitParameter,
  PRODUCT_ID_PARAMETER,
  QUERY_PARAMETER,
  SCHEMA_IDS,
} from './schemas.js';
import { httpError, roundScore, type RouteOptions, toResult } from '../service-state.js';

/**
 * GET /products/:id/related — the products nearest to one product (itself left out), exact.
 * GET /related-searches?q= — popular queries whose embeddings are closest to q's.
 *
 * Related searches consider the POPULAR_CANDIDATES most popular queries. Their vectors come from the embedding
 * cache; at most MAX_NEW_EMBEDDINGS missing ones are embedded per request (and cached), so a cold cache costs one
 * bounded model call and the list fills in over the next requests instead of one request embedding hundreds.
 */

export const RELATED_DEFAULT_LIMIT = 10;
export const RELATED_MAX_LIMIT = 100;
export const RELATED_SEARCHES_DEFAULT_LIMIT = 5;
export const RELATED_SEARCHES_MAX_LIMIT = 20;
const POPULAR_CANDIDATES = 200;
const MAX_NEW_EMBEDDINGS = 16;

const relatedSchema = {
  params: {
    type: 'object',
    required: ['id'],
    properties: { id: PRODUCT_ID_PARAMETER },
  },
  querystring: {
    type: 'object',
    properties: { limit: limitParameter(RELATED_DEFAULT_LIMIT, RELATED_MAX_LIMIT) },
  },
  response: {
    200: {
      type: 'object',
      required: ['id', 'results'],
      properties: {
        id: { type: 'string' },
        results: { type: 'array', items: { $ref: `${SCHEMA_IDS.result}#` } },
      },
    },
    404: { $ref: `${ERROR_SCHEMA.$id}#` },
    ...errorResponses,
  },
} as const;

const relatedSearchesSchema = {
  querystring: {
    type: 'object',
    required: ['q'],
    properties: {
      q: QUERY_PARAMETER,
      limit: limitParameter(RELATED_SEARCHES_DEFAULT_LIMIT, RELATED_SEARCHES_MAX_LIMIT),
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['query', 'searches'],
      properties: {
        query: { type: 'string' },
        searches: {
          type: 'array',
          items: {
            type: 'object',
            required: ['query', 'score'],
            properties: { query: { type: 'string' }, score: { type: 'number' } },
          },
        },
      },
    },
    ...errorResponses,
  },
} as const;

export const relatedRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context }) => {
  app.get<{ Params: { id: string }; Querystring: { limit: number } }>(
    '/products/:id/related',
    { schema: relatedSchema },
    async (request) => {
      const { index } = context.state.require();
      const { id } = request.params;
      const row = index.rowById.get(id);
      if (row === undefined) throw httpError(404, `product ${JSON.stringify(id)} not found`);
      const hits = index.vectors.search(index.vectors.vector(row), request.query.limit, (other) => other !== row);
      return { id, results: hits.map((hit) => toResult(index.products[hit.row]!, hit.score)) };
    },
  );

  app.get<{ Querystring: { q: string; limit: number } }>(
    '/related-searches',
    { schema: relatedSearchesSchema },
    async (request) => {
      const { embeddings } = context.state.require();
      const { q, limit } = request.query;
      const query = normalizeQuery(q);
      const session = context.cache.session();
      // Both reads start together and share the request's one cache deadline.
      const [popular, own] = await Promise.all([
        context.popularity.popularQueries(session, { limit: POPULAR_CANDIDATES }),
        embeddings.embed([query], session),
      ]);
      const queryVector = own.vectors[0];
      const candidates = (popular ?? []).filter((entry) => entry.query !== query);
      if (!queryVector || candidates.length === 0) return { query: q, searches: [] };
      const { vectors } = await embeddings.embed(
        candidates.map((entry) => entry.query),
        session,
        { maxNew: MAX_NEW_EMBEDDINGS },
      );
      const searches = rankRelatedSearches(query, queryVector, candidates, vectors, limit).map((s) => ({
        query: s.query,
        score: roundScore(s.score),
      }));
      return { query: q, searches };
    },
  );
};
