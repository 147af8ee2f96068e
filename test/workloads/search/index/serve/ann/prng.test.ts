import { strict as assert } from 'node:assert';
import { hashString, Prng } from '../../../../../../workloads/search/index/serve/ann/prng.js';

describe('workloads/search/index/serve/ann/prng', () => {
  describe('hashString', () => {
    it('is FNV-1a 32-bit', () => {
      // Published FNV-1a test vectors.
      assert.equal(hashString(''), 0x811c9dc5);
      assert.equal(hashString('a'), 0xe40c292c);
      assert.equal(hashString('foobar'), 0xbf9cf968);
      assert.notEqual(hashString('a', 1), hashString('a'));
    });
  });

  describe('Prng', () => {
    it('repeats its sequence for a seed (fixed values, so a change to the generator is noticed)', () => {
      const prng = new Prng(42);
      const values = [prng.nextUint32(), prng.nextUint32(), prng.nextUint32()];
      const again = new Prng(42);
      assert.deepEqual([again.nextUint32(), again.nextUint32(), again.nextUint32()], values);
      assert.deepEqual(values, [2581720956, 1925393290, 3661312704]);
    });

    it('draws within bounds and roughly uniformly', () => {
      const prng = new Prng(1);
      const counts = [0, 0, 0, 0];
      for (let i = 0; i < 40_000; i += 1) {
        const value = prng.int(0, 3);
        counts[value] = (counts[value] ?? 0) + 1;
        const unit = prng.next();
        assert.ok(unit >= 0 && unit < 1);
      }
      for (const count of counts) assert.ok(Math.abs(count - 10_000) < 500, String(counts));
    });

    it('samples distinct items', () => {
      const sample = new Prng(3).sample(['a', 'b', 'c', 'd', 'e'], 3);
      assert.equal(sample.length, 3);
      assert.equal(new Set(sample).size, 3);
      assert.deepEqual(new Prng(3).sample(['a'], 5), ['a']);
    });

    it('refuses what it cannot do', () => {
      assert.throws(() => new Prng(1.5), /seed must be an integer \(got 1\.5\)/);
      assert.throws(() => new Prng(1).pick([]), /empty list/);
      assert.throws(() => new Prng(1).int(3, 2), /max 2 < min 3/);
    });
  });
});
