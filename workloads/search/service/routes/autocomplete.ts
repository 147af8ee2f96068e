import type { FastifyPluginAsync } from 'fastify';
import { normalizeQuery } from '../../query/normalize.js';
import { errorResponses, limitParameter, QUERY_PARAMETER } from './schemas.js';
import type { RouteOptions } from '../service-state.js';

/**
 * GET /autocomplete?q=&limit= — completions of what was typed so far: popular queries starting with it (most
 * searched first, from the cache), then catalog phrases starting with it (titles and attribute values, most
 * common first), without duplicates. With the cache down only catalog phrases come back.
 */

export const AUTOCOMPLETE_DEFAULT_LIMIT = 8;
export const AUTOCOMPLETE_MAX_LIMIT = 20;

const schema = {
  querystring: {
    type: 'object',
    required: ['q'],
    properties: { q: QUERY_PARAMETER, limit: limitParameter(AUTOCOMPLETE_DEFAULT_LIMIT, AUTOCOMPLETE_MAX_LIMIT) },
  },
  response: {
    200: {
      type: 'object',
      required: ['query', 'suggestions'],
      properties: {
        query: { type: 'string' },
        suggestions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['text', 'source'],
            properties: { text: { type: 'string' }, source: { type: 'string', enum: ['popular', 'catalog'] } },
          },
        },
      },
    },
    ...errorResponses,
  },
} as const;

export interface Suggestion {
  readonly text: string;
  readonly source: 'popular' | 'catalog';
}

export const autocompleteRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context }) => {
  app.get<{ Querystring: { q: string; limit: number } }>('/autocomplete', { schema }, async (request) => {
    const { phrases } = context.state.require();
    const { q, limit } = request.query;
    const prefix = normalizeQuery(q);
    const popular = (await context.popularity.popularQueries(context.cache.session(), { prefix, limit })) ?? [];
    const suggestions: Suggestion[] = [];
    const seen = new Set<string>();
    const add = (text: string, source: Suggestion['source']): void => {
      if (suggestions.length >= limit || seen.has(text)) return;
      seen.add(text);
      suggestions.push({ text, source });
    };
    for (const entry of popular) add(entry.query, 'popular');
    for (const phrase of phrases.complete(prefix, limit)) add(phrase, 'catalog');
    return { query: q, suggestions };
  });
};
