import { strict as assert } from 'node:assert';
import { complement, contains, intersect, nextEdge, normalize } from '../../../operator/schedule/intervals.js';

describe('normalize', () => {
  it('sorts, drops empty intervals and merges overlapping and touching ones', () => {
    assert.deepEqual(
      normalize([
        [5, 7],
        [1, 3],
        [3, 4],
        [2, 2],
        [6, 9],
      ]),
      [
        [1, 4],
        [5, 9],
      ],
    );
  });
});

describe('complement', () => {
  it('swaps inside and outside, open ends included', () => {
    assert.deepEqual(
      complement([
        [1, 4],
        [5, 9],
      ]),
      [
        [-Infinity, 1],
        [4, 5],
        [9, Infinity],
      ],
    );
    assert.deepEqual(complement([[-Infinity, Infinity]]), []);
    assert.deepEqual(complement([]), [[-Infinity, Infinity]]);
  });
});

describe('intersect', () => {
  it('keeps what both sets share', () => {
    assert.deepEqual(
      intersect(
        [
          [1, 4],
          [5, 9],
        ],
        [
          [3, 6],
          [8, Infinity],
        ],
      ),
      [
        [3, 4],
        [5, 6],
        [8, 9],
      ],
    );
  });
});

describe('contains', () => {
  it('includes starts and excludes ends', () => {
    assert.equal(contains([[1, 4]], 1), true);
    assert.equal(contains([[1, 4]], 4), false);
  });
});

describe('nextEdge', () => {
  it('gives the end of the interval an instant is in, the next start otherwise, and null past the limit', () => {
    const set = [
      [1, 4],
      [5, Infinity],
    ] as const;
    assert.equal(nextEdge(set, 2, 100), 4);
    assert.equal(nextEdge(set, 4, 100), 5);
    assert.equal(nextEdge(set, 5, 100), null);
    assert.equal(nextEdge(set, 0, 0.5), null);
  });
});
