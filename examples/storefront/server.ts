/**
 * EXAMPLE STOREFRONT — not part of roleplane. The website is the user's own image; this stands in for it so the
 * request path CDN → nginx page cache → website → search is complete when the synthesized stack runs locally
 * (tools/stack). It has no dependencies beyond Node.js, so its image is the Node base plus this one file.
 *
 * Pages: `/` (a search form), `/search?q=` (results from the search service's `/search`), `/products/<id>` (related
 * products from `/products/<id>/related`), `/static/site.css` (an asset), `/healthz` (the probe; never asks search,
 * so a search outage does not take the website out of its Service).
 *
 * The contract roleplane's web chart gives the app, as environment variables:
 *   PORT             where to listen (the chart's `web.appPort`)
 *   SEARCH_URL       the search Service, e.g. http://search.search.svc (the chart sets it per environment)
 *   ROLEPLANE_ENV    dev | staging | prod
 *   ROLEPLANE_DEBUG  true in dev: error pages carry the failure's detail and every page a debug footer
 * SEARCH_TIMEOUT_MS (default 2000) bounds a call to search: a page that needs a hung search fails fast with a clear
 * 503, and nginx's page cache serves its stored copy instead where it has one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Settings {
  port: number;
  searchUrl: string;
  environment: string;
  debug: boolean;
  searchTimeoutMs: number;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got "${raw}")`);
    return value;
  };
  const debug = env.ROLEPLANE_DEBUG ?? 'false';
  if (debug !== 'true' && debug !== 'false') throw new Error(`ROLEPLANE_DEBUG must be true or false (got "${debug}")`);
  const searchUrl = env.SEARCH_URL ?? 'http://search.search.svc';
  try {
    new URL(searchUrl);
  } catch {
    throw new Error(`SEARCH_URL must be an absolute URL (got "${searchUrl}")`);
  }
  return {
    port: number('PORT', 3000),
    searchUrl: searchUrl.replace(/\/+$/, ''),
    environment: env.ROLEPLANE_ENV ?? 'prod',
    debug: debug === 'true',
    searchTimeoutMs: number('SEARCH_TIMEOUT_MS', 2000),
  };
}

/** One JSON object per line on stdout, as the rest of the stack logs. */
function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Hit {
  id: string;
  title?: string;
  price?: number;
}

class SearchUnavailable extends Error {}

async function askSearch(settings: Settings, path: string): Promise<{ results: Hit[] }> {
  const url = `${settings.searchUrl}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(settings.searchTimeoutMs) });
  } catch (error) {
    throw new SearchUnavailable(`search did not answer ${url}: ${(error as Error).message}`);
  }
  if (response.status === 404) return { results: [] };
  if (!response.ok) throw new SearchUnavailable(`search answered ${response.status} to ${url}`);
  const body = (await response.json()) as { results?: Hit[] };
  return { results: Array.isArray(body.results) ? body.results : [] };
}

const STYLE = 'body{font-family:sans-serif;max-width:48rem;margin:2rem auto}li{margin:.3rem 0}.debug{color:#555}';

function page(settings: Settings, title: string, body: string, started: number): string {
  const footer = settings.debug
    ? `<footer class="debug">debug: env=${escapeHtml(settings.environment)} search=${escapeHtml(settings.searchUrl)} rendered in ${Date.now() - started} ms</footer>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/site.css"></head><body>
<p><em>Example storefront (roleplane tools/stack) — not a real shop.</em></p>
<form action="/search"><input name="q" aria-label="search"><button>Search</button></form>
<h1>${escapeHtml(title)}</h1>${body}${footer}</body></html>`;
}

function list(hits: Hit[]): string {
  if (hits.length === 0) return '<p>Nothing found.</p>';
  const items = hits.map(
    (h) =>
      `<li><a href="/products/${encodeURIComponent(h.id)}">${escapeHtml(h.title ?? h.id)}</a>${h.price === undefined ? '' : ` — $${h.price}`}</li>`,
  );
  return `<ul>${items.join('')}</ul>`;
}

function send(res: ServerResponse, status: number, type: string, body: string, cacheControl?: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  if (cacheControl) res.setHeader('Cache-Control', cacheControl);
  res.end(body);
}

async function handle(settings: Settings, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const url = new URL(req.url ?? '/', 'http://storefront.local');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain', 'method not allowed\n');
    return;
  }
  try {
    if (url.pathname === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
    if (url.pathname === '/static/site.css') return send(res, 200, 'text/css', STYLE);
    if (url.pathname === '/') return send(res, 200, 'text/html', page(settings, 'Shop', '', started));
    if (url.pathname === '/search') {
      const q = url.searchParams.get('q') ?? '';
      if (q.trim() === '')
        return send(res, 200, 'text/html', page(settings, 'Search', '<p>Type a query.</p>', started));
      const { results } = await askSearch(settings, `/search?q=${encodeURIComponent(q)}&limit=10`);
      return send(res, 200, 'text/html', page(settings, `Results for “${q}”`, list(results), started));
    }
    const product = /^\/products\/([^/]+)$/.exec(url.pathname);
    if (product?.[1]) {
      const id = decodeURIComponent(product[1]);
      const { results } = await askSearch(settings, `/products/${encodeURIComponent(id)}/related?limit=5`);
      const body = `<p>Product ${escapeHtml(id)}</p><h2>Related products</h2>${list(results)}`;
      return send(res, 200, 'text/html', page(settings, `Product ${id}`, body, started));
    }
    send(res, 404, 'text/html', page(settings, 'Not found', '<p>No such page.</p>', started));
  } catch (error) {
    const unavailable = error instanceof SearchUnavailable;
    log(unavailable ? 'warn' : 'error', 'page failed', { path: url.pathname, err: (error as Error).message });
    const detail = settings.debug ? `<pre>${escapeHtml((error as Error).stack ?? String(error))}</pre>` : '';
    const status = unavailable ? 503 : 500;
    const message = unavailable ? 'Search is unavailable right now; please try again shortly.' : 'Something broke.';
    // Retry-After tells a CDN and a browser this is brief; nginx serves its stored copy of the page instead.
    res.setHeader('Retry-After', '10');
    send(res, status, 'text/html', page(settings, 'Unavailable', `<p>${message}</p>${detail}`, started));
  }
}

function main(): void {
  let settings: Settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    log('error', (error as Error).message);
    process.exit(2);
  }
  const server = createServer((req, res) => {
    handle(settings, req, res).catch((error: unknown) => {
      log('error', 'unhandled', { err: String(error) });
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
    });
  });
  server.listen(settings.port, '0.0.0.0', () =>
    log('info', 'storefront listening', { port: settings.port, search: settings.searchUrl, env: settings.environment }),
  );
  const stop = (signal: string): void => {
    log('info', 'shutting down', { signal });
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
