import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../service-state.js';

/**
 * GET /healthz — the process answers (liveness; never depends on the index or the cache, or a slow load would
 * get the pod killed). GET /readyz — 200 only once the index and the model are loaded (readiness). The cache is
 * reported but never makes the service unready: it is optional.
 */

const readySchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['loading', 'ready', 'failed'] },
    products: { type: 'integer' },
    modelId: { type: 'string' },
    error: { type: 'string' },
    cache: {
      type: 'object',
      properties: { kind: { type: 'string' }, available: { type: 'boolean' } },
    },
  },
} as const;

export const healthRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context }) => {
  app.get(
    '/healthz',
    { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } },
    async () => ({ status: 'ok' }),
  );

  app.get('/readyz', { schema: { response: { 200: readySchema, 503: readySchema } } }, async (_request, reply) => {
    const { state, cache } = context;
    const cacheState = { kind: cache.store.kind, available: cache.isAvailable() };
    const { service } = state;
    if (service) {
      return {
        status: 'ready',
        products: service.index.products.length,
        modelId: service.embedder.modelId,
        cache: cacheState,
      };
    }
    reply.code(503);
    return state.error
      ? { status: 'failed', error: state.error.message, cache: cacheState }
      : { status: 'loading', cache: cacheState };
  });
};
