import assert from 'node:assert/strict';
import {
  ProductFilterIndex,
  type RowCriteria,
} from '../../../../../workloads/search/index/serve/product-filter-index.js';
import { generateProducts } from '../../../../helpers/fixture-index.js';

describe('ProductFilterIndex', () => {
  const products = generateProducts(3000, 11);
  const filters = new ProductFilterIndex(products, ['category', 'color', 'brand', 'material'], 'price');
  const reference = (criteria: RowCriteria): number[] =>
    products.map((_, row) => row).filter((row) => filters.matches(row, criteria));

  const cases: Array<[string, RowCriteria]> = [
    ['one value', { filters: { category: ['boots'] }, exclude: {} }],
    ['values of one field are alternatives', { filters: { color: ['red', 'navy'] }, exclude: {} }],
    ['fields combine', { filters: { color: ['red'], category: ['boots'], material: ['leather'] }, exclude: {} }],
    ['a price range (inclusive)', { filters: {}, price: { gte: 20, lte: 40 }, exclude: {} }],
    ['only a lower bound', { filters: { category: ['mug'] }, price: { gte: 250 }, exclude: {} }],
    ['exclusions alone', { filters: {}, exclude: { color: ['red'], brand: ['Nike'] } }],
    [
      'filters, price and exclusions',
      { filters: { category: ['sneakers', 'boots'] }, price: { lte: 100 }, exclude: { color: ['black'] } },
    ],
    ['canonical values compare without case or accents', { filters: { brand: ['café bleu', "LEVI'S"] }, exclude: {} }],
    ['an unknown value matches nothing', { filters: { color: ['plaid'] }, exclude: {} }],
  ];
  for (const [name, criteria] of cases) {
    it(`candidates are exactly the matching products: ${name}`, () => {
      const candidates = filters.candidates(criteria);
      assert.ok(candidates);
      const expected = reference(criteria);
      assert.deepEqual([...candidates], expected);
      if (!name.includes('unknown'))
        assert.ok(
          expected.length > 0 && expected.length < products.length,
          `${expected.length} rows: not a vacuous case`,
        );
    });
  }

  it('counts a product with an array of colours under each of them', () => {
    const twoColours = products.findIndex((p) => Array.isArray(p.color));
    const second = (products[twoColours]?.color as string[])[1] as string;
    assert.ok(filters.candidates({ filters: { color: [second] }, exclude: {} })?.includes(twoColours));
    assert.ok(!filters.candidates({ filters: {}, exclude: { color: [second] } })?.includes(twoColours));
  });

  it('returns undefined (every row) when nothing constrains the search', () => {
    assert.equal(filters.candidates({ filters: {}, exclude: {} }), undefined);
    assert.equal(filters.candidates({ filters: { color: [] }, price: {}, exclude: {} }), undefined);
  });

  it('fails a price bound for a product without a price', () => {
    const unpriced = new ProductFilterIndex(
      [
        { id: 'a', title: 'a' },
        { id: 'b', title: 'b', price: 10 },
      ],
      [],
      'price',
    );
    assert.deepEqual([...(unpriced.candidates({ filters: {}, price: { lte: 100 }, exclude: {} }) ?? [])], [1]);
  });
});
