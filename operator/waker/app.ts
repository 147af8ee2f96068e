/**
 * The waker's HTTP app (never listens; `main.ts` does): every path and method of every host it is the default
 * backend of. A page view of a mapped host may wake its namespace, within the rate limits; every request gets the
 * self-refreshing page (503 with Retry-After, never cached) or, for a host it does not know, a plain 404 page.
 */
import fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { type PageContent, REFRESH_SECONDS, renderPage } from './page.js';
import { pageViewVerdict } from './page-view.js';
import { PerKeyInterval, TokenBucket } from './rate-limit.js';
import { type WakeOutcome, type WakerKube, wakeNamespace } from './wake-namespace.js';

export interface WakerAppOptions {
  /** Lower-case host → namespace. */
  readonly hosts: ReadonlyMap<string, string>;
  readonly awakeForMs: number;
  readonly perNamespaceMs: number;
  readonly burst: number;
  readonly perMinute: number;
}

export interface WakerAppDeps {
  readonly kube: WakerKube;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  readonly options: WakerAppOptions;
}

/** What a request came to: the outcome of a wake attempt, or why none was made. */
type Answer =
  | WakeOutcome
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'limited' }
  | { readonly kind: 'unknown-host' };

const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function contentOf(answer: Answer, host: string, namespace: string | undefined): PageContent {
  const reload = `This page reloads itself every ${REFRESH_SECONDS} seconds and shows the site as soon as it is ready.`;
  switch (answer.kind) {
    case 'unknown-host':
      return { title: 'No site here', lines: [`Nothing is configured for ${host}.`], refresh: false };
    case 'ignored':
      return {
        title: `${host} is asleep or starting`,
        lines: ['Open it in a browser to wake it up.', reload],
        refresh: true,
      };
    case 'woken':
      return {
        title: `Waking up ${host}`,
        lines: [
          `It was asleep outside its working hours and is starting now; that takes a minute or two.`,
          `It stays awake until ${utc(answer.until)}.`,
          reload,
        ],
        refresh: true,
      };
    case 'waking':
    case 'limited':
      return {
        title: `Waking up ${host}`,
        lines: [
          'It is starting; that takes a minute or two.',
          ...(answer.kind === 'waking' && answer.until ? [`It stays awake until ${utc(answer.until)}.`] : []),
          reload,
        ],
        refresh: true,
      };
    case 'held-asleep':
      return {
        title: `${host} is asleep on purpose`,
        lines: [
          `Someone put it to sleep until ${utc(answer.until)} (roleplane sleep), so a visit does not wake it.`,
          `To wake it anyway: roleplane wake ${namespace ?? ''}`,
        ],
        refresh: true,
      };
    case 'not-managed':
      return {
        title: `${host} is not available`,
        lines: [`Its pods are not ready, and there is nothing to wake: ${answer.why}.`, reload],
        refresh: true,
      };
    case 'failed':
      return {
        title: `Waking up ${host}`,
        lines: ['The wake-up did not go through yet; it is tried again shortly.', reload],
        refresh: true,
      };
  }
}

export function buildWakerApp(deps: WakerAppDeps): FastifyInstance {
  const { kube, clock, log, options } = deps;
  const requests = new Counter({
    name: 'roleplane_waker_requests_total',
    help: 'Requests the waker answered, by what came of them (woken = awake-until set)',
    labelNames: ['outcome'],
    registers: [deps.registry],
  });
  const bucket = new TokenBucket(options.burst, options.perMinute, clock.now().getTime());
  const recent = new PerKeyInterval<WakeOutcome>(options.perNamespaceMs);

  // The request body is never read: a POST to a sleeping site gets the page like anything else.
  const app = fastify({ logger: false, bodyLimit: 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const host = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      const namespace = options.hosts.get(host);
      let answer: Answer;
      if (namespace === undefined) {
        answer = { kind: 'unknown-host' };
      } else {
        const verdict = pageViewVerdict({ method: request.method, headers: request.headers });
        if (!verdict.isPageView) {
          answer = { kind: 'ignored', why: verdict.why };
        } else {
          const now = clock.now();
          let attempt = recent.recent(namespace, now.getTime());
          let isShared = attempt !== undefined;
          if (!attempt && bucket.take(now.getTime())) {
            attempt = wakeNamespace(kube, namespace, now, options.awakeForMs).catch((err: unknown): WakeOutcome => ({
              kind: 'failed',
              why: err instanceof Error ? err.message : String(err),
            }));
            recent.record(namespace, now.getTime(), attempt);
            isShared = false;
          }
          const outcome = attempt ? await attempt : undefined;
          // Only the attempt that set the annotation counts as the wake; later views within the interval see it starting.
          answer = !outcome
            ? { kind: 'limited' }
            : isShared && outcome.kind === 'woken'
              ? { kind: 'waking', until: outcome.until }
              : outcome;
          if (!isShared && outcome) {
            const fields = {
              namespace,
              host,
              outcome: outcome.kind,
              ...('why' in outcome ? { why: outcome.why } : {}),
            };
            if (outcome.kind === 'woken') log.info({ ...fields, until: outcome.until.toISOString() }, 'woke namespace');
            else if (outcome.kind === 'failed') log.warn(fields, 'wake failed');
            else log.debug(fields, 'no wake needed');
          }
        }
      }
      requests.inc({ outcome: answer.kind });
      const body = renderPage(contentOf(answer, host, namespace));
      return reply
        .code(answer.kind === 'unknown-host' ? 404 : 503)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('retry-after', String(REFRESH_SECONDS))
        .send(request.method === 'HEAD' ? '' : body);
    },
  });
  return app;
}
