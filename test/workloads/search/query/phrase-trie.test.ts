import { strict as assert } from 'node:assert';
import { PhraseTrie } from '../../../../workloads/search/query/phrase-trie.js';

describe('workloads/search/query/phrase-trie', () => {
  describe('PhraseTrie', () => {
    const trie = new PhraseTrie<string>();
    trie.set(['navy'], 'navy');
    trie.set(['navy', 'blue'], 'navy');
    trie.set(['blue'], 'blue');
    trie.set(['a', 'b', 'c'], 'abc');
    const words = (text: string) => text.split(' ');

    it('finds the longest phrase from a start token', () => {
      const tokens = words('navy blue dress');
      const match = trie.longest(
        0,
        (i) => tokens[i] ?? '',
        (i) => (i + 1 < tokens.length ? i + 1 : -1),
      );
      assert.deepEqual(match, { value: 'navy', lastIndex: 1 });
    });

    it('falls back to a shorter phrase when the longer one is incomplete', () => {
      const tokens = words('a b x');
      assert.equal(
        trie.longest(
          0,
          (i) => tokens[i] ?? '',
          (i) => (i + 1 < tokens.length ? i + 1 : -1),
        ),
        undefined,
      );
      const navy = words('navy x');
      assert.deepEqual(
        trie.longest(
          0,
          (i) => navy[i] ?? '',
          (i) => (i + 1 < navy.length ? i + 1 : -1),
        ),
        { value: 'navy', lastIndex: 0 },
      );
    });

    it('stops where follow says a phrase cannot continue', () => {
      const tokens = words('navy blue');
      assert.deepEqual(
        trie.longest(
          0,
          (i) => tokens[i] ?? '',
          () => -1,
        ),
        { value: 'navy', lastIndex: 0 },
      );
    });

    it('gets exact sequences and refuses an empty one', () => {
      assert.equal(trie.get(['navy', 'blue']), 'navy');
      assert.equal(trie.get(['a', 'b']), undefined);
      assert.throws(() => trie.set([], 'x'), /empty key sequence/);
    });
  });
});
