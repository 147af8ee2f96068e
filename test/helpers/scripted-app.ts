import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { freePort } from './ports.js';

/**
 * A stand-in for the website behind the page cache, told by each URL what to answer, so every test asks for its
 * own URL and owns its cache entry:
 * - `cc=<value>` sends `Cache-Control: <value>`, `expires=<value>` an Expires header;
 * - `cookie=1` sets a cookie; `status=<code>` answers with that status;
 * - `accel=<seconds>` sends `X-Accel-Expires` (the page cache's own header, to expire a page within a test).
 * `hang()` makes it take every request and never answer; `fail(status)` makes it answer every request with an
 * error; `recover()` undoes both.
 */
export interface ScriptedApp {
  readonly port: number;
  /** How many requests for this URL (path and query) reached the app. */
  hits(url: string): number;
  /** How many requests for this URL the app held while hanging and the other side (nginx) gave up on. */
  abandoned(url: string): number;
  hang(): void;
  fail(status: number): void;
  recover(): void;
  close(): Promise<void>;
}

type Mode = { kind: 'normal' } | { kind: 'hang' } | { kind: 'fail'; status: number };

function answer(req: IncomingMessage, res: ServerResponse, count: number): void {
  const query = new URL(req.url ?? '/', 'http://app').searchParams;
  const cacheControl = query.get('cc');
  const expires = query.get('expires');
  const accel = query.get('accel');
  if (cacheControl !== null) res.setHeader('Cache-Control', cacheControl);
  if (expires !== null) res.setHeader('Expires', expires);
  if (accel !== null) res.setHeader('X-Accel-Expires', accel);
  if (query.get('cookie') === '1') res.setHeader('Set-Cookie', `visitor=v${count}; Path=/; HttpOnly`);
  res.statusCode = Number(query.get('status') ?? 200);
  res.end(`page ${req.url} #${count}`);
}

export async function startScriptedApp(): Promise<ScriptedApp> {
  const port = await freePort();
  const hits = new Map<string, number>();
  let mode: Mode = { kind: 'normal' };
  const abandoned = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const count = (hits.get(url) ?? 0) + 1;
    hits.set(url, count);
    if (mode.kind === 'hang') {
      res.once('close', () => abandoned.set(url, (abandoned.get(url) ?? 0) + 1));
      return;
    }
    if (mode.kind === 'fail') {
      res.statusCode = mode.status;
      res.end(`failing with ${mode.status}`);
      return;
    }
    answer(req, res, count);
  });
  // Longer than nginx keeps an idle upstream connection, so the app never closes one nginx is about to reuse.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    hits: (url) => hits.get(url) ?? 0,
    abandoned: (url) => abandoned.get(url) ?? 0,
    hang: () => void (mode = { kind: 'hang' }),
    fail: (status) => void (mode = { kind: 'fail', status }),
    recover: () => void (mode = { kind: 'normal' }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
