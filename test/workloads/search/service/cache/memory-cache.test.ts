import assert from 'node:assert/strict';
import { MemoryCache } from '../../../../../workloads/search/service/cache/memory-cache.js';
import { COUNT_AT_ONCE, searched } from '../../../../helpers/searched.js';

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
    const cache = new MemoryCache({ now: () => now, halfLifeMs: HOUR, ...COUNT_AT_ONCE });
    await cache.recordQueries([searched('old', now)]);
    await cache.recordQueries([searched('old', now)]);
    now = HOUR;
    await cache.recordQueries([searched('new', now)]);
    // "old" counted 2 an hour ago: worth 1 now, tied with "new"; ties sort alphabetically.
    assert.deepEqual(await cache.popularQueries({ limit: 10 }), [
      { query: 'new', count: 1 },
      { query: 'old', count: 1 },
    ]);
    now = 2 * HOUR;
    await cache.recordQueries([searched('new', now)]);
    const ranked = await cache.popularQueries({ limit: 10 });
    assert.deepEqual(
      ranked.map((q) => q.query),
      ['new', 'old'],
    );
    assert.ok(Math.abs((ranked[0]?.count ?? 0) - 1.5) < 1e-9);
  });

  it('filters popular queries by prefix and limit', async () => {
    const cache = new MemoryCache(COUNT_AT_ONCE);
    for (const q of ['red boots', 'red boots', 'red dress', 'blue boots']) await cache.recordQueries([searched(q, 0)]);
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
    const now = 0;
    const cache = new MemoryCache({ maxEntries: 10, ...COUNT_AT_ONCE });
    for (let i = 0; i < 10; i += 1) {
      await cache.recordQueries([searched(`keep ${i}`, now)]);
      await cache.recordQueries([searched(`keep ${i}`, now)]);
    }
    for (let i = 0; i < 50; i += 1) await cache.recordQueries([searched(`drop ${i}`, now)]);
    const all = await cache.popularQueries({ limit: 100 });
    assert.ok(all.length <= 11, `${all.length} entries`);
    for (let i = 0; i < 10; i += 1)
      assert.ok(
        all.some((q) => q.query === `keep ${i}`),
        `keep ${i}`,
      );
  });

  describe('promotion: a query is popular only after enough distinct clients over enough time', () => {
    const MINUTE = 60_000;
    const rules = { minClients: 3, minAgeMs: 60 * MINUTE } as const;

    it('never promotes what one client searches, however often', async () => {
      let now = 0;
      const cache = new MemoryCache({ now: () => now, ...rules });
      for (let i = 0; i < 1000; i += 1) {
        await cache.recordQueries([searched('red boots', now, { clients: ['one-client'] })]);
        now += MINUTE;
      }
      assert.deepEqual(await cache.popularQueries({ limit: 10 }), []);
    });

    it('waits for the first search to be old enough, then counts every search made so far', async () => {
      let now = 0;
      const cache = new MemoryCache({ now: () => now, halfLifeMs: 1000 * HOUR, ...rules });
      await cache.recordQueries([searched('red boots', now, { count: 2, clients: ['a', 'b', 'c'] })]);
      assert.deepEqual(await cache.popularQueries({ limit: 10 }), [], 'three clients in one minute are not enough');
      now = 59 * MINUTE;
      await cache.recordQueries([searched('red boots', now, { clients: ['d'] })]);
      assert.deepEqual(await cache.popularQueries({ limit: 10 }), [], 'not an hour old yet');
      now = 60 * MINUTE;
      await cache.recordQueries([searched('red boots', now, { clients: ['a'] })]);
      const [popular] = await cache.popularQueries({ limit: 10 });
      assert.equal(popular?.query, 'red boots');
      assert.ok(Math.abs((popular?.count ?? 0) - 4) < 0.01, `all four searches count (${popular?.count})`);
    });

    it('counts distinct clients across flushes, not searches', async () => {
      let now = 0;
      const cache = new MemoryCache({ now: () => now, ...rules });
      for (const client of ['a', 'a', 'b', 'b', 'a']) {
        await cache.recordQueries([searched('tan shorts', now, { count: 10, clients: [client] })]);
        now += 30 * MINUTE;
      }
      assert.deepEqual(await cache.popularQueries({ limit: 10 }), [], 'two clients');
      await cache.recordQueries([searched('tan shorts', now, { clients: ['c'] })]);
      assert.deepEqual(
        (await cache.popularQueries({ limit: 10 })).map((q) => q.query),
        ['tan shorts'],
      );
    });

    it('forgets a removed query and ignores it until restored', async () => {
      const now = 0;
      const cache = new MemoryCache({ now: () => now, ...COUNT_AT_ONCE });
      await cache.recordQueries([searched('spam', now), searched('boots', now)]);
      assert.equal(await cache.removeQuery('spam'), true);
      await cache.recordQueries([searched('spam', now)]);
      assert.deepEqual(
        (await cache.popularQueries({ limit: 10 })).map((q) => q.query),
        ['boots'],
      );
      assert.equal(await cache.removeQuery('never searched'), false);
      assert.equal(await cache.restoreQuery('spam'), true);
      assert.equal(await cache.restoreQuery('spam'), false);
      await cache.recordQueries([searched('spam', now)]);
      assert.deepEqual(
        (await cache.popularQueries({ limit: 10 })).map((q) => q.query),
        ['boots', 'spam'],
      );
    });
  });
});
