import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApp, type SearchAppDeps } from '../../workloads/search/service/app.js';
import { MemoryCache } from '../../workloads/search/service/cache/memory-cache.js';
import type { SearchCache } from '../../workloads/search/service/cache/search-cache.js';
import type { Embedder } from '../../workloads/search/embedder/embedder.js';
import type { SearchIndex } from '../../workloads/search/index/serve/load-index.js';

export const silentLog = pino({ level: 'silent' });

export interface TestAppOptions {
  readonly index: SearchIndex | Promise<SearchIndex>;
  readonly embedder: Embedder | Promise<Embedder>;
  readonly cache?: SearchCache;
  readonly cacheTimeoutMs?: number;
  readonly cacheBreaker?: SearchAppDeps['cacheBreaker'];
}

/** buildApp with test defaults: the memory cache, a silent logger, its own metrics registry. */
export function testApp(options: TestAppOptions): FastifyInstance {
  return buildApp({
    config: { cacheTimeoutMs: options.cacheTimeoutMs ?? 50, embeddingTtlSeconds: 3600 },
    index: options.index,
    embedder: options.embedder,
    cache: options.cache ?? new MemoryCache(),
    log: silentLog,
    registry: new Registry(),
    ...(options.cacheBreaker ? { cacheBreaker: options.cacheBreaker } : {}),
  });
}

/** GET through inject, parsed. */
export async function get<T = Record<string, unknown>>(
  app: FastifyInstance,
  url: string,
): Promise<{ status: number; body: T; ms: number }> {
  const started = performance.now();
  const response = await app.inject({ method: 'GET', url });
  const ms = performance.now() - started;
  const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
  return { status: response.statusCode, body: (isJson ? response.json() : response.body) as T, ms };
}

export interface SearchBody {
  query: string;
  text: string;
  filters: Record<string, string[] | { gte?: number; lte?: number }>;
  exclude: Record<string, string[]>;
  results: Array<{ id: string; score: number; title: string; price?: number; [field: string]: unknown }>;
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
