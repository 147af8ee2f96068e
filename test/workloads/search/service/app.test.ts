import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { MemoryCache } from '../../../../workloads/search/service/cache/memory-cache.js';
import { type PopularQuery, type SearchCache } from '../../../../workloads/search/service/cache/search-cache.js';
import { normalizeQuery } from '../../../../workloads/search/query/normalize.js';
import { loadSearchIndex, type SearchIndex } from '../../../../workloads/search/index/serve/load-index.js';
import { type Product } from '../../../../workloads/search/index/format/products.js';
import { HashEmbedder, hashVector } from '../../../helpers/hash-embedder.js';
import { deferred, type ErrorBody, get, type SearchBody, testApp } from '../../../helpers/search-app.js';
import { waitUntil } from '../../../helpers/wait.js';
import { type FixtureIndex, generateProducts, writeFixtureIndex } from '../../../helpers/fixture-index.js';

const DIMENSIONS = 64;

/** The filter semantics, written independently of ProductFilterIndex: what "every result passes" means. */
function passes(product: Product, body: Pick<SearchBody, 'filters' | 'exclude'>): boolean {
  const has = (field: string, values: readonly string[]): boolean => {
    const own = ([] as unknown[]).concat(product[field] ?? []).map((v) => normalizeQuery(String(v)));
    return values.some((value) => own.includes(normalizeQuery(value)));
  };
  for (const [field, spec] of Object.entries(body.filters)) {
    if (Array.isArray(spec)) {
      if (!has(field, spec)) return false;
    } else {
      const price = product[field];
      if (typeof price !== 'number') return false;
      if (spec.gte !== undefined && price < spec.gte) return false;
      if (spec.lte !== undefined && price > spec.lte) return false;
    }
  }
  return Object.entries(body.exclude).every(([field, values]) => !has(field, values));
}

/** Brute force: score every passing product against `text`'s vector, best first. */
function expectedTop(fixture: FixtureIndex, body: SearchBody, limit: number): Array<{ id: string; score: number }> {
  const query = hashVector(body.text !== '' ? body.text : normalizeQuery(body.query), DIMENSIONS);
  return fixture.products
    .map((product, row) => ({ product, row }))
    .filter(({ product }) => passes(product, body))
    .map(({ product, row }) => {
      let score = 0;
      for (let i = 0; i < DIMENSIONS; i += 1)
        score += (fixture.vectors[row * DIMENSIONS + i] as number) * (query[i] as number);
      return { id: product.id, score, row };
    })
    .sort((a, b) => b.score - a.score || a.row - b.row)
    .slice(0, limit);
}

/**
 * Same scores in the same order, and the same products wherever the score is not tied with the last one kept
 * (at the boundary, which of several equal products makes the cut depends on float rounding order).
 */
function assertExactTop(results: SearchBody['results'], expected: Array<{ id: string; score: number }>): void {
  assert.equal(results.length, expected.length, 'number of results');
  results.forEach((result, i) =>
    assert.ok(Math.abs(result.score - (expected[i]?.score ?? Number.NaN)) < 2e-6, `score #${i}`),
  );
  const boundary = expected[expected.length - 1]?.score ?? 0;
  const clear = (list: Array<{ id: string; score: number }>): string[] =>
    list
      .filter((r) => r.score > boundary + 1e-5)
      .map((r) => r.id)
      .sort();
  assert.deepEqual(clear(results), clear(expected));
}

/** Queries whose filters the fixture's rules extract, with what /search must report for them. */
const filtered: Array<[string, Partial<SearchBody>]> = [
  ['red leather boots', { text: '', filters: { color: ['red'], material: ['leather'], category: ['boots'] } }],
  [
    'navy or blue sneakers under $100',
    { filters: { color: ['navy', 'blue'], category: ['sneakers'], price: { lte: 100 } } },
  ],
  ['rugged boots without black', { text: 'rugged', filters: { category: ['boots'] }, exclude: { color: ['black'] } }],
  ['mug between 20 and 40 dollars', { filters: { category: ['mug'], price: { gte: 20, lte: 40 } } }],
  ['cozy -red hoodie', { text: 'cozy', filters: { category: ['hoodie'] }, exclude: { color: ['red'] } }],
  ['café bleu suede', { filters: { brand: ['Café Bleu'], material: ['suede'] } }],
  ['vintage jeans over 250', { filters: { category: ['jeans'], price: { gte: 250 } } }],
];

describe('search service (buildApp + inject)', () => {
  let fixture: FixtureIndex;
  let index: SearchIndex;
  let embedder: HashEmbedder;
  let app: FastifyInstance;

  before(async () => {
    embedder = new HashEmbedder(DIMENSIONS);
    fixture = await writeFixtureIndex(embedder, generateProducts(2000));
    index = await loadSearchIndex(fixture.dir);
  });
  after(async () => {
    await rm(fixture.dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    embedder = new HashEmbedder(DIMENSIONS);
    app = testApp({ index, embedder });
  });
  afterEach(async () => {
    await app.close();
  });

  describe('GET /search', () => {
    it('returns the nearest products, sorted by score, 10 by default (mode=vector)', async () => {
      const { status, body } = await get<SearchBody>(app, '/search?q=rugged%20hiking%20gear&mode=vector');
      assert.equal(status, 200);
      assert.equal(body.query, 'rugged hiking gear');
      assert.equal(body.text, 'rugged hiking gear');
      assert.deepEqual(body.filters, {});
      assert.deepEqual(body.exclude, {});
      assert.equal(body.results.length, 10);
      assertExactTop(body.results, expectedTop(fixture, body, 10));
      assert.equal(typeof body.tookMs, 'number');
    });

    it('returns the product fields with id and score', async () => {
      const { body } = await get<SearchBody>(app, '/search?q=mug&limit=1');
      const [first] = body.results;
      assert.ok(first);
      const product = fixture.products.find((p) => p.id === first.id);
      assert.deepEqual({ ...first, score: undefined }, { ...product, score: undefined });
    });

    for (const [query, expected] of filtered) {
      it(`honours every filter and exclusion exactly: "${query}"`, async () => {
        const { status, body } = await get<SearchBody>(
          app,
          `/search?q=${encodeURIComponent(query)}&limit=25&mode=vector`,
        );
        assert.equal(status, 200);
        for (const [key, value] of Object.entries(expected))
          assert.deepEqual(body[key as keyof SearchBody], value, key);
        assert.ok(body.results.length > 0, 'the fixture has matching products');
        for (const result of body.results) {
          const product = fixture.products.find((p) => p.id === result.id);
          assert.ok(
            product && passes(product, body),
            `${result.id} (${result.title}) passes ${JSON.stringify(body.filters)} / ${JSON.stringify(body.exclude)}`,
          );
        }
        // Exact: the best 25 among all passing products, not "whatever passed among the best N".
        assertExactTop(body.results, expectedTop(fixture, body, 25));
      });
    }

    it('ranks a filters-only query by similarity to the whole query, over everything that passes (mode=vector)', async () => {
      const { body } = await get<SearchBody>(app, '/search?q=red%20boots&limit=100&mode=vector');
      assert.equal(body.text, '');
      const passing = fixture.products.filter((p) => passes(p, body));
      assert.equal(body.results.length, Math.min(100, passing.length));
      assertExactTop(body.results, expectedTop(fixture, body, 100));
    });

    it('drops an impossible price rather than answer nothing, and says so', async () => {
      const { status, body } = await get<SearchBody>(app, '/search?q=boots%20over%20200%20under%2010');
      assert.equal(status, 200);
      assert.deepEqual(body.relaxed, ['price']);
      assert.deepEqual(body.filters, { category: ['boots'], price: { gte: 200, lte: 10 } });
      assert.ok(body.results.length > 0);
      assert.ok(body.results.every((r) => r.category === 'boots'));
    });

    it('answers nothing, without consulting the embedding cache, when no product passes even without filters', async () => {
      const { status, body } = await get<SearchBody>(app, '/search?q=qqqqq%20xyzzy&mode=lexical');
      assert.equal(status, 200);
      assert.deepEqual(body.results, []);
      assert.equal(body.total, 0);
      assert.equal(body.cache.embedding, 'off');
    });

    it('honours limit', async () => {
      const { body } = await get<SearchBody>(app, '/search?q=boots&limit=3');
      assert.equal(body.results.length, 3);
      const { body: many } = await get<SearchBody>(app, '/search?q=wool&limit=100');
      assert.equal(many.results.length, 100);
    });

    it('embeds a query once: a miss, then hits from the cache', async () => {
      const first = await get<SearchBody>(app, '/search?q=vintage%20wool%20coat');
      assert.equal(first.body.cache.embedding, 'miss');
      const calls = embedder.calls;
      const second = await get<SearchBody>(app, '/search?q=Vintage%20%20WOOL%20coat');
      assert.equal(second.body.cache.embedding, 'hit');
      assert.equal(embedder.calls, calls, 'no model call on a hit');
      assert.deepEqual(second.body.results, first.body.results);
    });

    it('embeds concurrent identical queries once', async () => {
      const slow = new HashEmbedder(DIMENSIONS, 30);
      const slowApp = testApp({ index, embedder: slow });
      try {
        const responses = await Promise.all(
          Array.from({ length: 5 }, () => get<SearchBody>(slowApp, '/search?q=slim%20linen%20shirt')),
        );
        assert.ok(responses.every((r) => r.status === 200));
        assert.equal(slow.textsEmbedded, 1);
      } finally {
        await slowApp.close();
      }
    });
  });

  describe('input validation', () => {
    const bad: Array<[string, RegExp]> = [
      ['/search', /^q: is required$/],
      ['/search?q=', /^q: must not be empty$/],
      ['/search?q=%20%20%20', /^q: must not be empty$/],
      [`/search?q=${'a'.repeat(513)}`, /^q: must be at most 512 characters \(got 513\)$/],
      ['/search?q=boots&limit=0', /^limit: must be at least 1 \(got 0\)$/],
      ['/search?q=boots&limit=101', /^limit: must be at most 100 \(got 101\)$/],
      ['/search?q=boots&limit=ten', /^limit: must be an integer \(got "ten"\)$/],
      ['/search?q=boots&limit=2.5', /^limit: must be an integer \(got "2.5"\)$/],
      ['/autocomplete', /^q: is required$/],
      ['/autocomplete?q=b&limit=21', /^limit: must be at most 20/],
      ['/related-searches?q=', /^q: must not be empty$/],
      ['/products/p00001/related?limit=-1', /^limit: must be at least 1/],
    ];
    for (const [url, message] of bad) {
      it(`answers 400 naming the parameter: ${url.slice(0, 60)}`, async () => {
        const { status, body } = await get<ErrorBody>(app, url);
        assert.equal(status, 400);
        assert.equal(body.error, 'Bad Request');
        assert.match(body.message, message);
      });
    }

    it('accepts a query of exactly 512 characters', async () => {
      const { status } = await get(app, `/search?q=${'a'.repeat(512)}`);
      assert.equal(status, 200);
    });

    it('answers 404 for an unknown route', async () => {
      const { status, body } = await get<ErrorBody>(app, '/nope');
      assert.equal(status, 404);
      assert.match(body.message, /no route GET \/nope/);
    });
  });

  describe('GET /products/:id/related', () => {
    it('returns the nearest other products, best first', async () => {
      const id = fixture.products[42]?.id ?? '';
      const { status, body } = await get<{ id: string; results: SearchBody['results'] }>(
        app,
        `/products/${id}/related?limit=5`,
      );
      assert.equal(status, 200);
      assert.equal(body.id, id);
      assert.equal(body.results.length, 5);
      assert.ok(
        body.results.every((r) => r.id !== id),
        'not itself',
      );
      const scores = body.results.map((r) => r.score);
      assert.deepEqual(
        scores,
        [...scores].sort((a, b) => b - a),
      );
    });

    it('answers 404 for an unknown product', async () => {
      const { status, body } = await get<ErrorBody>(app, '/products/nope/related');
      assert.equal(status, 404);
      assert.equal(body.message, 'product "nope" not found');
    });
  });

  describe('GET /related-searches', () => {
    it('returns popular queries close to q, not q itself', async () => {
      for (const q of ['red leather boots', 'black leather boots', 'leather boots', 'coffee mug', 'tan suede boots']) {
        await get(app, `/search?q=${encodeURIComponent(q)}`);
      }
      const { status, body } = await get<{ query: string; searches: Array<{ query: string; score: number }> }>(
        app,
        '/related-searches?q=Leather%20Boots',
      );
      assert.equal(status, 200);
      assert.equal(body.query, 'Leather Boots');
      const queries = body.searches.map((s) => s.query);
      assert.ok(queries.includes('red leather boots') && queries.includes('black leather boots'), queries.join(', '));
      assert.ok(!queries.includes('leather boots'), 'not the query itself');
      assert.ok(!queries.includes('coffee mug'), 'nothing in common');
      assert.equal(queries[queries.length - 1], 'tan suede boots', 'least similar last');
    });

    it('returns nothing before anyone searched', async () => {
      const { body } = await get<{ searches: unknown[] }>(app, '/related-searches?q=boots');
      assert.deepEqual(body.searches, []);
    });
  });

  describe('suggestions nobody can poison', () => {
    const MINUTE = 60_000;
    type Suggestions = { suggestions: Array<{ text: string; source: string }> };
    const popularOf = async (target: FastifyInstance, prefix: string): Promise<string[]> =>
      (await get<Suggestions>(target, `/autocomplete?q=${encodeURIComponent(prefix)}`)).body.suggestions
        .filter((s) => s.source === 'popular')
        .map((s) => s.text);
    let now: number;
    let guarded: FastifyInstance;
    beforeEach(() => {
      now = Date.UTC(2026, 0, 1);
      // The production rules: three distinct clients, the first search an hour old.
      guarded = testApp({
        index,
        embedder,
        cache: new MemoryCache({ now: () => now, minClients: 3, minAgeMs: 60 * MINUTE }),
        now: () => now,
      });
    });
    afterEach(async () => {
      await guarded.close();
    });

    it('promotes nothing one client searches a thousand times', async () => {
      for (let i = 0; i < 1000; i += 1) {
        await get(guarded, '/search?q=red%20leather%20boots', { 'x-client-id': 'one-shopper' });
        if (i % 100 === 99) now += 30 * MINUTE;
      }
      assert.deepEqual(await popularOf(guarded, 'red'), []);
    });

    it('promotes a query once three shoppers searched it, the first an hour before', async () => {
      for (const shopper of ['a', 'b', 'c'])
        await get(guarded, '/search?q=red%20leather%20boots', { 'x-client-id': shopper });
      assert.deepEqual(await popularOf(guarded, 'red'), [], 'not an hour yet');
      now += 60 * MINUTE;
      await get(guarded, '/search?q=red%20leather%20boots', { 'x-client-id': 'd' });
      assert.deepEqual(await popularOf(guarded, 'red'), ['red leather boots']);
    });

    it('never records markup, URLs, control bytes or pasted numbers, from however many shoppers', async () => {
      const poison = [
        'red <img src=x onerror=alert(1)> buy at evil.example',
        'red \u0000\u001b[31mboots\u001b[0m',
        'red boots at evil.example',
        'red boots 4111111111111111',
      ];
      const open = testApp({ index, embedder }); // counts a query at its first search
      try {
        for (let shopper = 0; shopper < 30; shopper += 1) {
          for (const q of poison)
            await get(open, `/search?q=${encodeURIComponent(q)}`, { 'x-client-id': `s${shopper}` });
        }
        await get(open, '/search?q=red%20boots', { 'x-client-id': 's0' });
        assert.deepEqual(await popularOf(open, 'red'), ['red boots']);
        const metrics = String((await get<string>(open, '/metrics')).body);
        assert.match(metrics, /roleplane_search_popular_updates_total\{result="rejected"\} 120\n/);
        assert.match(metrics, /roleplane_search_popular_updates_total\{result="recorded"\} 1\n/);
      } finally {
        await open.close();
      }
    });
  });

  describe('GET /autocomplete', () => {
    it('suggests popular queries first, then catalog phrases, by prefix', async () => {
      await get(app, '/search?q=nike%20running%20shoes');
      await get(app, '/search?q=nike%20running%20shoes');
      await get(app, '/search?q=nike%20air');
      const { status, body } = await get<{ query: string; suggestions: Array<{ text: string; source: string }> }>(
        app,
        '/autocomplete?q=Nik&limit=5',
      );
      assert.equal(status, 200);
      assert.deepEqual(body.suggestions.slice(0, 3), [
        { text: 'nike running shoes', source: 'popular' },
        { text: 'nike air', source: 'popular' },
        { text: 'nike', source: 'catalog' }, // the brand: the most common catalog phrase
      ]);
      assert.equal(body.suggestions.length, 5);
      assert.ok(body.suggestions.every((s) => s.text.startsWith('nik')));
    });

    it('completes from catalog phrases before anyone searched', async () => {
      const { body } = await get<{ suggestions: Array<{ text: string; source: string }> }>(app, '/autocomplete?q=sun');
      assert.deepEqual(body.suggestions[0], { text: 'sunglasses', source: 'catalog' });
    });

    it('does not count queries that found nothing', async () => {
      await get(app, '/search?q=boots%20xyzzy&mode=lexical');
      const { body } = await get<{ suggestions: Array<{ source: string }> }>(app, '/autocomplete?q=boots%20x');
      assert.ok(body.suggestions.every((s) => s.source !== 'popular'));
    });
  });

  describe('health, readiness and metrics', () => {
    it('is live at once and ready only once the index is loaded', async () => {
      const loading = deferred<SearchIndex>();
      const lateApp = testApp({ index: loading.promise, embedder });
      try {
        assert.equal((await get(lateApp, '/healthz')).status, 200);
        const before = await get<{ status: string }>(lateApp, '/readyz');
        assert.equal(before.status, 503);
        assert.equal(before.body.status, 'loading');
        const search = await get<ErrorBody>(lateApp, '/search?q=boots');
        assert.equal(search.status, 503);
        assert.match(search.body.message, /still loading/);
        loading.resolve(index);
        await waitUntil('ready', 2000, async () => (await get(lateApp, '/readyz')).status === 200);
        const after = await get<{ status: string; products: number; modelId: string }>(lateApp, '/readyz');
        assert.deepEqual(
          { ...after.body, cache: undefined },
          { status: 'ready', products: 2000, modelId: embedder.modelId, cache: undefined },
        );
        assert.equal((await get(lateApp, '/search?q=boots')).status, 200);
      } finally {
        await lateApp.close();
      }
    });

    it('stays unready with the reason when the index fails to load', async () => {
      const failing = testApp({ index: Promise.reject(new Error('index /data: embeddings.npy: truncated')), embedder });
      try {
        await waitUntil(
          'condition',
          2000,
          async () => (await get<{ status: string }>(failing, '/readyz')).body.status === 'failed',
        );
        const { status, body } = await get<{ error: string }>(failing, '/readyz');
        assert.equal(status, 503);
        assert.match(body.error, /truncated/);
        assert.match((await get<ErrorBody>(failing, '/search?q=x')).body.message, /failed to load: index \/data/);
      } finally {
        await failing.close();
      }
    });

    it('refuses an embedder that is not the index model', async () => {
      const other = testApp({ index, embedder: new HashEmbedder(32) });
      try {
        await waitUntil(
          'condition',
          2000,
          async () => (await get<{ status: string }>(other, '/readyz')).body.status === 'failed',
        );
        const { body } = await get<{ error: string }>(other, '/readyz');
        assert.match(
          body.error,
          /built with model "test-hash-bow-v1-d64" \(64 dimensions\) but the service loaded "test-hash-bow-v1-d32" \(32 dimensions\)/,
        );
      } finally {
        await other.close();
      }
    });

    it('exposes latency per route, cache hits and misses, and cache availability', async () => {
      // Words left after the filters: the query is embedded (a filters-only query is ranked by its words alone).
      await get(app, '/search?q=rugged%20boots');
      await get(app, '/search?q=rugged%20boots');
      const { status, body } = await get<string>(app, '/metrics');
      assert.equal(status, 200);
      const text = String(body);
      assert.match(
        text,
        /roleplane_search_http_request_duration_seconds_count\{route="\/search",method="GET",status_code="200"\} 2/,
      );
      assert.match(text, /roleplane_search_cache_requests_total\{operation="get_embedding",result="miss"\} 1/);
      assert.match(text, /roleplane_search_cache_requests_total\{operation="get_embedding",result="hit"\} 1/);
      assert.match(text, /roleplane_search_cache_available 1/);
      assert.match(text, /roleplane_search_index_ready 1/);
    });
  });

  describe('fail-open cache', () => {
    /** Every call fails, as a cache whose server is gone does. */
    class ThrowingCache implements SearchCache {
      readonly kind = 'throwing';
      calls = 0;
      isAvailable(): boolean {
        return true;
      }
      private fail(): never {
        this.calls += 1;
        throw new Error('ECONNREFUSED');
      }
      async getEmbeddings(): Promise<Array<Float32Array | undefined>> {
        return this.fail();
      }
      async setEmbedding(): Promise<void> {
        this.fail();
      }
      async recordQueries(): Promise<void> {
        this.fail();
      }
      async popularQueries(): Promise<PopularQuery[]> {
        return this.fail();
      }
      async removeQuery(): Promise<boolean> {
        return this.fail();
      }
      async restoreQuery(): Promise<boolean> {
        return this.fail();
      }
      async close(): Promise<void> {}
    }

    /** Every call hangs, as a stopped server with an open socket does; counts the reads that reach it. */
    class HangingCache extends MemoryCache {
      reads = 0;
      override async getEmbeddings(): Promise<Array<Float32Array | undefined>> {
        this.reads += 1;
        return new Promise(() => undefined);
      }
      override async setEmbedding(): Promise<void> {
        return new Promise(() => undefined);
      }
      override async recordQueries(): Promise<void> {
        return new Promise(() => undefined);
      }
      override async popularQueries(): Promise<PopularQuery[]> {
        return new Promise(() => undefined);
      }
    }

    it('serves every route when every cache call throws', async () => {
      const broken = testApp({ index, embedder, cache: new ThrowingCache() });
      try {
        const search = await get<SearchBody>(broken, '/search?q=red%20boots');
        assert.equal(search.status, 200);
        assert.equal(search.body.cache.embedding, 'off');
        assert.ok(search.body.results.length > 0);
        const complete = await get<{ suggestions: Array<{ source: string }> }>(broken, '/autocomplete?q=boo');
        assert.equal(complete.status, 200);
        assert.ok(
          complete.body.suggestions.length > 0 && complete.body.suggestions.every((s) => s.source === 'catalog'),
        );
        assert.equal((await get(broken, '/related-searches?q=boots')).status, 200);
        assert.equal((await get(broken, `/products/${fixture.products[0]?.id ?? ''}/related`)).status, 200);
        const metrics = String((await get<string>(broken, '/metrics')).body);
        assert.match(
          metrics,
          /roleplane_search_cache_requests_total\{operation="get_embedding",result="error"\} [1-9]/,
        );
      } finally {
        await broken.close();
      }
    });

    it('waits at most one cache timeout per request when the cache hangs, then skips it', async () => {
      const cache = new HangingCache();
      const hanging = testApp({
        index,
        embedder,
        cache,
        cacheTimeoutMs: 40,
        cacheBreaker: { failureThreshold: 2, openMs: 60_000 },
      });
      try {
        await hanging.ready();
        const timings: number[] = [];
        const readsBefore: number[] = [];
        for (const q of ['rugged boots', 'cozy wool', 'vintage red mug', 'slim tan shorts']) {
          readsBefore.push(cache.reads);
          const { status, body, ms } = await get<SearchBody>(hanging, `/search?q=${encodeURIComponent(q)}`);
          assert.equal(status, 200);
          assert.equal(body.cache.embedding, 'off');
          timings.push(ms);
        }
        // Related searches makes several cache reads: together they still wait one timeout at most.
        const related = await get(hanging, '/related-searches?q=boots');
        assert.equal(related.status, 200);
        // A store that never answers would hold each request forever; the deadline ends the wait. The bound is
        // generous (a loaded machine), the deadline itself is 40 ms.
        assert.ok(
          timings.every((ms) => ms < 1000),
          `latencies ${timings.map((t) => t.toFixed(1)).join(', ')} ms`,
        );
        // Two timeouts (the first request's read and its write-back) open the breaker: later requests do not even
        // ask the store.
        assert.equal(readsBefore[1], 1, 'the first search read the cache once');
        assert.equal(
          cache.reads,
          readsBefore[2],
          `reads after the breaker opened: ${cache.reads - (readsBefore[2] ?? 0)}`,
        );
        const metrics = String((await get<string>(hanging, '/metrics')).body);
        assert.match(metrics, /roleplane_search_cache_available 0/);
        assert.match(metrics, /operation="get_embedding",result="timeout"\} [12]\n/);
        assert.match(metrics, /operation="get_embedding",result="skipped"\} [1-9]/);
      } finally {
        await hanging.close();
      }
    });
  });

  describe('with the HNSW graph (SEARCH_VECTOR_INDEX=hnsw)', () => {
    let graphIndex: SearchIndex;
    let graphApp: FastifyInstance;
    before(async function () {
      this.timeout(30_000);
      // The fixture index has no stored graph, so it is built at load (and said so).
      graphIndex = await loadSearchIndex(fixture.dir, { vectorIndex: 'hnsw' });
      assert.equal(graphIndex.vectorSource.source, 'rebuilt');
    });
    beforeEach(() => {
      graphApp = testApp({ index: graphIndex, embedder: new HashEmbedder(DIMENSIONS) });
    });
    afterEach(async () => {
      await graphApp.close();
    });

    for (const [query] of filtered) {
      it(`still answers filtered searches exactly: "${query}"`, async () => {
        const { body } = await get<SearchBody>(graphApp, `/search?q=${encodeURIComponent(query)}&limit=25&mode=vector`);
        assert.ok(body.results.length > 0);
        assertExactTop(body.results, expectedTop(fixture, body, 25));
      });
    }

    it('finds at least 90% of the exact top 10 for unfiltered searches, every result scored exactly', async () => {
      const queries = [
        'rugged hiking gear',
        'lightweight summer',
        'premium gift',
        'slim fit',
        'everyday carry',
        'cozy winter',
        'vintage style',
        'classic look',
      ];
      let hit = 0;
      let total = 0;
      for (const q of queries) {
        const { body } = await get<SearchBody>(graphApp, `/search?q=${encodeURIComponent(q)}&mode=vector`);
        const expected = expectedTop(fixture, body, 10);
        const exactScores = new Map(expectedTop(fixture, body, fixture.products.length).map((e) => [e.id, e.score]));
        for (const result of body.results)
          assert.ok(
            Math.abs(result.score - (exactScores.get(result.id) ?? Number.NaN)) < 2e-6,
            `${result.id} scored exactly`,
          );
        // Tie-aware: the hashed test embedder gives many products the same score, and any of them is a right answer.
        const tenth = expected.at(-1)?.score ?? Number.NEGATIVE_INFINITY;
        hit += body.results.filter((r) => r.score >= tenth - 2e-6).length;
        total += expected.length;
      }
      assert.ok(hit / total >= 0.9, `recall@10 ${hit / total}`);
    });

    it('batches concurrent searches and answers each as it would alone', async () => {
      const queries = Array.from(
        { length: 32 },
        (_, i) => `/search?q=${encodeURIComponent(`${['rugged', 'cozy', 'slim', 'vintage'][i % 4]} item ${i}`)}`,
      );
      const alone: Array<SearchBody['results']> = [];
      for (const url of queries) alone.push((await get<SearchBody>(graphApp, url)).body.results);
      const together = await Promise.all(queries.map((url) => get<SearchBody>(graphApp, url)));
      together.forEach(({ status, body }, i) => {
        assert.equal(status, 200);
        assert.deepEqual(body.results, alone[i]);
      });
      const metrics = String((await get<string>(graphApp, '/metrics')).body);
      assert.match(metrics, /roleplane_search_vector_index_info\{kind="hnsw",source="rebuilt"\} 1/);
      const count = Number(/roleplane_search_vector_batch_size_count (\d+)/.exec(metrics)?.[1]);
      // 64 searches; batching must have answered the 32 concurrent ones in fewer than 32 calls.
      assert.ok(count < 64, `batches: ${count}`);
    });
  });
});
