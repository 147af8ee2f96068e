import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApp, type SearchAppDeps } from '../../workloads/search/service/app.js';
import { MemoryCache } from '../../workloads/search/service/cache/memory-cache.js';
import type { SearchCache } from '../../workloads/search/service/cache/search-cache.js';
import type { Embedder } from '../../workloads/search/embedder/embedder.js';
import type { SearchIndex } from '../../workloads/search/index/serve/load-index.js';
import type { Blocklist } from '../../workloads/search/service/popular/blocklist.js';
import { COUNT_AT_ONCE } from './searched.js';

export const silentLog = pino({ level: 'silent' });

export interface TestAppOptions {
  readonly index: SearchIndex | Promise<SearchIndex>;
  readonly embedder: Embedder | Promise<Embedder>;
  /** @default a MemoryCache that counts a query as popular at its first search (COUNT_AT_ONCE) */
  readonly cache?: SearchCache;
  readonly cacheTimeoutMs?: number;
  readonly cacheBreaker?: SearchAppDeps['cacheBreaker'];
  /** @default 0: each search is counted at once, so the next request sees it */
  readonly popularFlushMs?: number;
  readonly blocklist?: Blocklist;
  /** The clock searches are counted with. @default Date.now */
  readonly now?: () => number;
}

/** buildApp with test defaults: the memory cache, a silent logger, its own metrics registry. */
export function testApp(options: TestAppOptions): FastifyInstance {
  return buildApp({
    config: {
      cacheTimeoutMs: options.cacheTimeoutMs ?? 50,
      embeddingTtlSeconds: 3600,
      popularFlushMs: options.popularFlushMs ?? 0,
    },
    index: options.index,
    embedder: options.embedder,
    cache: options.cache ?? new MemoryCache(COUNT_AT_ONCE),
    log: silentLog,
    registry: new Registry(),
    ...(options.cacheBreaker ? { cacheBreaker: options.cacheBreaker } : {}),
    ...(options.blocklist ? { blocklist: options.blocklist } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

/** GET through inject, parsed. */
export async function get<T = Record<string, unknown>>(
  app: FastifyInstance,
  url: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; body: T; ms: number }> {
  const started = performance.now();
  const response = await app.inject({ method: 'GET', url, headers });
  const ms = performance.now() - started;
  const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
  return { status: response.statusCode, body: (isJson ? response.json() : response.body) as T, ms };
}

export interface SearchBody {
  query: string;
  text: string;
  filters: Record<string, string[] | { gte?: number; lte?: number }>;
  exclude: Record<string, string[]>;
  corrections: Array<{ from: string; to: string }>;
  relaxed: string[];
  fallback?: 'popular';
  mode: string;
  sort: string;
  total: number;
  offset: number;
  limit: number;
  results: Array<{ id: string; score: number; title: string; price?: number; [field: string]: unknown }>;
  facets: Record<string, Array<{ value?: string; gte?: number; lt?: number; count: number }>>;
  cache: { embedding: 'hit' | 'miss' | 'off' };
  tookMs: number;
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** A deferred promise, to control when the index "finishes loading". */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface RawResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Writes `request` (bytes as they go on the wire, in one write) to a server on 127.0.0.1 and reads the response
 * until the server closes the connection: for requests that never get through Node's HTTP parser or that
 * `inject()` would normalise (raw bytes in the request line, a 20 KB URL). Send `Connection: close` when the
 * request is valid HTTP, so that the server closes after answering.
 */
export async function rawHttp(port: number, request: string | Buffer): Promise<RawResponse> {
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may reset the connection once it has answered a request it could not parse: what came is the answer.
    socket.on('error', (err) => (chunks.length > 0 ? resolve(Buffer.concat(chunks)) : reject(err)));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
  const text = bytes.toString('utf8');
  const headEnd = text.indexOf('\r\n\r\n');
  assert.ok(headEnd > 0, `an HTTP response, got ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(headEnd + 4) };
}
