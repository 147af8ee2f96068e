import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { MemoryCache } from '../../../../../workloads/search/service/cache/memory-cache.js';
import { FailOpenCache, type CacheCallResult } from '../../../../../workloads/search/service/cache/fail-open-cache.js';
import type { PopularQuery, QueryObservation } from '../../../../../workloads/search/service/cache/search-cache.js';
import { searched } from '../../../../helpers/searched.js';
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

  override setEmbedding(key: string, vector: Float32Array, ttlSeconds: number): Promise<void> {
    return this.act(() => super.setEmbedding(key, vector, ttlSeconds));
  }

  override recordQueries(observations: readonly QueryObservation[]): Promise<void> {
    return this.act(() => super.recordQueries(observations));
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
    const sharing = new FailOpenCache(store, { timeoutMs: 40, log: quietLog, failureThreshold: 100, now: () => now });
    store.mode = 'hang';
    const session = sharing.session();
    await session.getEmbedding('a');
    // The first read used the whole budget: the session's later reads do not ask the store at all.
    now += 40;
    assert.equal(await session.popularQueries({ limit: 5 }), undefined);
    assert.deepEqual((await session.getEmbeddings(['b', 'c'])).outcome, 'off');
    assert.equal(store.calls, 1);
    // A new request gets its own budget.
    store.mode = 'ok';
    assert.equal((await sharing.session().getEmbedding('a')).outcome, 'miss');
    assert.equal(store.calls, 2);
  });

  it('takes a reply that arrived before the deadline even when the event loop was busy past it', async () => {
    // The store's reply waits in a real socket (sent before the lookup starts, read only once the store asks for
    // it); the test then blocks the event loop well past the deadline, as a busy service does. The deadline's timer
    // runs before the socket is read: the reply must still count.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    const [serverSide] = await accepted;
    client.pause();
    serverSide.write('+reply\r\n');
    await waitUntil(
      'the reply to reach the client',
      5000,
      () => client.readableLength === 0 && serverSide.writableLength === 0,
    );
    class SocketStore extends MemoryCache {
      override async getEmbeddings(keys: readonly string[]): Promise<Array<Float32Array | undefined>> {
        const reply = once(client, 'data');
        client.resume();
        await reply;
        return keys.map(() => new Float32Array([1]));
      }
    }
    const busy = new FailOpenCache(new SocketStore(), {
      timeoutMs: 30,
      log: quietLog,
      onResult: (operation, result) => results.push([operation, result]),
    });
    try {
      const lookup = busy.session().getEmbedding('a');
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // busy, like a service rendering JSON for 32 connections
      }
      assert.equal((await lookup).outcome, 'hit');
      assert.deepEqual(results, [['get_embedding', 'hit']]);
    } finally {
      client.destroy();
      serverSide.destroy();
      server.close();
    }
  });

  it('skips the store while it says it is unavailable', async () => {
    store.available = false;
    assert.deepEqual(await cache.session().getEmbedding('a'), { outcome: 'off' });
    await cache.recordQueries([searched('q', now)]);
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
    const hasty = new FailOpenCache(store, {
      timeoutMs: 30,
      writeTimeoutMs: 30,
      log: quietLog,
      failureThreshold: 100,
      onResult: (operation, result) => results.push([operation, result]),
    });
    store.mode = 'throw';
    hasty.setEmbedding('k', new Float32Array([1]), 60); // returns at once; the rejection is handled
    assert.equal(await hasty.recordQueries([searched('q', now)]), false);
    store.mode = 'hang';
    assert.equal(await hasty.recordQueries([searched('q', now)]), false);
    await waitUntil('the embedding write to finish', 5000, () => results.length === 3);
    assert.deepEqual(results.map(([operation, result]) => `${operation} ${result}`).sort(), [
      'record_queries error',
      'record_queries timeout',
      'set_embedding error',
    ]);
  });
});
