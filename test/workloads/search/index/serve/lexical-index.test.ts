import { strict as assert } from 'node:assert';
import { LexicalIndex, queryTerms } from '../../../../../workloads/search/index/serve/lexical-index.js';
import type { Product } from '../../../../../workloads/search/index/format/products.js';

const products: Product[] = [
  { id: 'a', title: 'Grey Linen Sofa', description: 'A comfy seat for the living room.', price: 900, color: 'grey' },
  {
    id: 'b',
    title: 'Oak Bookcase',
    description: 'Shelves for the living room or a study.',
    price: 300,
    color: 'natural',
  },
  { id: 'c', title: 'Velvet Armchair', description: 'Deep seat and plush arms.', price: 600, material: 'velvet' },
  { id: 'd', title: 'Sofas and seats', description: 'Nothing but a catalog page.', price: 1, tags: ['sofa', 'grey'] },
];

const ranking = (index: LexicalIndex, text: string): string[] => {
  const { rows, scores } = index.match(queryTerms(text));
  return [...rows].sort((x, y) => (scores[y] as number) - (scores[x] as number) || x - y).map((r) => products[r]!.id);
};

describe('workloads/search/index/serve/lexical-index', () => {
  describe('queryTerms', () => {
    it('keeps the words that say something, plural-folded, once each', () => {
      // The keys are the query understanding's lookup keys ("comfy" folds to "comf+", as "comfies" would).
      assert.deepEqual(queryTerms('Comfy SEATS for the living room, comfy!'), ['comf+', 'seat', 'living', 'room']);
    });

    it('drops a negated word, an article in between included', () => {
      assert.deepEqual(queryTerms('sofa without the arms -velvet not leather'), ['sofa']);
    });
  });

  describe('LexicalIndex', () => {
    const index = LexicalIndex.build(products);

    it('ranks a product with more of the words first, and a word in a title above one in a description', () => {
      // a: all four words; b: two; d: "seats" in its title; c: "seat" in its description.
      assert.deepEqual(ranking(index, 'comfy seat living room'), ['a', 'b', 'd', 'c']);
      assert.deepEqual(ranking(index, 'sofa'), ['d', 'a'], 'd has it in its title and its tags');
    });

    it('finds plurals and attribute values', () => {
      assert.deepEqual(ranking(index, 'bookcases'), ['b']);
      assert.deepEqual(ranking(index, 'velvet'), ['c']);
      assert.deepEqual(ranking(index, 'natural'), ['b']);
    });

    it('matches nothing for words no product has', () => {
      assert.deepEqual(ranking(index, 'marble lamp'), []);
    });

    it('counts the products having each catalog word, for typo tolerance', () => {
      const words = new Map(index.words);
      assert.equal(words.get('grey'), 2);
      assert.equal(words.get('room'), 2);
      assert.equal(words.get('sofas'), 1);
    });

    it('reads back from its bytes exactly', () => {
      const copy = LexicalIndex.fromBytes(index.toBytes());
      for (const text of ['comfy seat living room', 'sofa', 'velvet arms']) {
        const a = index.match(queryTerms(text));
        const b = copy.match(queryTerms(text));
        assert.deepEqual(Array.from(b.scores), Array.from(a.scores));
      }
      assert.deepEqual(copy.words, index.words);
    });

    it('refuses bytes that are not a whole lexical index, saying why', () => {
      const bytes = index.toBytes();
      assert.throws(() => LexicalIndex.fromBytes(Buffer.from('not an index')), /no RPLEX001 header/);
      assert.throws(() => LexicalIndex.fromBytes(bytes.subarray(0, bytes.length - 4)), /bytes, \d+ expected/);
    });
  });
});
