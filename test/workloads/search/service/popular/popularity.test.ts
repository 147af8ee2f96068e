import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailOpenCache } from '../../../../../workloads/search/service/cache/fail-open-cache.js';
import { MemoryCache } from '../../../../../workloads/search/service/cache/memory-cache.js';
import type { QueryObservation } from '../../../../../workloads/search/service/cache/search-cache.js';
import { Blocklist } from '../../../../../workloads/search/service/popular/blocklist.js';
import {
  clientIdentity,
  clientKey,
  Popularity,
  type PopularityUpdate,
} from '../../../../../workloads/search/service/popular/popularity.js';
import { COUNT_AT_ONCE } from '../../../../helpers/searched.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';

const quietLog = { warn: () => undefined, info: () => undefined };

/** A memory store that records every batch it is given, and can be told to fail. */
class RecordingStore extends MemoryCache {
  batches: QueryObservation[][] = [];
  isFailing = false;
  override async recordQueries(observations: readonly QueryObservation[]): Promise<void> {
    this.batches.push([...observations]);
    if (this.isFailing) throw new Error('ECONNRESET');
    return super.recordQueries(observations);
  }
}

describe('workloads/search/service/popular/popularity', () => {
  const tempDir = useTempDir('popularity');
  let store: RecordingStore;
  let updates: Array<[PopularityUpdate, number]>;
  let now: number;

  const popularity = (options: { flushMs?: number; maxPending?: number; blocklist?: Blocklist } = {}): Popularity =>
    new Popularity({
      cache: new FailOpenCache(store, { timeoutMs: 50, log: quietLog, failureThreshold: 100 }),
      flushMs: options.flushMs ?? 60_000,
      ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
      ...(options.blocklist ? { blocklist: options.blocklist } : {}),
      minClients: 3,
      now: () => now,
      onUpdate: (update, searches) => updates.push([update, searches]),
    });

  beforeEach(() => {
    store = new RecordingStore(COUNT_AT_ONCE);
    updates = [];
    now = 1_000_000;
  });

  describe('Popularity', () => {
    it('sends the searches of one interval as one store call, counted per query, with at most minClients clients', async () => {
      const counted = popularity();
      for (let i = 0; i < 100; i += 1) {
        counted.record('red boots', `shopper-${i % 5}`);
        now += 10;
      }
      counted.record('navy hoodie', 'shopper-0');
      assert.equal(store.batches.length, 0, 'nothing sent before the flush');
      await counted.flush();
      assert.equal(store.batches.length, 1);
      const [boots, hoodie] = store.batches[0] ?? [];
      assert.deepEqual(
        { ...boots, clients: boots?.clients.length },
        { query: 'red boots', count: 100, clients: 3, firstAt: 1_000_000, lastAt: 1_000_990 },
      );
      assert.deepEqual(hoodie?.clients, [clientKey('shopper-0')]);
      assert.deepEqual(updates, [['recorded', 101]]);
      await counted.flush();
      assert.equal(store.batches.length, 1, 'an empty buffer sends nothing');
    });

    it('flushes early once maxPending distinct queries wait', async () => {
      const counted = popularity({ maxPending: 3 });
      counted.record('a boots', 'x');
      counted.record('b boots', 'x');
      counted.record('c boots', 'x');
      await counted.flush();
      assert.deepEqual(
        store.batches.map((batch) => batch.length),
        [3],
      );
    });

    it('reports the searches of a batch the store did not take as dropped', async () => {
      const counted = popularity();
      store.isFailing = true;
      counted.record('red boots', 'x');
      counted.record('red boots', 'y');
      await counted.flush();
      store.isFailing = false;
      counted.record('red boots', 'x');
      await counted.flush();
      assert.deepEqual(updates, [
        ['dropped', 2],
        ['recorded', 1],
      ]);
    });

    it('never counts text a storefront should not show, nor a blocked term', async () => {
      const path = join(tempDir(), 'blocklist.txt');
      writeFileSync(path, 'knockoff\n');
      const counted = popularity({ blocklist: Blocklist.load(path) });
      counted.record('red <img src=x onerror=alert(1)> buy at evil.example', 'x');
      counted.record('red \u001b[31mboots\u0000', 'x');
      counted.record('knockoff bags', 'x');
      counted.record('red boots', 'x');
      await counted.flush();
      assert.deepEqual(
        store.batches.flat().map((o) => o.query),
        ['red boots'],
      );
      assert.deepEqual(updates, [
        ['rejected', 1],
        ['rejected', 1],
        ['rejected', 1],
        ['recorded', 1],
      ]);
    });

    it('hides popular queries that a newer blocklist blocks', async () => {
      const path = join(tempDir(), 'blocklist.txt');
      writeFileSync(path, '# nothing yet\n');
      let clock = 0;
      const blocklist = Blocklist.load(path, { recheckMs: 1000, now: () => clock });
      const counted = popularity({ blocklist });
      counted.record('cheap replica bags', 'x');
      counted.record('leather bags', 'x');
      await counted.flush();
      const cache = new FailOpenCache(store, { timeoutMs: 50, log: quietLog });
      assert.equal((await counted.popularQueries(cache.session(), { limit: 10 }))?.length, 2);
      writeFileSync(path, 'cheap replica\n');
      clock = 1000;
      assert.deepEqual(
        (await counted.popularQueries(cache.session(), { limit: 10 }))?.map((q) => q.query),
        ['leather bags'],
      );
    });
  });

  describe('clientIdentity', () => {
    it('takes the storefront header, then the first X-Forwarded-For address, then the peer', () => {
      assert.equal(
        clientIdentity({ 'x-client-id': 'sess-1', 'x-forwarded-for': '1.2.3.4' }, '10.0.0.1', 'x-client-id'),
        'id:sess-1',
      );
      assert.equal(clientIdentity({ 'x-forwarded-for': '1.2.3.4, 10.0.0.9' }, '10.0.0.1', 'x-client-id'), 'ip:1.2.3.4');
      assert.equal(clientIdentity({}, '10.0.0.1', 'x-client-id'), 'ip:10.0.0.1');
      assert.equal(clientIdentity({ 'x-client-id': 'x'.repeat(300) }, '10.0.0.1', 'x-client-id'), 'ip:10.0.0.1');
    });

    it('stores only a hash of it', () => {
      assert.match(clientKey('ip:10.0.0.1'), /^[0-9a-f]{16}$/);
      assert.notEqual(clientKey('ip:10.0.0.1'), clientKey('ip:10.0.0.2'));
    });
  });
});
