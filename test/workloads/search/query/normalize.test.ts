import { strict as assert } from 'node:assert';
import { normalizeQuery, normalizeText } from '../../../../workloads/search/query/normalize.js';

describe('workloads/search/query/normalize', () => {
  describe('normalizeText', () => {
    it('lowercases and strips diacritics, so "Café" and "cafe" are one word', () => {
      assert.equal(normalizeText('Café CRÈME Ünïcødé'), 'cafe creme unicøde');
    });

    it('folds compatibility forms: fullwidth digits and ligatures', () => {
      assert.equal(normalizeText('ＵＮＤＥＲ ５０ ﬁne'), 'under 50 fine');
    });
  });

  describe('normalizeQuery', () => {
    it('folds case, accents and spacing into one query', () => {
      assert.equal(normalizeQuery('  Café   BLEU\tBoots '), 'cafe bleu boots');
    });
  });
});
