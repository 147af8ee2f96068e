import assert from 'node:assert/strict';
import { MemoryCache } from '../../../../../workloads/search/service/cache/memory-cache.js';

const HOUR = 3600 * 1000;

describe('MemoryCache', () => {
  it('returns a stored embedding until its TTL passes', async () => {
    let now = 0;
    const cache = new MemoryCache({ now: () => now });
    await cache.setEmbedding('k', new Float32Array([1, 2]), 10);
    assert.deepEqual([...((await cache.getEmbeddings(['k', 'other']))[0] ?? [])], [1, 2]);
    assert.equal((await cache.getEmbeddings(['other']))[0], undefined);
    now = 10_000;
    assert.equal((await cache.getEmbeddings(['k']))[0], undefined);
  });

  it('keeps at most maxEmbeddings, dropping the least recently used', async () => {
    const cache = new MemoryCache({ maxEmbeddings: 2 });
    await cache.setEmbedding('a', new Float32Array([1]), 60);
    await cache.setEmbedding('b', new Float32Array([2]), 60);
    await cache.getEmbeddings(['a']); // a is now more recent than b
    await cache.setEmbedding('c', new Float32Array([3]), 60);
    const [a, b, c] = await cache.getEmbeddings(['a', 'b', 'c']);
    assert.ok(a && c);
    assert.equal(b, undefined);
  });

  it('counts popular queries with a half-life', async () => {
    let now = 0;
    const cache = new MemoryCache({ now: () => now, halfLifeMs: HOUR });
    await cache.recordQuery('old');
    await cache.recordQuery('old');
    now = HOUR;
    await cache.recordQuery('new');
    // "old" counted 2 an hour ago: worth 1 now, tied with "new"; ties sort alphabetically.
    assert.deepEqual(await cache.popularQueries({ limit: 10 }), [
      { query: 'new', count: 1 },
      { query: 'old', count: 1 },
    ]);
    now = 2 * HOUR;
    await cache.recordQuery('new');
    const ranked = await cache.popularQueries({ limit: 10 });
    assert.deepEqual(
      ranked.map((q) => q.query),
      ['new', 'old'],
    );
    assert.ok(Math.abs((ranked[0]?.count ?? 0) - 1.5) < 1e-9);
  });

  it('filters popular queries by prefix and limit', async () => {
    const cache = new MemoryCache();
    for (const q of ['red boots', 'red boots', 'red dress', 'blue boots']) await cache.recordQuery(q);
    assert.deepEqual(
      (await cache.popularQueries({ prefix: 'red', limit: 10 })).map((q) => q.query),
      ['red boots', 'red dress'],
    );
    assert.deepEqual(
      (await cache.popularQueries({ prefix: 'red', limit: 1 })).map((q) => q.query),
      ['red boots'],
    );
  });

  it('keeps the most popular queries when over maxEntries (trimming past a 10% slack)', async () => {
    const cache = new MemoryCache({ maxEntries: 10 });
    for (let i = 0; i < 10; i += 1) {
      await cache.recordQuery(`keep ${i}`);
      await cache.recordQuery(`keep ${i}`);
    }
    for (let i = 0; i < 50; i += 1) await cache.recordQuery(`drop ${i}`);
    const all = await cache.popularQueries({ limit: 100 });
    assert.ok(all.length <= 11, `${all.length} entries`);
    for (let i = 0; i < 10; i += 1)
      assert.ok(
        all.some((q) => q.query === `keep ${i}`),
        `keep ${i}`,
      );
  });
});
