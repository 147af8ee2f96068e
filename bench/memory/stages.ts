/**
 * The breakdown child of `npm run bench:memory`: loads what `roleplane search serve` loads, one part at a time, and
 * prints one JSON line per part with the process's memory after a full garbage collection. Run as
 *
 *   node --expose-gc --import tsx bench/memory/stages.ts <index dir> <model dir> <memory|page-cache>
 *
 * (tsx as the service runs it: bin/roleplane.js registers the same loader). The parts are the service's own code
 * paths (load-index.ts's steps, buildApp), so a part's cost is what the service pays for it.
 */
import { join } from 'node:path';
import { procMemory } from './proc-memory.js';

const [indexDir, modelDir, residence] = process.argv.slice(2) as [string, string, 'memory' | 'page-cache'];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !indexDir || !modelDir || !residence) {
  process.stderr.write('usage: node --expose-gc --import tsx bench/memory/stages.ts <index> <model> <residence>\n');
  process.exit(2);
}

function mark(part: string): void {
  gc?.();
  gc?.();
  const memory = procMemory();
  const { heapUsed, heapTotal, external } = process.memoryUsage();
  const MiB = 1024 * 1024;
  process.stdout.write(
    `${JSON.stringify({ part, ...memory, heapUsed: heapUsed / MiB, heapTotal: heapTotal / MiB, external: external / MiB })}\n`,
  );
}

mark('node + tsx loader');

const { default: Fastify } = await import('fastify');
const { pino } = await import('pino');
const { collectDefaultMetrics, Registry } = await import('prom-client');
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const log = pino({ level: 'warn' });
await import('../../workloads/search/service/app.js');
Fastify({ loggerInstance: log });
mark('http: fastify, pino, prom-client, the service code');

const { loadUsearchNative } = await import('../../workloads/search/index/serve/ann/usearch-native.js');
loadUsearchNative();
mark('usearch native binary');

await import('@xenova/transformers');
mark('@xenova/transformers: onnxruntime-node, sharp (libvips)');

const { loadLocalEmbedder } = await import('../../workloads/search/embedder/local-model.js');
const embedder = await loadLocalEmbedder(modelDir);
await embedder.embed(['red running shoes under $50', 'a navy wool sweater for cold winter mornings']);
mark('model loaded (onnxruntime session)');

const { readProducts } = await import('../../workloads/search/index/format/products.js');
const { INDEX_FILES } = await import('../../workloads/search/index/format/files.js');
const products = [];
for await (const { product } of readProducts(join(indexDir, INDEX_FILES.products))) products.push(product);
const rowById = new Map(products.map((p, row) => [p.id, row]));
mark(`products: ${products.length} parsed (V8 heap)`);

const { readNpy, readNpyHeader } = await import('../../workloads/search/index/format/npy.js');
const { PageCacheRows } = await import('../../workloads/search/index/serve/vector-index.js');
const embeddingsPath = join(indexDir, INDEX_FILES.embeddings);
const header = await readNpyHeader(embeddingsPath);
const [rows, dimensions] = header.shape;
const data =
  residence === 'memory'
    ? (await readNpy(embeddingsPath)).data
    : PageCacheRows.open(embeddingsPath, header.dataOffset, rows, dimensions);
mark(`embeddings: ${rows} × ${dimensions} float32 in ${residence}`);

const { readManifest } = await import('../../workloads/search/index/format/manifest.js');
const { openVectorIndex } = await import('../../workloads/search/index/serve/open-vector-index.js');
const manifest = await readManifest(indexDir);
const opened = await openVectorIndex({ dir: indexDir, manifest, data, dimensions, mode: 'hnsw' });
for (let row = 0; row < Math.min(rows, 2000); row += 1) opened.index.search(opened.index.vector((row * 31) % rows), 10);
mark(`vector graph (${opened.source}), after 2000 searches`);

const { loadRules } = await import('../../workloads/search/query/rules.js');
const { ProductFilterIndex } = await import('../../workloads/search/index/serve/product-filter-index.js');
const { buildApp } = await import('../../workloads/search/service/app.js');
const { openLexicalIndex } = await import('../../workloads/search/index/serve/open-lexical-index.js');
const { FacetIndex } = await import('../../workloads/search/index/serve/facet-index.js');
const { popularityOrder } = await import('../../workloads/search/index/serve/load-index.js');
const { spellerFor } = await import('../../workloads/search/query/rules-speller.js');
const { DEFAULT_PRICE_BANDS } = await import('../../workloads/search/query/rules.js');
const { MemoryCache } = await import('../../workloads/search/service/cache/memory-cache.js');
// The index as loadSearchIndex assembles it, from the parts above.
const rules = loadRules(join(indexDir, INDEX_FILES.rules));
const { index: vectors, ...vectorSource } = opened;
const { index: lexical, ...lexicalSource } = await openLexicalIndex({ dir: indexDir, manifest, products });
const index = {
  dir: indexDir,
  manifest,
  products,
  rowById,
  vectors,
  vectorSource,
  filters: new ProductFilterIndex(products, Object.keys(rules.rules.fields), rules.price?.field),
  rules,
  lexical,
  lexicalSource,
  speller: spellerFor(rules, lexical.words),
  facets: new FacetIndex(
    products,
    rules.rules.facets ?? Object.keys(rules.rules.fields),
    rules.price?.field,
    rules.rules.price?.bands ?? DEFAULT_PRICE_BANDS,
  ),
  popularRows: popularityOrder(products, rules.rules.popularity),
  embeddingsIn: residence,
  close: () => (data instanceof PageCacheRows ? data.close() : undefined),
};
const app = buildApp({
  config: { cacheTimeoutMs: 50, embeddingTtlSeconds: 3600 },
  index,
  embedder,
  cache: new MemoryCache({ halfLifeMs: 3_600_000, maxEntries: 10_000 }),
  log,
  registry,
});
await app.ready();
await new Promise((resolve) => setTimeout(resolve, 200));
const words = ['red', 'navy', 'wool', 'leather', 'running', 'shoes', 'sweater', 'boots', 'jacket', 'cotton'];
for (let i = 0; i < 300; i += 1) {
  const q = `${words[i % 10]} ${words[(i * 7 + 3) % 10]} ${words[(i * 3 + 1) % 10]}`;
  const response = await app.inject(`/search?q=${encodeURIComponent(q)}&limit=10`);
  if (response.statusCode !== 200) throw new Error(`GET /search?q=${q}: ${response.statusCode} ${response.body}`);
}
mark('app: filter index, catalog phrases, routes; 300 searches');
await app.close();
index.close();
await embedder.close?.();
