import { strict as assert } from 'node:assert';
import { meanPoolNormalize } from '../../../../workloads/search/embedder/pooling.js';

describe('workloads/search/embedder/pooling', () => {
  describe('meanPoolNormalize', () => {
    it('averages the unmasked token vectors of each row and scales the mean to unit length', () => {
      // batch 2, sequence 3, dims 2; row 0 has a padded last token, whose vector must not count.
      const data = Float32Array.from([3, 0, 0, 4, 100, 100, 1, 1, 1, 1, 1, 1]);
      const [first, second] = meanPoolNormalize(
        { data, dims: [2, 3, 2] },
        BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 1n]),
      );
      assert.deepEqual(first, Float32Array.from([0.6, 0.8]));
      assert.ok(second);
      assert.ok(
        Math.abs((second[0] as number) - Math.SQRT1_2) < 1e-7 && Math.abs((second[1] as number) - Math.SQRT1_2) < 1e-7,
      );
    });

    it('gives NaN for a row with nothing to pool, for the caller to report', () => {
      const [row] = meanPoolNormalize({ data: new Float32Array(4), dims: [1, 2, 2] }, [1, 1]);
      assert.ok(row && Number.isNaN(row[0]));
    });

    it('rejects inputs whose sizes disagree', () => {
      assert.throws(
        () => meanPoolNormalize({ data: new Float32Array(6), dims: [2, 3] }, [1, 1]),
        /shaped \[batch, sequence, dims\], got \[2, 3\]/,
      );
      assert.throws(
        () => meanPoolNormalize({ data: new Float32Array(5), dims: [1, 3, 2] }, [1, 1, 1]),
        /hold 5 values, \[1, 3, 2\] needs 6/,
      );
      assert.throws(
        () => meanPoolNormalize({ data: new Float32Array(6), dims: [1, 3, 2] }, [1, 1]),
        /attention mask has 2 entries for \[1, 3\] tokens/,
      );
    });
  });
});
