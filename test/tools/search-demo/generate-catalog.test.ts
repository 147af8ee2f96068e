import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import {
  checkVocabulary,
  demoRules,
  generateCatalog,
  type DemoProduct,
} from '../../../tools/search-demo/generate-catalog.js';
import { compileRules } from '../../../workloads/search/query/rules.js';
import { parseProduct } from '../../../workloads/search/index/format/products.js';

const DEMO_COUNT = 65_536;

function digest(products: Iterable<DemoProduct>): string {
  const hash = createHash('sha256');
  for (const product of products) hash.update(`${JSON.stringify(product)}\n`);
  return hash.digest('hex');
}

describe('tools/search-demo/generate-catalog', () => {
  describe('generateCatalog', () => {
    it('generates the demo size, one product per id', () => {
      const ids = new Set<string>();
      for (const product of generateCatalog({ count: DEMO_COUNT, seed: 42 })) ids.add(product.id);
      assert.equal(ids.size, DEMO_COUNT);
    });

    it('is deterministic for a seed and different for another', () => {
      const a = digest(generateCatalog({ count: 2000, seed: 7 }));
      assert.equal(digest(generateCatalog({ count: 2000, seed: 7 })), a);
      assert.notEqual(digest(generateCatalog({ count: 2000, seed: 8 })), a);
      // A longer catalog starts with the shorter one, so the demo's first products never move.
      assert.equal(digest([...generateCatalog({ count: 3000, seed: 7 })].slice(0, 2000)), a);
    });

    it('gives unique ids and valid catalog lines', () => {
      const ids = new Set<string>();
      for (const product of generateCatalog({ count: 5000 })) {
        assert.ok(!ids.has(product.id), product.id);
        ids.add(product.id);
        // What the index build accepts, unchanged by its normalisation.
        assert.deepEqual(parseProduct(JSON.parse(JSON.stringify(product))), JSON.parse(JSON.stringify(product)));
        assert.ok(Number.isFinite(product.price) && product.price > 0);
        assert.equal(Math.round(product.price * 100) / 100, product.price);
        assert.ok(product.rating >= 3 && product.rating <= 5);
      }
    });

    it('uses only canonical values of the demo rules for the filter fields', () => {
      const { fields } = demoRules();
      const seen = new Map<string, Set<string>>();
      for (const product of generateCatalog({ count: 20_000 })) {
        for (const field of Object.keys(fields)) {
          const value = product[field as keyof DemoProduct];
          if (value === undefined) continue;
          assert.equal(typeof value, 'string');
          assert.ok(
            Object.hasOwn(fields[field] ?? {}, value as string),
            `${product.id}: ${field} ${String(value)} is not in the rules`,
          );
          seen.set(field, (seen.get(field) ?? new Set()).add(value as string));
        }
      }
      // Every category and brand shows up in a catalog of this size, so every filter can match something.
      assert.equal(seen.get('category')?.size, Object.keys(fields.category ?? {}).length);
      assert.equal(seen.get('brand')?.size, Object.keys(fields.brand ?? {}).length);
    });

    it('looks like a shop: titles name the product, home goods have no department', () => {
      const products = [...generateCatalog({ count: 200 })];
      for (const product of products) {
        assert.ok(product.title.includes(product.brand), product.title);
        assert.ok(product.description.length > 20);
      }
      assert.ok(products.some((p) => p.category === 'sofa' && p.department === undefined && p.sizes === undefined));
      assert.ok(
        products.some((p) => p.category === 'sneakers' && p.department !== undefined && (p.sizes?.length ?? 0) >= 4),
      );
    });

    it('refuses a negative or fractional count', () => {
      assert.throws(() => [...generateCatalog({ count: -1 })], /count must be a non-negative integer \(got -1\)/);
      assert.throws(() => [...generateCatalog({ count: 1.5 })], /\(got 1\.5\)/);
    });
  });

  describe('demoRules', () => {
    it('is a valid rules file with a price section', () => {
      const rules = demoRules();
      compileRules(rules, 'demoRules()');
      assert.deepEqual(Object.keys(rules.fields), ['category', 'color', 'brand', 'material', 'department']);
      assert.equal(rules.price?.field, 'price');
      assert.ok(rules.price?.currency.includes('$'));
    });
  });

  describe('checkVocabulary', () => {
    it('finds the word lists consistent', () => {
      checkVocabulary();
    });
  });
});
