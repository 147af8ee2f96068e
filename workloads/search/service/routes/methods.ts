import type { FastifyPluginAsync } from 'fastify';
import { ALLOW_HEADER, ALLOWED_METHODS, errorBody } from '../http-errors.js';

/**
 * OPTIONS and 405 for every GET route (HTTP's semantics; fastify only adds HEAD): OPTIONS answers 204 with
 * `Allow: GET, HEAD, OPTIONS`; every other method fastify routes (POST, PUT, DELETE, PATCH, TRACE) answers 405
 * with the same `Allow` and the JSON error. The 405 is sent from onRequest, before any body is read, so a POST
 * with a broken or huge body still learns that the method is wrong. Registered last, with the paths app.ts
 * collected from the other plugins' GET routes. A method no route has (PROPFIND, …) reaches the not-found
 * handler, which answers 501.
 */
export const methodRoutes: FastifyPluginAsync<{ paths: readonly string[] }> = async (app, { paths }) => {
  const refused = app.supportedMethods.filter((method) => !(ALLOWED_METHODS as readonly string[]).includes(method));
  for (const url of paths) {
    app.options(url, async (_request, reply) => reply.code(204).header('allow', ALLOW_HEADER).send());
    app.route({
      method: refused,
      url,
      onRequest: async (request, reply) =>
        reply
          .code(405)
          .header('allow', ALLOW_HEADER)
          .send(
            errorBody(
              405,
              `${request.method} ${request.url.split('?')[0] ?? ''}: method not allowed (allowed: ${ALLOW_HEADER})`,
            ),
          ),
      // Never reached: onRequest has answered.
      handler: async () => undefined,
    });
  }
};
