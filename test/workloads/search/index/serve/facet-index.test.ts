import { strict as assert } from 'node:assert';
import { FacetIndex } from '../../../../../workloads/search/index/serve/facet-index.js';
import type { Product } from '../../../../../workloads/search/index/format/products.js';

const products: Product[] = [
  { id: 'a', title: 'A', price: 40, color: 'Grey' },
  { id: 'b', title: 'B', price: 100, color: 'grey' },
  { id: 'c', title: 'C', price: 250, color: ['blue', 'grey'] },
  { id: 'd', title: 'D', price: 5000 },
];

describe('workloads/search/index/serve/facet-index', () => {
  describe('FacetIndex', () => {
    const facets = new FacetIndex(products, ['color'], 'price', [100, 250]);

    it('counts values as filters compare them, as the catalog first wrote them, most first', () => {
      assert.deepEqual(facets.valueCounts('color', facets.count('color', [0, 1, 2, 3])), [
        { value: 'Grey', count: 3 },
        { value: 'blue', count: 1 },
      ]);
      assert.deepEqual(facets.valueCounts('color', facets.count('color', [2])), [
        { value: 'Grey', count: 1 },
        { value: 'blue', count: 1 },
      ]);
    });

    it('counts price bands with an inclusive lower and an exclusive upper edge, every band listed', () => {
      assert.deepEqual(facets.bandCounts(facets.count('price', [0, 1, 2, 3])), [
        { lt: 100, count: 1 },
        { gte: 100, lt: 250, count: 1 },
        { gte: 250, count: 2 },
      ]);
      assert.deepEqual(facets.bandCounts(facets.count('price', [])), [
        { lt: 100, count: 0 },
        { gte: 100, lt: 250, count: 0 },
        { gte: 250, count: 0 },
      ]);
    });

    it('counts the whole catalog when no rows are given', () => {
      assert.deepEqual(Array.from(facets.count('color', undefined)), Array.from(facets.count('color', [0, 1, 2, 3])));
      assert.deepEqual(facets.names, ['color', 'price']);
    });
  });
});
