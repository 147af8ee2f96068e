import { strict as assert } from 'node:assert';
import { normalizeQuery } from '../../../../../workloads/search/query/normalize.js';
import { unsuggestableReason } from '../../../../../workloads/search/service/popular/suggestion-text.js';

describe('workloads/search/service/popular/suggestion-text', () => {
  describe('unsuggestableReason', () => {
    for (const query of [
      'red boots',
      "levi's 501",
      't-shirt',
      '2.5l water bottle',
      'h&m dress',
      'dr. martens boots',
      'boots under $50',
      '50% off sneakers',
      'café bleu',
    ]) {
      it(`lets "${query}" be suggested`, () => {
        assert.equal(unsuggestableReason(normalizeQuery(query)), undefined);
      });
    }

    const refused: Array<[string, string, RegExp]> = [
      ['markup', 'red <img src=x onerror=alert(1)> buy at evil.example', /characters that are not/],
      ['a NUL byte', 'red\u0000boots', /characters that are not/],
      ['an ANSI escape', 'red \u001b[31mboots', /characters that are not/],
      ['a domain', 'red boots at evil.example', /web address/],
      ['a URL scheme', 'www evil com', /web address/],
      ['an e-mail address', 'write me@evil.example', /characters that are not/],
      ['a card number', 'boots 4111111111111111', /long run of digits/],
      ['only digits', '12345', /no letters/],
      ['one character', 'r', /too short/],
      ['too many characters', 'boots '.repeat(12).trim(), /longer than 64 characters/],
      ['too many words', 'a b c d e f g h i', /more than 8 words/],
    ];
    for (const [what, query, reason] of refused) {
      it(`refuses ${what}`, () => {
        assert.match(unsuggestableReason(normalizeQuery(query)) ?? 'suggestable', reason);
      });
    }

    it('counts characters, not UTF-16 units', () => {
      assert.equal(unsuggestableReason('é'.repeat(64), { maxLength: 64, maxWords: 8 }), undefined);
      assert.equal(unsuggestableReason('𝒷'.repeat(20), { maxLength: 20, maxWords: 8 }), undefined);
    });
  });
});
