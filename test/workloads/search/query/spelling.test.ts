import { strict as assert } from 'node:assert';
import { brandLikeWords, Speller } from '../../../../workloads/search/query/spelling.js';
import { extractFilters, toJsonOutput } from '../../../../workloads/search/query/extract-filters.js';
import { parseRules, compileRules } from '../../../../workloads/search/query/rules.js';
import { spellerFor } from '../../../../workloads/search/query/rules-speller.js';
import { Prng } from '../../../../workloads/search/index/serve/ann/prng.js';

const catalog: Array<[string, number]> = [
  ['walnut', 12],
  ['bookcase', 9],
  ['sofa', 30],
  ['camp', 2],
  ['leather', 20],
  ['armchair', 8],
  ['linen', 7],
  ['seat', 5],
  ['lamp', 6],
  ['cushion', 4],
  ['cushions', 3],
];
const speller = new Speller(['grey', 'gray', 'oak', 'pine'], catalog);

describe('workloads/search/query/spelling', () => {
  describe('Speller.correct', () => {
    const cases: ReadonlyArray<readonly [string, string | undefined, string]> = [
      ['grye', 'grey', 'four letters may have two neighbouring letters swapped'],
      ['gray', undefined, 'a known word'],
      ['grex', undefined, 'four letters get no other edit than a swap'],
      ['pink', undefined, 'four letters: "pine" is a substitution away, not a swap'],
      ['wallnut', 'walnut', 'a doubled letter'],
      ['lether', 'leather', 'a dropped letter'],
      ['armchiar', 'armchair', 'a swap in a long word'],
      ['armcchiar', 'armchair', 'two edits from nine letters'],
      ['bokcasse', undefined, 'two edits are too many below nine letters'],
      ['lethr', undefined, 'two edits are too many for five letters'],
      ['sofa', undefined, 'a known word is never corrected'],
      ['sfa', undefined, 'three letters are never corrected'],
      ['bamp', undefined, 'an edit of the first letter counts twice'],
      ['1460', undefined, 'numbers are never corrected'],
      ['x200', undefined, 'words with digits are never corrected'],
      ['without', undefined, 'grammar words are never corrected'],
      ['zzzzzz', undefined, 'nothing near'],
    ];
    for (const [word, expected, why] of cases) {
      it(`${JSON.stringify(word)} → ${JSON.stringify(expected)}: ${why}`, () =>
        assert.equal(speller.correct(word), expected));
    }

    it('never corrects a brand-like word', () => {
      assert.equal(speller.correct('wallnut', true), undefined);
    });

    it('prefers a rules word, then the word more products have, among equally near words', () => {
      assert.equal(new Speller(['sofas'], [['sofar', 100]]).correct('sofaz'), 'sofas');
      assert.equal(
        new Speller(
          [],
          [
            ['sofar', 1],
            ['sofas', 5],
          ],
        ).correct('sofaz'),
        'sofas',
      );
      assert.equal(
        new Speller(
          [],
          [
            ['sofar', 5],
            ['sofas', 1],
          ],
        ).correct('sofaz'),
        'sofar',
      );
      assert.equal(
        new Speller(
          [],
          [
            ['sofar', 5],
            ['sofas', 5],
          ],
        ).correct('sofaz'),
        'sofar',
        'then alphabetical',
      );
    });

    it('uses thresholds given to it', () => {
      const algolia = new Speller(['grey', 'bookcase'], [], [], { oneTypoMinLength: 4, twoTyposMinLength: 8 });
      assert.equal(algolia.correct('grex'), 'grey');
      assert.equal(algolia.correct('bokcasse'), 'bookcase');
      const noSwaps = new Speller(['grey'], [], [], { swapMinLength: 5 });
      assert.equal(noSwaps.correct('grye'), undefined);
    });

    it('corrects 1,000 random words against 40,000 random known words (a worst case: a dense trie) within seconds', () => {
      const prng = new Prng(3);
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      const word = (): string => Array.from({ length: prng.int(4, 11) }, () => prng.pick([...letters])).join('');
      const words = Array.from({ length: 40_000 }, (): [string, number] => [word(), prng.int(1, 100)]);
      const big = new Speller([], words);
      const queries = Array.from({ length: 1000 }, () => word());
      const started = performance.now();
      for (const query of queries) big.correct(query);
      const ms = performance.now() - started;
      // ~0.3 ms a word of 4-7 letters, ~1.2 ms of 8+ (two edits) on the loaded 2-core machine.
      assert.ok(ms < 5000, `${ms.toFixed(0)} ms for 1,000 words`);
    });
  });

  describe('brandLikeWords', () => {
    it('finds words with capitals after the first letter, unless the whole query is in capitals', () => {
      assert.deepEqual([...brandLikeWords('IKEA Hemnes iPhone sofa')], ['ikea', 'iphone']);
      assert.deepEqual([...brandLikeWords('GRYE SOFA')], []);
      assert.deepEqual([...brandLikeWords('Grye sofa')], []);
    });
  });

  describe('extractFilters with a speller', () => {
    const rules = compileRules(
      parseRules(
        {
          fields: {
            color: { grey: ['grey', 'gray'], blue: ['blue'] },
            material: { walnut: ['walnut'], linen: ['linen'] },
            category: { sofa: ['sofa', 'couch'], bookcase: ['bookcase', 'bookshelf'] },
          },
          price: { field: 'price', currency: ['$'] },
        },
        'test',
      ),
    );
    const withSpeller = spellerFor(rules, [['comfy', 3]]);
    const extract = (query: string): ReturnType<typeof toJsonOutput> =>
      toJsonOutput(extractFilters(query, rules, { speller: withSpeller }));

    it('turns a misspelt colour into its filter and says so', () => {
      assert.deepEqual(extract('grye sofa'), {
        text: '',
        filters: { color: ['grey'], category: ['sofa'] },
        corrections: [{ from: 'grye', to: 'grey' }],
      });
    });

    it('corrects a material, a category, and a word left for the text', () => {
      assert.deepEqual(extract('wallnut bookcsae comfyy'), {
        text: 'comfy',
        filters: { material: ['walnut'], category: ['bookcase'] },
        corrections: [
          { from: 'wallnut', to: 'walnut' },
          { from: 'bookcsae', to: 'bookcase' },
          { from: 'comfyy', to: 'comfy' },
        ],
      });
    });

    it('leaves exact words, plurals, prices, negations and brand-like words alone', () => {
      assert.deepEqual(extract('sofas under $500 without linen'), {
        text: '',
        filters: { category: ['sofa'], price: { lte: 500 } },
        exclude: { material: ['linen'] },
      });
      assert.deepEqual(extract('WallNut sofa'), { text: 'wallnut', filters: { category: ['sofa'] } });
    });

    it('corrects nothing without a speller', () => {
      assert.deepEqual(toJsonOutput(extractFilters('grye sofa', rules)), {
        text: 'grye',
        filters: { category: ['sofa'] },
      });
    });
  });
});
