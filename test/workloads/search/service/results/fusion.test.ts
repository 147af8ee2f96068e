import { strict as assert } from 'node:assert';
import { reciprocalRankFusion, RRF_K } from '../../../../../workloads/search/service/results/fusion.js';

describe('workloads/search/service/results/fusion', () => {
  describe('reciprocalRankFusion', () => {
    it('sums 1 / (60 + rank) over the rankings a row is in', () => {
      const fused = reciprocalRankFusion([
        [7, 3, 5],
        [3, 9],
      ]);
      assert.deepEqual(
        fused.map((f) => f.row),
        [3, 7, 9, 5],
      );
      assert.equal(fused[0]?.score, 1 / (RRF_K + 2) + 1 / (RRF_K + 1));
      assert.equal(fused[1]?.score, 1 / (RRF_K + 1));
    });

    it('breaks a tie by the better rank, then the lower row', () => {
      assert.deepEqual(
        reciprocalRankFusion([
          [4, 1],
          [2, 8],
        ]).map((f) => f.row),
        [2, 4, 1, 8],
      );
    });
  });
});
