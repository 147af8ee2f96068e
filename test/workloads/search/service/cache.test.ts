import assert from 'node:assert/strict';
import { FailOpenCache, type CacheCallResult } from '../../../../workloads/search/service/cache/fail-open-cache.js';
import { MemoryCache } from '../../../../workloads/search/service/cache/memory-cache.js';
import { embeddingKey, type PopularQuery } from '../../../../workloads/search/service/cache/search-cache.js';
import { waitUntil } from '../../../helpers/wait.js';

const HOUR = 3600 * 1000;
const quietLog = { warn: () => undefined, info: () => undefined };

describe('embeddingKey', () => {
  it('keys embeddings by model id and a hash of the normalised text', () => {
    assert.equal(embeddingKey('m1', 'Red  Boots'), embeddingKey('m1', 'red boots'));
    assert.notEqual(embeddingKey('m1', 'red boots'), embeddingKey('m2', 'red boots'));
    assert.match(embeddingKey('m1', 'red boots'), /^m1:[0-9a-f]{64}$/);
  });
});

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

/** A store whose every call is decided by the test. */
class ScriptedStore extends MemoryCache {
  mode: 'ok' | 'throw' | 'hang' = 'ok';
  available = true;
  calls = 0;
  override readonly kind = 'scripted';

  override isAvailable(): boolean {
    return this.available;
  }

  private act<T>(result: () => Promise<T>): Promise<T> {
    this.calls += 1;
    if (this.mode === 'throw') return Promise.reject(new Error('boom'));
    if (this.mode === 'hang') return new Promise<T>(() => undefined);
    return result();
  }

  override getEmbeddings(keys: readonly string[]): Promise<Array<Float32Array | undefined>> {
    return this.act(() => super.getEmbeddings(keys));
  }

  override popularQueries(options: { prefix?: string; limit: number }): Promise<PopularQuery[]> {
    return this.act(() => super.popularQueries(options));
  }

  override recordQuery(query: string): Promise<void> {
    return this.act(() => super.recordQuery(query));
  }
}

describe('FailOpenCache', () => {
  let now: number;
  let store: ScriptedStore;
  let results: Array<[string, CacheCallResult]>;
  let cache: FailOpenCache;

  beforeEach(() => {
    now = 1_000_000;
    store = new ScriptedStore();
    results = [];
    cache = new FailOpenCache(store, {
      timeoutMs: 30,
      log: quietLog,
      failureThreshold: 2,
      openMs: 1000,
      now: () => now,
      onResult: (operation, result) => results.push([operation, result]),
    });
  });

  it('reports hit, miss, and off when the store fails', async () => {
    await store.setEmbedding('a', new Float32Array([1]), 60);
    assert.equal((await cache.session().getEmbedding('a')).outcome, 'hit');
    assert.equal((await cache.session().getEmbedding('b')).outcome, 'miss');
    store.mode = 'throw';
    assert.deepEqual(await cache.session().getEmbedding('a'), { outcome: 'off' });
    assert.equal(await cache.session().popularQueries({ limit: 5 }), undefined);
  });

  it('times a hung call out after timeoutMs', async () => {
    store.mode = 'hang';
    const started = performance.now();
    assert.deepEqual(await cache.session().getEmbedding('a'), { outcome: 'off' });
    const ms = performance.now() - started;
    // At least the deadline; the upper bound only says it did not wait for the store (which never answers).
    assert.ok(ms >= 25 && ms < 1000, `${ms} ms`);
    assert.deepEqual(results, [['get_embedding', 'timeout']]);
  });

  it('shares one deadline between the reads of a session', async () => {
    // The store's own clock is real here: the deadline is measured in wall time.
    const realCache = new FailOpenCache(store, { timeoutMs: 40, log: quietLog, failureThreshold: 100 });
    store.mode = 'hang';
    const session = realCache.session();
    const started = performance.now();
    await session.getEmbedding('a');
    await session.popularQueries({ limit: 5 });
    await session.getEmbeddings(['b', 'c']);
    const ms = performance.now() - started;
    assert.ok(ms < 40 + 30, `three reads waited ${ms} ms in total`);
  });

  it('skips the store while it says it is unavailable', async () => {
    store.available = false;
    assert.deepEqual(await cache.session().getEmbedding('a'), { outcome: 'off' });
    cache.recordQuery('q');
    assert.equal(store.calls, 0);
    assert.equal(cache.isAvailable(), false);
  });

  it('opens the breaker after consecutive failures and closes it after openMs and a success', async () => {
    store.mode = 'throw';
    await cache.session().getEmbedding('a');
    await cache.session().getEmbedding('a');
    assert.equal(store.calls, 2);
    assert.equal(cache.isAvailable(), false);
    store.mode = 'ok';
    await cache.session().getEmbedding('a');
    assert.equal(store.calls, 2, 'skipped while open');
    now += 1000;
    assert.equal((await cache.session().getEmbedding('a')).outcome, 'miss');
    assert.equal(store.calls, 3);
    assert.equal(cache.isAvailable(), true);
  });

  it('never lets a write fail or wait the caller', async () => {
    store.mode = 'throw';
    cache.recordQuery('q'); // returns void at once; the rejection is handled
    store.mode = 'hang';
    cache.recordQuery('q');
    await waitUntil('both writes to finish', 5000, () => results.length === 2);
    assert.deepEqual(results, [
      ['record_query', 'error'],
      ['record_query', 'timeout'],
    ]);
  });
});
