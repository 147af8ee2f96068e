import { strict as assert } from 'node:assert';
import { matchKey, singularize, tokenize } from '../../../../workloads/search/query/tokenize.js';

describe('workloads/search/query/tokenize', () => {
  describe('tokenize', () => {
    it('reads thousands separators and decimals as one number', () => {
      const tokens = tokenize('1,299.99 and 19.99 and 1,2');
      assert.deepEqual(
        tokens.filter((t) => t.kind === 'number').map((t) => t.value),
        [1299.99, 19.99, 1, 2],
      );
    });

    it('keeps dashes and currency symbols as tokens and records what separates tokens', () => {
      const tokens = tokenize('$20-$40, t-shirt');
      assert.deepEqual(
        tokens.map((t) => `${t.kind}:${t.raw}`),
        ['symbol:$', 'number:20', 'dash:-', 'symbol:$', 'number:40', 'word:t', 'dash:-', 'word:shirt'],
      );
      assert.deepEqual(
        tokens.map((t) => t.gap),
        ['', '', '', '', '', ', ', '', ''],
      );
      assert.equal(tokens[5]?.isBreakBefore, true);
    });

    it('keeps a number glued to letters as one word and remembers the number', () => {
      const [token] = tokenize('20usd');
      assert.equal(token?.kind, 'word');
      assert.deepEqual(token?.numberPrefix, { value: 20, suffixKey: 'usd' });
    });

    it('marks percentages', () => {
      const [token] = tokenize('50% off');
      assert.equal(token?.raw, '50%');
      assert.equal(token?.isPercent, true);
    });

    it('keeps apostrophes inside a word and drops them from its key', () => {
      const [token] = tokenize("levi's");
      assert.equal(token?.raw, "levi's");
      assert.equal(token?.key, 'levis');
    });
  });

  describe('singularize', () => {
    const cases: Array<[string, string]> = [
      ['boots', 'boot'],
      ['dresses', 'dress'],
      ['berries', 'berry'],
      ['boxes', 'box'],
      ['watches', 'watch'],
      ['dishes', 'dish'],
      ['shoes', 'shoe'],
      ['ties', 'tie'],
      ['mens', 'man'],
      ['women', 'woman'],
      // not over-folded
      ['glass', 'glass'],
      ['bus', 'bus'],
      ['us', 'us'],
      ['gas', 'gas'],
      ['status', 'status'],
      ['analysis', 'analysis'],
      ['dress', 'dress'],
      ['shorts', 'shorts'],
      ['jeans', 'jeans'],
      ['glasses', 'glasses'],
      ['series', 'series'],
      ['canvas', 'canvas'],
      ['boot', 'boot'],
    ];
    for (const [plural, singular] of cases) {
      it(`${plural} → ${singular}`, () => assert.equal(singularize(plural), singular));
    }
  });

  describe('matchKey', () => {
    const pairs: Array<[string, string]> = [
      ['hoodie', 'hoodies'],
      ['berry', 'berries'],
      ['tomato', 'tomatoes'],
      ['knife', 'knives'],
      ['glove', 'gloves'],
      ['shelf', 'shelves'],
      ['niche', 'niches'],
      ['boot', 'boots'],
      ['dress', 'dresses'],
      ['movie', 'movies'],
    ];
    for (const [one, many] of pairs) {
      it(`gives "${one}" and "${many}" the same key`, () => assert.equal(matchKey(one), matchKey(many)));
    }

    it('keeps distinct words apart', () => {
      for (const [a, b] of [
        ['glass', 'glasses'],
        ['short', 'shorts'],
        ['us', 'u'],
        ['bus', 'bu'],
        ['navi', 'navy'],
      ]) {
        assert.notEqual(matchKey(a as string), matchKey(b as string), `${a} vs ${b}`);
      }
    });

    it('leaves words with digits or non-ASCII letters alone', () => {
      assert.equal(matchKey('501s'), '501s');
      assert.equal(matchKey('ørsted'), 'ørsted');
    });
  });
});
