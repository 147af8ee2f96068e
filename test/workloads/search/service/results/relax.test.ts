import { strict as assert } from 'node:assert';
import { relax, relaxOrder } from '../../../../../workloads/search/service/results/relax.js';
import {
  ProductFilterIndex,
  type RowCriteria,
} from '../../../../../workloads/search/index/serve/product-filter-index.js';

const products = [
  { id: 'a', category: 'sofa', color: 'grey', material: 'linen', price: 900 },
  { id: 'b', category: 'sofa', color: 'blue', material: 'leather', price: 1500 },
  { id: 'c', category: 'armchair', color: 'grey', material: 'leather', price: 700 },
  { id: 'd', category: 'bookcase', color: 'white', material: 'oak', price: 200 },
];
const filterIndex = new ProductFilterIndex(products, ['category', 'color', 'material'], 'price');
const candidatesOf = (criteria: RowCriteria): Uint32Array | undefined => filterIndex.candidates(criteria);
const rules = { fields: { category: { sofa: ['sofa'] }, color: { grey: ['grey'] }, material: { oak: ['oak'] } } };

describe('workloads/search/service/results/relax', () => {
  describe('relaxOrder', () => {
    it('drops the price first, then the fields from the last listed to the first', () => {
      assert.deepEqual(relaxOrder(rules, 'price'), ['price', 'material', 'color', 'category']);
    });

    it('follows the rules file\'s "relax" list', () => {
      assert.deepEqual(relaxOrder({ ...rules, relax: ['color', 'price'] }, 'cost'), ['color', 'cost']);
    });
  });

  describe('relax', () => {
    const order = relaxOrder(rules, 'price');

    it('drops the price alone when that is enough', () => {
      const result = relax(
        { filters: { category: ['sofa'], material: ['leather'] }, exclude: {}, price: { lte: 500 } },
        order,
        'price',
        candidatesOf,
      );
      assert.deepEqual(result?.relaxed, ['price']);
      assert.deepEqual(Array.from(result?.candidates ?? []), [1]);
    });

    it('drops one field rather than two, the least important first', () => {
      const result = relax(
        { filters: { category: ['bookcase'], color: ['grey'], material: ['linen'] }, exclude: {} },
        order,
        'price',
        candidatesOf,
      );
      // Dropping the material leaves grey bookcases (none); dropping the colour leaves linen bookcases (none);
      // dropping the category leaves grey linen products: one.
      assert.deepEqual(result?.relaxed, ['category']);
      assert.deepEqual(Array.from(result?.candidates ?? []), [0]);
    });

    it('keeps every exclusion, and gives up when nothing passes them', () => {
      const criteria: RowCriteria = {
        filters: { category: ['sofa'], color: ['white'] },
        exclude: { material: ['linen', 'leather', 'oak'] },
      };
      assert.equal(relax(criteria, order, 'price', candidatesOf), undefined);
    });

    it('never drops a field the order leaves out', () => {
      const criteria: RowCriteria = { filters: { category: ['bookcase'], color: ['grey'] }, exclude: {} };
      assert.equal(relax(criteria, [], 'price', candidatesOf), undefined);
      assert.deepEqual(relax(criteria, ['category'], 'price', candidatesOf)?.relaxed, ['category']);
      assert.deepEqual(relax(criteria, ['color'], 'price', candidatesOf)?.relaxed, ['color']);
    });
  });
});
