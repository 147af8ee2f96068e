import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { extractFilters, toJsonOutput, type FilterJson } from '../../../../workloads/search/query/extract-filters.js';
import { extractPrice } from '../../../../workloads/search/query/price.js';
import { compileRules, loadRules, parseRules } from '../../../../workloads/search/query/rules.js';
import { tokenize } from '../../../../workloads/search/query/tokenize.js';
import { normalizeText } from '../../../../workloads/search/query/normalize.js';

const rules = loadRules(join(import.meta.dirname, '..', '..', '..', 'fixtures', 'search', 'filters.json'));
const extract = (query: string): FilterJson => toJsonOutput(extractFilters(query, rules));

function table(cases: ReadonlyArray<readonly [string, FilterJson]>): void {
  for (const [query, expected] of cases) {
    it(`${JSON.stringify(query)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(extract(query), expected));
  }
}

const lte = (n: number) => ({ price: { lte: n } });
const gte = (n: number) => ({ price: { gte: n } });
const between = (low: number, high: number) => ({ price: { gte: low, lte: high } });

describe('workloads/search/query/price', () => {
  describe('extractPrice', () => {
    it('marks the tokens of the expression consumed and returns the bounds', () => {
      const tokens = tokenize(normalizeText('boots under $50'));
      const consumed = tokens.map(() => false);
      assert.deepEqual(extractPrice(tokens, consumed, rules.price ?? assert.fail('fixture has price')), { lte: 50 });
      assert.deepEqual(consumed, [false, true, true, true]);
    });
  });

  describe('comparisons', () => {
    table([
      ['boots under $50', { text: '', filters: { category: ['boots'], ...lte(50) } }],
      ['under 50', { text: '', filters: lte(50) }],
      ['below 50 usd', { text: '', filters: lte(50) }],
      ['less than 50 dollars', { text: '', filters: lte(50) }],
      ['up to €1,299.99', { text: '', filters: lte(1299.99) }],
      ['max 19.99', { text: '', filters: lte(19.99) }],
      ['at most 20 eur', { text: '', filters: lte(20) }],
      ['over 100', { text: '', filters: gte(100) }],
      ['above $100', { text: '', filters: gte(100) }],
      ['more than 100 euros', { text: '', filters: gte(100) }],
      ['at least 1,000', { text: '', filters: gte(1000) }],
      ['min $5', { text: '', filters: gte(5) }],
      ['under 50$', { text: '', filters: lte(50) }],
      ['under 50€', { text: '', filters: lte(50) }],
      ['under 50usd', { text: '', filters: lte(50) }],
      ['under 50 dollar', { text: '', filters: lte(50) }],
      ['UNDER $ 50', { text: '', filters: lte(50) }],
      ['price under 50', { text: '', filters: lte(50) }],
      ['not over 50', { text: '', filters: lte(50) }],
      ['no more than $50', { text: '', filters: lte(50) }],
      ['not under 20', { text: '', filters: gte(20) }],
    ]);
  });

  describe('ranges', () => {
    table([
      ['between 20 and 40', { text: '', filters: between(20, 40) }],
      ['between $20 and $40', { text: '', filters: between(20, 40) }],
      ['between 20 to 40 usd', { text: '', filters: between(20, 40) }],
      ['$20-$40', { text: '', filters: between(20, 40) }],
      ['$20 - 40', { text: '', filters: between(20, 40) }],
      ['20-40 dollars', { text: '', filters: between(20, 40) }],
      ['20 to 40 eur', { text: '', filters: between(20, 40) }],
      ['from $20 to $40', { text: '', filters: between(20, 40) }],
      ['€20–€40', { text: '', filters: between(20, 40) }],
      ['20usd-40usd', { text: '', filters: between(20, 40) }],
      ['priced 20-40', { text: '', filters: between(20, 40) }],
      ['$1,000-$1,299.50 sofa', { text: 'sofa', filters: between(1000, 1299.5) }],
      ['$40-$20', { text: '', filters: between(20, 40) }],
      ['over 20 and under 50', { text: '', filters: between(20, 50) }],
      ['over $100 under $50', { text: '', filters: between(100, 50) }],
      ['under 50 under 30', { text: '', filters: lte(30) }],
      ['over 10 over 20', { text: '', filters: gte(20) }],
    ]);
  });

  describe('not a price', () => {
    table([
      // A bare "N to M" / "N-M" needs a currency or a price word.
      ['iphone 13 to 15 case', { text: 'iphone 13 to 15 case' }],
      ['size 8-10 boots', { text: 'size 8-10', filters: { category: ['boots'] } }],
      ['from 20 to 40', { text: 'from 20 to 40' }],
      ['2019-2021 calendar', { text: '2019-2021 calendar' }],
      // A bare number followed by a unit counts something else.
      ['tent up to 8 people', { text: 'tent up to 8 people' }],
      ['under 5 kg backpack', { text: 'under 5 kg', filters: { category: ['backpack'] } }],
      ['between 2 and 4 seats', { text: 'between 2 and 4 seats' }],
      ['over 4 stars', { text: 'over 4 stars' }],
      ['under 5kg', { text: 'under 5kg' }],
      ['over 50% off', { text: 'over 50% off' }],
      // ...unless a currency marker says it is money.
      ['under $5 kg', { text: 'kg', filters: lte(5) }],
      // An amount without a comparison has no edge to filter on.
      ['boots $50', { text: '$50', filters: { category: ['boots'] } }],
      ['from $20', { text: 'from $20' }],
      ['under', { text: 'under' }],
      ['under armour', { text: '', filters: { brand: ['Under Armour'] } }],
      // A phrase is matched before the price grammar.
      ['air max 90', { text: '', filters: { brand: ['Nike Air Max 90'] } }],
      // A comma breaks an expression.
      ['under, 50', { text: 'under 50' }],
    ]);

    it('ignores currency markers the rules do not list', () => {
      const euroShop = compileRules(parseRules({ fields: {}, price: { field: 'price', currency: ['€'] } }, 'inline'));
      assert.deepEqual(toJsonOutput(extractFilters('under $50', euroShop)), { text: 'under $50' });
      assert.deepEqual(toJsonOutput(extractFilters('$20-$40', euroShop)), { text: '$20-$40' });
      assert.deepEqual(toJsonOutput(extractFilters('under €50', euroShop)), {
        text: '',
        filters: { price: { lte: 50 } },
      });
    });

    it("uses the rules' price field as the key", () => {
      const custom = compileRules(
        parseRules({ fields: {}, price: { field: 'unit_price', currency: ['usd'] } }, 'inline'),
      );
      assert.deepEqual(toJsonOutput(extractFilters('over 10 usd', custom)), {
        text: '',
        filters: { unit_price: { gte: 10 } },
      });
    });
  });
});
