import assert from 'node:assert/strict';
import { MemoryCache } from '../../../../../workloads/search/service/cache/memory-cache.js';
import { FailOpenCache, type CacheCallResult } from '../../../../../workloads/search/service/cache/fail-open-cache.js';
import type { PopularQuery } from '../../../../../workloads/search/service/cache/search-cache.js';
import { waitUntil } from '../../../../helpers/wait.js';

const quietLog = { warn: () => undefined, info: () => undefined };

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
