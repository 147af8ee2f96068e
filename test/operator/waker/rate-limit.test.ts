import { strict as assert } from 'node:assert';
import { PerKeyInterval, TokenBucket } from '../../../operator/waker/rate-limit.js';

describe('TokenBucket', () => {
  it('gives its burst at once, then refills at its rate', () => {
    const bucket = new TokenBucket(3, 6, 0); // one token every 10 s
    assert.deepEqual(
      [0, 0, 0, 0].map(() => bucket.take(0)),
      [true, true, true, false],
    );
    assert.equal(bucket.take(9_999), false);
    assert.equal(bucket.take(10_000), true);
    assert.equal(bucket.take(10_000), false);
    // Never more than the burst, however long it was idle.
    assert.deepEqual(
      [0, 0, 0, 0].map(() => bucket.take(3_600_000)),
      [true, true, true, false],
    );
  });
});

describe('PerKeyInterval', () => {
  it('shares one answer per key until the interval is over', async () => {
    const limit = new PerKeyInterval<string>(30_000);
    assert.equal(limit.recent('dev', 0), undefined);
    limit.record('dev', 0, Promise.resolve('first'));
    assert.equal(await limit.recent('dev', 29_999), 'first');
    assert.equal(limit.recent('staging', 1), undefined);
    assert.equal(limit.recent('dev', 30_000), undefined);
  });
});
