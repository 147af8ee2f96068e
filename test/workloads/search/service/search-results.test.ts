import { strict as assert } from 'node:assert';
import { readJudgments } from '../../../../tools/relevance/judged-set.js';
import { evaluateMode, furnitureService, type FurnitureService } from '../../../../tools/relevance/evaluate.js';
import { get, type ErrorBody, type SearchBody } from '../../../helpers/search-app.js';
import { useTempDir } from '../../../helpers/temp-dir.js';

/**
 * /search as a storefront uses it, on the furniture test catalog (its own rules file) indexed with the built-in tiny
 * model: typo tolerance, no dead ends, hybrid ranking, facets, pages and sorting.
 */
describe('GET /search on the furniture catalog (results pages)', function () {
  this.timeout(120_000);
  const tempDir = useTempDir('search-results', 'all');
  let service: FurnitureService;
  const search = async (query: string): Promise<SearchBody> => {
    const { status, body } = await get<SearchBody>(service.app, `/search?${query}`);
    assert.equal(status, 200, JSON.stringify(body));
    return body;
  };

  before(async () => {
    service = await furnitureService(tempDir());
  });
  after(async () => {
    await service?.close();
  });

  describe('typo tolerance', () => {
    it('reads "grye sofa" as grey sofas and says what it corrected', async () => {
      const body = await search('q=grye%20sofa');
      assert.deepEqual(body.corrections, [{ from: 'grye', to: 'grey' }]);
      assert.deepEqual(body.filters, { color: ['grey'], category: ['sofa'] });
      assert.ok(body.results.length > 0);
      assert.ok(body.results.every((r) => r.color === 'grey' && r.category === 'sofa'));
    });

    it('reads "wallnut coffee table" as walnut coffee tables, not linen ones', async () => {
      const body = await search('q=wallnut%20coffee%20table');
      assert.deepEqual(body.corrections, [{ from: 'wallnut', to: 'walnut' }]);
      assert.ok(body.results.length > 0);
      assert.ok(body.results.every((r) => r.material === 'walnut' && r.category === 'coffee table'));
    });

    it('leaves exact words alone and corrects nothing in a brand-like word', async () => {
      assert.deepEqual((await search('q=grey%20sofa')).corrections, []);
      assert.deepEqual((await search('q=WallNut%20sofa')).corrections, []);
    });
  });

  describe('no dead ends', () => {
    it('drops the material of "walnut bookshelf" (no walnut bookcase exists) and says so', async () => {
      const body = await search('q=walnut%20bookshelf');
      assert.deepEqual(body.relaxed, ['material']);
      assert.deepEqual(body.filters, { material: ['walnut'], category: ['bookcase'] });
      assert.ok(body.results.length > 0);
      assert.ok(body.results.every((r) => r.category === 'bookcase'));
    });

    it('drops the price of "leather armchair under 500" first and shows leather armchairs', async () => {
      const body = await search('q=leather%20armchair%20under%20500');
      assert.deepEqual(body.relaxed, ['price']);
      assert.ok(body.results.length > 0);
      assert.ok(body.results.every((r) => r.category === 'armchair' && r.material === 'leather'));
    });

    it('never drops an exclusion', async () => {
      const body = await search('q=marble%20sofa%20without%20leather');
      assert.deepEqual(body.relaxed, ['material']);
      assert.ok(body.results.every((r) => r.category === 'sofa' && r.material !== 'leather'));
    });

    it('shows the most popular products for a query with no usable words', async () => {
      for (const q of ['the', '%3F%3F%3F', 'for%20a']) {
        const body = await search(`q=${q}`);
        assert.equal(body.fallback, 'popular');
        assert.equal(body.total, service.index.products.length);
        const reviews = body.results.map((r) => r.reviews as number);
        assert.deepEqual(
          reviews,
          [...reviews].sort((a, b) => b - a),
          'by the rules file\'s "popularity" field',
        );
      }
    });
  });

  describe('hybrid ranking', () => {
    it('finds seats, not bookcases, for "comfy seat for the living room"', async () => {
      const body = await search('q=comfy%20seat%20for%20the%20living%20room');
      assert.equal(body.mode, 'hybrid');
      const top = body.results.slice(0, 5).map((r) => r.category);
      assert.ok(
        top.every((c) => c === 'sofa' || c === 'armchair'),
        `top 5: ${top.join(', ')}`,
      );
    });

    it('ranks by words alone in lexical mode and by the vector alone in vector mode', async () => {
      const lexical = await search('q=comfy%20seat&mode=lexical');
      const vector = await search('q=comfy%20seat&mode=vector');
      assert.equal(lexical.cache.embedding, 'off', 'lexical mode embeds nothing');
      assert.ok(lexical.results.every((r) => /comf|seat/i.test(`${r.title} ${String(r.description)}`)));
      assert.equal(vector.total, 20, 'the 20 nearest products');
    });

    it('beats both vector and lexical ranking on the judged query set (nDCG@10)', async () => {
      const queries = readJudgments();
      const [vector, lexical, hybrid] = [
        await evaluateMode(service, queries, 'vector'),
        await evaluateMode(service, queries, 'lexical'),
        await evaluateMode(service, queries, 'hybrid'),
      ];
      assert.ok(hybrid.ndcg > vector.ndcg, `hybrid ${hybrid.ndcg} vs vector ${vector.ndcg}`);
      assert.ok(hybrid.ndcg > lexical.ndcg, `hybrid ${hybrid.ndcg} vs lexical ${lexical.ndcg}`);
      assert.equal(hybrid.zeroResultRate, 0);
    });
  });

  describe('facets, total, pages and sorting', () => {
    it('counts each facet under the query, its own filter left out', async () => {
      const body = await search('q=grey%20sofa');
      const products = service.index.products;
      const greySofas = products.filter((p) => p.category === 'sofa' && p.color === 'grey');
      assert.equal(body.total, greySofas.length);
      const countsOf = (field: string): Record<string, number> =>
        Object.fromEntries((body.facets[field] ?? []).map((f): [string, number] => [f.value ?? '', f.count]));
      const colors = countsOf('color');
      const sofas = products.filter((p) => p.category === 'sofa');
      assert.equal(colors.grey, greySofas.length);
      assert.equal(colors.blue, sofas.filter((p) => p.color === 'blue').length, 'blue sofas, though grey is picked');
      const categories = countsOf('category');
      assert.equal(categories.armchair, products.filter((p) => p.category === 'armchair' && p.color === 'grey').length);
      const materials = body.facets.material!.reduce((sum, f) => sum + f.count, 0);
      assert.equal(materials, greySofas.length, 'an unfiltered field counts the results');
      const bands = body.facets.price!;
      assert.deepEqual(
        bands.map(({ gte, lt }) => [gte, lt]),
        [
          [undefined, 100],
          [100, 250],
          [250, 500],
          [500, 1000],
          [1000, undefined],
        ],
      );
      assert.equal(
        bands.reduce((sum, b) => sum + b.count, 0),
        greySofas.length,
      );
    });

    it('pages through every result once with offset and limit', async () => {
      const first = await search('q=sofa&limit=12');
      const seen = new Set<string>();
      for (let offset = 0; offset < first.total; offset += 12) {
        const page = await search(`q=sofa&limit=12&offset=${offset}`);
        assert.equal(page.total, first.total);
        assert.equal(page.offset, offset);
        for (const r of page.results) {
          assert.ok(!seen.has(r.id), `${r.id} twice`);
          seen.add(r.id);
        }
      }
      assert.equal(seen.size, first.total);
      assert.deepEqual((await search(`q=sofa&offset=${first.total}`)).results, []);
    });

    it('sorts every result by price, both ways', async () => {
      const ascending = await search('q=armchair&sort=price_asc&limit=100');
      const descending = await search('q=armchair&sort=price_desc&limit=100');
      const prices = ascending.results.map((r) => r.price as number);
      assert.equal(ascending.results.length, ascending.total);
      assert.deepEqual(
        prices,
        [...prices].sort((a, b) => a - b),
      );
      assert.deepEqual(
        descending.results.map((r) => r.price),
        [...prices].reverse(),
      );
      const cheapest = Math.min(...service.index.products.filter((p) => p.category === 'armchair').map((p) => p.price));
      assert.equal(prices[0], cheapest);
    });

    it('answers bad parameters with a 400 naming the parameter', async () => {
      const cases: Array<[string, RegExp]> = [
        ['q=sofa&mode=semantic', /^mode: must be one of hybrid, vector, lexical \(got "semantic"\)$/],
        ['q=sofa&sort=cheapest', /^sort: must be one of relevance, price_asc, price_desc \(got "cheapest"\)$/],
        ['q=sofa&offset=-1', /^offset: must be at least 0 \(got -1\)$/],
        ['q=sofa&offset=1001', /^offset: must be at most 1000 \(got 1001\)$/],
        ['q=sofa&offset=1e2', /^offset: must be an integer \(got "1e2"\)$/],
        ['q=sofa&mode=lexical&mode=vector', /^mode: must be given once/],
      ];
      for (const [query, message] of cases) {
        const { status, body } = await get<ErrorBody>(service.app, `/search?${query}`);
        assert.equal(status, 400, query);
        assert.match(body.message, message);
      }
    });
  });
});
