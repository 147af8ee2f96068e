import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadLocalEmbedder } from '../../workloads/search/embedder/local-model.js';
import { TINY_MODEL_DIR } from '../../workloads/search/embedder/tiny-model.js';
import type { Embedder } from '../../workloads/search/embedder/embedder.js';
import { buildIndex } from '../../workloads/search/index/build/build-index.js';
import type { Product } from '../../workloads/search/index/format/products.js';
import { loadSearchIndex, type SearchIndex } from '../../workloads/search/index/serve/load-index.js';
import { buildApp } from '../../workloads/search/service/app.js';
import { MemoryCache } from '../../workloads/search/service/cache/memory-cache.js';
import type { SearchMode } from '../../workloads/search/service/results/search-results.js';
import { FURNITURE_CATALOG, FURNITURE_RULES, gradeOf, ndcgAt, type JudgedQuery } from './judged-set.js';

/**
 * The furniture catalog indexed with the built-in tiny model (`search index`, as a user would) and served by
 * `buildApp`, then every judged query asked through `/search` in each mode: nDCG@10 and the zero-result rate.
 */

export interface FurnitureService {
  readonly app: FastifyInstance;
  readonly index: SearchIndex;
  readonly embedder: Embedder;
  close(): Promise<void>;
}

export async function furnitureService(dir: string): Promise<FurnitureService> {
  const embedder = await loadLocalEmbedder(TINY_MODEL_DIR);
  const indexDir = join(dir, 'index');
  await buildIndex({ catalogPath: FURNITURE_CATALOG, rulesPath: FURNITURE_RULES, outDir: indexDir, embedder });
  const index = await loadSearchIndex(indexDir);
  const app = buildApp({
    config: { cacheTimeoutMs: 50, embeddingTtlSeconds: 3600 },
    index,
    embedder,
    cache: new MemoryCache(),
    log: pino({ level: 'silent' }),
    registry: new Registry(),
  });
  await app.ready();
  return {
    app,
    index,
    embedder,
    close: async () => {
      await app.close();
      index.close();
      await embedder.close?.();
    },
  };
}

export interface QueryOutcome {
  readonly q: string;
  readonly kind: string;
  readonly ndcg: number | undefined;
  readonly results: number;
  readonly top: readonly string[];
  readonly relaxed: readonly string[];
}

export interface ModeOutcome {
  readonly mode: SearchMode;
  /** Mean nDCG@10 over the queries some product is relevant to. */
  readonly ndcg: number;
  /** Share of all queries answered with no result. */
  readonly zeroResultRate: number;
  readonly queries: readonly QueryOutcome[];
}

export const RELEVANCE_K = 10;

export async function evaluateMode(
  service: FurnitureService,
  queries: readonly JudgedQuery[],
  mode: SearchMode,
): Promise<ModeOutcome> {
  const products = service.index.products;
  const byId = new Map(products.map((p) => [p.id, p]));
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    const response = await service.app.inject(
      `/search?q=${encodeURIComponent(query.q)}&mode=${mode}&limit=${RELEVANCE_K}`,
    );
    if (response.statusCode !== 200)
      throw new Error(`/search?q=${query.q}&mode=${mode}: ${response.statusCode} ${response.body}`);
    const body = response.json<{ results: Array<{ id: string }>; relaxed: string[] }>();
    const ranked = body.results.map((r) => byId.get(r.id) as Product);
    outcomes.push({
      q: query.q,
      kind: query.kind,
      ndcg: ndcgAt(RELEVANCE_K, query, ranked, products),
      results: ranked.length,
      top: ranked.slice(0, 3).map((p) => `${p.id} ${p.title} (${gradeOf(query, p)})`),
      relaxed: body.relaxed,
    });
  }
  const judged = outcomes.filter((o) => o.ndcg !== undefined);
  return {
    mode,
    ndcg: judged.reduce((sum, o) => sum + (o.ndcg as number), 0) / Math.max(1, judged.length),
    zeroResultRate: outcomes.filter((o) => o.results === 0).length / Math.max(1, outcomes.length),
    queries: outcomes,
  };
}
