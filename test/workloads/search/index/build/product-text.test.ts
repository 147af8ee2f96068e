import { strict as assert } from 'node:assert';
import { productText } from '../../../../../workloads/search/index/build/product-text.js';
import { parseProduct } from '../../../../../workloads/search/index/format/products.js';

describe('workloads/search/index/build/product-text', () => {
  describe('productText', () => {
    it('is the title, then the rule fields in rules order, then the description', () => {
      const product = parseProduct({
        id: 'a',
        title: 'Trail Boot',
        description: 'Warm.',
        price: 1,
        sku: 'X-1',
        color: 'tan',
        category: 'boots',
        tags: ['winter', ' '],
        rating: 4.5,
      });
      assert.equal(
        productText(product, ['category', 'color', 'tags', 'rating', 'brand']),
        'Trail Boot. boots, tan, winter. Warm.',
      );
      assert.equal(productText(parseProduct({ id: 'b', title: 'Mug', price: 1 }), ['color']), 'Mug');
    });
  });
});
