import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFilters, toJsonOutput, type FilterJson } from '../../../../workloads/search/query/extract-filters.js';
import { compileRules, loadRules, parseRules } from '../../../../workloads/search/query/rules.js';

const rules = loadRules(join(import.meta.dirname, '..', '..', '..', 'fixtures', 'search', 'filters.json'));
const extract = (query: string): FilterJson => toJsonOutput(extractFilters(query, rules));

type Case = readonly [query: string, expected: FilterJson];

function table(cases: readonly Case[]): void {
  for (const [query, expected] of cases) {
    it(`${JSON.stringify(query)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(extract(query), expected));
  }
}

describe('workloads/search/query/extract-filters', () => {
  describe('extractFilters', () => {
    describe('phrases', () => {
      table([
        ['red leather boots', { text: '', filters: { color: ['red'], material: ['leather'], category: ['boots'] } }],
        ['Red LEATHER Boots!!!', { text: '', filters: { color: ['red'], material: ['leather'], category: ['boots'] } }],
        ['comfy red boots for hiking', { text: 'comfy for hiking', filters: { color: ['red'], category: ['boots'] } }],
        ['crimson scarlet red', { text: '', filters: { color: ['red'] } }],
        ['scarlet and navy', { text: '', filters: { color: ['red', 'navy'] } }],
        ['Café Bleu mug', { text: '', filters: { brand: ['Café Bleu'], category: ['mug'] } }],
        ['cafe bleu', { text: '', filters: { brand: ['Café Bleu'] } }],
        ["Levi's jeans", { text: '', filters: { brand: ["Levi's"], category: ['jeans'] } }],
        ['levis 501', { text: '501', filters: { brand: ["Levi's"] } }],
        ['dr. martens', { text: '', filters: { brand: ['Dr. Martens'] } }],
      ]);
    });

    describe('whole words only', () => {
      table([
        ['credit card shredder', { text: 'credit card shredder' }],
        ['standard fit', { text: 'standard fit' }],
        ['tandem bike', { text: 'tandem bike' }],
        ['redwood bookshelf', { text: 'redwood bookshelf' }],
        ['woolly mammoth toy', { text: 'woolly mammoth toy' }],
        ['bootcut jeans', { text: 'bootcut', filters: { category: ['jeans'] } }],
        ['tee-ball set', { text: 'ball set', filters: { category: ['t-shirt'] } }],
      ]);
    });

    describe('longest phrase wins', () => {
      table([
        ['navy blue dress', { text: '', filters: { color: ['navy'], category: ['dress'] } }],
        ['dark blue jeans', { text: '', filters: { color: ['navy'], category: ['jeans'] } }],
        ['light blue tee', { text: '', filters: { color: ['blue'], category: ['t-shirt'] } }],
        ['blue navy', { text: '', filters: { color: ['blue', 'navy'] } }],
        ['genuine leather chelsea boots', { text: '', filters: { material: ['leather'], category: ['boots'] } }],
        ['off white sneakers', { text: '', filters: { color: ['white'], category: ['sneakers'] } }],
        ['air max 90 sneakers', { text: '', filters: { brand: ['Nike Air Max 90'], category: ['sneakers'] } }],
        ['air max sneakers', { text: 'air max', filters: { category: ['sneakers'] } }],
      ]);
    });

    describe('punctuation', () => {
      table([
        ['navy-blue t-shirt', { text: '', filters: { color: ['navy'], category: ['t-shirt'] } }],
        ['t shirt', { text: '', filters: { category: ['t-shirt'] } }],
        ['(navy blue)', { text: '', filters: { color: ['navy'] } }],
        // A comma separates two values; it does not join them into "navy blue".
        ['navy, blue', { text: '', filters: { color: ['navy', 'blue'] } }],
        ['x-large t-shirt', { text: 'x-large', filters: { category: ['t-shirt'] } }],
      ]);
    });

    describe('plurals fold both ways', () => {
      table([
        ['boots', { text: '', filters: { category: ['boots'] } }],
        ['boot', { text: '', filters: { category: ['boots'] } }],
        ['dresses', { text: '', filters: { category: ['dress'] } }],
        ['ankle boots', { text: '', filters: { category: ['boots'] } }],
        ['berries', { text: '', filters: { color: ['berry'] } }],
        ['hoodies', { text: '', filters: { category: ['hoodie'] } }],
        ['running shoes', { text: '', filters: { category: ['sneakers'] } }],
        ['backpacks', { text: '', filters: { category: ['backpack'] } }],
        // not over-folded: "glasses" is eyewear, "short" is not "shorts"
        ['glasses', { text: 'glasses' }],
        ['glass vase', { text: 'vase', filters: { material: ['glass'] } }],
        ['short dress', { text: 'short', filters: { category: ['dress'] } }],
        ['shorts', { text: '', filters: { category: ['shorts'] } }],
      ]);
    });

    describe('negation', () => {
      table([
        ['dress without wool', { text: '', filters: { category: ['dress'] }, exclude: { material: ['wool'] } }],
        ['boots no leather', { text: '', filters: { category: ['boots'] }, exclude: { material: ['leather'] } }],
        ['not red', { text: '', exclude: { color: ['red'] } }],
        ['-red sneakers', { text: '', filters: { category: ['sneakers'] }, exclude: { color: ['red'] } }],
        [
          'sneakers -red -nike',
          { text: '', filters: { category: ['sneakers'] }, exclude: { color: ['red'], brand: ['Nike'] } },
        ],
        ['shirt without navy blue', { text: 'shirt', exclude: { color: ['navy'] } }],
        ['jacket -navy blue', { text: 'jacket', exclude: { color: ['navy'] } }],
        ['hoodie without the wool', { text: '', filters: { category: ['hoodie'] }, exclude: { material: ['wool'] } }],
        ['without red or blue', { text: '', exclude: { color: ['red', 'blue'] } }],
        ['neither red nor blue', { text: '', exclude: { color: ['red', 'blue'] } }],
        ['non-leather boots', { text: '', filters: { category: ['boots'] }, exclude: { material: ['leather'] } }],
        ['excluding suede', { text: '', exclude: { material: ['suede'] } }],
        // A negated word that matches nothing stays, negation included: embedding "pockets" alone would ask for pockets.
        ['dress without pockets', { text: 'without pockets', filters: { category: ['dress'] } }],
        ['-fluffy hoodie', { text: '-fluffy', filters: { category: ['hoodie'] } }],
        ['no', { text: 'no' }],
        // A phrase that starts with a negation word is the phrase.
        ['no fear shirt', { text: 'shirt', filters: { brand: ['No Fear'] } }],
        ['without no fear', { text: '', exclude: { brand: ['No Fear'] } }],
        // Excluding wins over requiring the same value.
        ['red shoes not red', { text: 'shoes', exclude: { color: ['red'] } }],
        // Dashes that are not at the start of a word do not negate.
        ['t-shirt red', { text: '', filters: { category: ['t-shirt'], color: ['red'] } }],
        ['sneakers - red', { text: '', filters: { category: ['sneakers'], color: ['red'] } }],
      ]);
    });

    describe('text', () => {
      table([
        ['  warm   WINTER   coat  ', { text: 'warm winter coat' }],
        ['Crème brûlée mug', { text: 'creme brulee', filters: { category: ['mug'] } }],
        ['iphone 13-15 case', { text: 'iphone 13-15 case' }],
        ['50% cotton tee', { text: '50%', filters: { material: ['cotton'], category: ['t-shirt'] } }],
        ['red-ish', { text: 'ish', filters: { color: ['red'] } }],
        ['', { text: '' }],
        ['!!!', { text: '' }],
      ]);
    });

    it('returns the price with its field, the other parts as plain records', () => {
      assert.deepEqual(extractFilters('red boots -wool under $80', rules), {
        text: '',
        filters: { color: ['red'], category: ['boots'] },
        price: { field: 'price', lte: 80 },
        exclude: { material: ['wool'] },
        corrections: [],
      });
    });

    it('extracts no price without a price section in the rules', () => {
      const noPrice = compileRules(parseRules({ fields: { color: { red: ['red'] } } }, 'inline'));
      assert.deepEqual(extractFilters('red under $50', noPrice), {
        text: 'under $50',
        filters: { color: ['red'] },
        exclude: {},
        corrections: [],
      });
    });

    it('keeps a field named __proto__ as a plain key', () => {
      const odd = compileRules(parseRules(JSON.parse('{"fields": {"__proto__": {"x": ["xylophone"]}}}'), 'inline'));
      const json = toJsonOutput(extractFilters('xylophone', odd));
      assert.deepEqual(Object.keys(json.filters ?? {}), ['__proto__']);
      assert.equal(Object.getPrototypeOf(json.filters), Object.prototype);
    });

    it('handles a long query in time that does not grow with the rules (lookups, not a scan of the rules per word)', () => {
      // Timing on a shared 2-core machine is noisy, so this compares the same query against the fixture's rules and
      // against rules with 2,000 more colours, each the best of several rounds: a scan of the rules per word would
      // be some 50 times slower with the large rules, lookups about as fast.
      const fixture = JSON.parse(
        readFileSync(join(import.meta.dirname, '..', '..', '..', 'fixtures', 'search', 'filters.json'), 'utf8'),
      ) as { fields: Record<string, Record<string, string[]>> };
      const large = structuredClone(fixture);
      for (let i = 0; i < 2000; i += 1) large.fields.color![`shade${i}`] = [`shade${i}`, `deep shade${i}`];
      const largeRules = compileRules(parseRules(large, 'large rules'));
      const query = Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? 'navy blue' : `word${i}`)).join(' ');
      const bestMs = (compiled: typeof rules): number => {
        let best = Infinity;
        for (let round = 0; round < 5; round += 1) {
          const started = process.hrtime.bigint();
          for (let i = 0; i < 20; i += 1) extractFilters(query, compiled);
          best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6 / 20);
        }
        return best;
      };
      bestMs(rules); // warm up both paths (JIT) before measuring
      const small = bestMs(rules);
      const big = bestMs(largeRules);
      assert.ok(big < small * 5 + 1, `${big.toFixed(2)} ms with 2,000 more colours vs ${small.toFixed(2)} ms`);
      assert.deepEqual(extractFilters(query, largeRules).filters.color, ['navy']);
    });
  });

  describe('toJsonOutput', () => {
    it('omits empty filters and exclude, keeps text', () => {
      assert.deepEqual(toJsonOutput({ text: 'warm coat', filters: {}, exclude: {}, corrections: [] }), {
        text: 'warm coat',
      });
    });

    it('puts the price bounds under the price field, after the other filters', () => {
      const json = toJsonOutput({
        text: '',
        filters: { color: ['red'] },
        price: { field: 'cost', gte: 20 },
        exclude: {},
        corrections: [],
      });
      assert.equal(JSON.stringify(json), '{"text":"","filters":{"color":["red"],"cost":{"gte":20}}}');
    });
  });
});
