import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { ValkeyCache, valkeyClientOptions } from '../../../../../workloads/search/service/cache/valkey-cache.js';
import { loadSearchIndex, type SearchIndex } from '../../../../../workloads/search/index/serve/load-index.js';
import { requireBinary } from '../../../../helpers/binaries.js';
import { HashEmbedder } from '../../../../helpers/hash-embedder.js';
import { freePort } from '../../../../helpers/ports.js';
import { RedisServer } from '../../../../helpers/redis-server.js';
import { get, type SearchBody, silentLog, testApp } from '../../../../helpers/search-app.js';
import { waitUntil } from '../../../../helpers/wait.js';
import { type FixtureIndex, generateProducts, writeFixtureIndex } from '../../../../helpers/fixture-index.js';
import { COUNT_AT_ONCE, searched } from '../../../../helpers/searched.js';

const HOUR = 3600 * 1000;

/** The hash tag of a key (the part inside the first {…}), which decides its cluster slot. */
function slotOf(key: string): string {
  return /\{([^}]+)\}/.exec(key)?.[1] ?? key;
}
const COMMAND_TIMEOUT_MS = 50;
/**
 * The store's own tests check what it stores, not how fast: a command gets seconds, so a loaded machine cannot turn a
 * slow answer into a failed test. The service's tests keep the production-like deadline above.
 */
const STORE_COMMAND_TIMEOUT_MS = 5000;
/** Fault isolation: while the cache is down or hung, no request waits over a second. */
const MAX_WAIT_MS = 1000;

describe('ValkeyCache on a real redis-server', function () {
  this.timeout(60_000);
  let server: RedisServer;
  let admin: Redis;
  let prefixCounter = 0;
  const nextPrefix = (): string => `test:${process.pid}:${(prefixCounter += 1)}:`;

  before(async function () {
    const binary = requireBinary(
      this,
      ['valkey-server', 'redis-server'],
      'the Valkey cache tests start their own server on a free port',
    );
    server = await RedisServer.start(binary, await freePort());
    admin = new Redis(server.url, { lazyConnect: true });
    // The outage tests kill the server under this client too; its reconnection errors are expected.
    admin.on('error', () => undefined);
    await admin.connect();
  });
  after(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  async function connected(
    options: {
      prefix?: string;
      now?: () => number;
      maxEntries?: number;
      commandTimeoutMs?: number;
      minClients?: number;
      minAgeMs?: number;
    } = {},
  ): Promise<ValkeyCache> {
    const cache = ValkeyCache.connect({
      url: server.url,
      log: silentLog,
      keyPrefix: options.prefix ?? nextPrefix(),
      halfLifeMs: HOUR,
      maxEntries: options.maxEntries ?? 1000,
      minClients: options.minClients ?? COUNT_AT_ONCE.minClients,
      minAgeMs: options.minAgeMs ?? COUNT_AT_ONCE.minAgeMs,
      commandTimeoutMs: options.commandTimeoutMs ?? STORE_COMMAND_TIMEOUT_MS,
      ...(options.now ? { now: options.now } : {}),
    });
    await waitUntil('connected', 5000, () => cache.isAvailable());
    return cache;
  }

  describe('store', () => {
    it('stores embeddings as raw float32 bytes with a TTL', async () => {
      const prefix = nextPrefix();
      const cache = await connected({ prefix });
      try {
        const vector = new Float32Array([0.25, -0.5, 1e-7, 3.4e38]);
        await cache.setEmbedding('model:abc', vector, 120);
        const [found, missing] = await cache.getEmbeddings(['model:abc', 'model:nope']);
        assert.deepEqual(found, vector);
        assert.equal(missing, undefined);
        const raw = await admin.getBuffer(`${prefix}emb:model:abc`);
        assert.equal(raw?.byteLength, 16);
        assert.equal(raw?.readFloatLE(4), -0.5);
        const ttl = await admin.ttl(`${prefix}emb:model:abc`);
        assert.ok(ttl > 100 && ttl <= 120, `ttl ${ttl}`);
      } finally {
        await cache.close();
      }
    });

    it('treats a value that is not whole float32s as a miss', async () => {
      const prefix = nextPrefix();
      const cache = await connected({ prefix });
      try {
        await admin.set(`${prefix}emb:bad`, 'abcde');
        assert.deepEqual(await cache.getEmbeddings(['bad']), [undefined]);
      } finally {
        await cache.close();
      }
    });

    it('decays popular query counts with the half-life (forward decay)', async () => {
      let now = Date.UTC(2026, 0, 1);
      const cache = await connected({ now: () => now });
      try {
        await cache.recordQueries([searched('red boots', now)]);
        await cache.recordQueries([searched('red boots', now)]);
        await cache.recordQueries([searched('blue dress', now)]);
        now += HOUR;
        await cache.recordQueries([searched('red dress', now)]);
        const all = await cache.popularQueries({ limit: 10 });
        assert.deepEqual(
          all.map((q) => q.query),
          ['red boots', 'red dress', 'blue dress'],
        );
        const counts = Object.fromEntries(all.map((q) => [q.query, q.count]));
        assert.ok(Math.abs((counts['red boots'] ?? 0) - 1) < 1e-9, `red boots ${counts['red boots']}`);
        assert.ok(Math.abs((counts['red dress'] ?? 0) - 1) < 1e-9);
        assert.ok(Math.abs((counts['blue dress'] ?? 0) - 0.5) < 1e-9);
        // Read later, everything has halved: the ranking is the same, the counts follow the clock.
        now += HOUR;
        const later = await cache.popularQueries({ limit: 10 });
        assert.deepEqual(
          later.map((q) => q.query),
          ['red boots', 'red dress', 'blue dress'],
        );
        assert.ok(Math.abs((later[0]?.count ?? 0) - 0.5) < 1e-9);
      } finally {
        await cache.close();
      }
    });

    it('finds popular queries by prefix, most popular first', async () => {
      const now = Date.UTC(2026, 0, 1);
      const cache = await connected({ now: () => now });
      try {
        for (const q of ['red dress', 'red boots', 'red boots', 'redwood mug', 'blue boots', 'réd'])
          await cache.recordQueries([searched(q, now)]);
        assert.deepEqual(
          (await cache.popularQueries({ prefix: 'red', limit: 10 })).map((q) => q.query),
          ['red boots', 'red dress', 'redwood mug'],
        );
        assert.deepEqual(
          (await cache.popularQueries({ prefix: 'red ', limit: 1 })).map((q) => q.query),
          ['red boots'],
        );
        assert.deepEqual(await cache.popularQueries({ prefix: 'zzz', limit: 10 }), []);
      } finally {
        await cache.close();
      }
    });

    it('rebases scores when they grow large, without changing counts', async () => {
      const prefix = nextPrefix();
      let now = Date.UTC(2026, 0, 1);
      const cache = await connected({ prefix, now: () => now });
      try {
        await cache.recordQueries([searched('old', now)]);
        now += 70 * HOUR; // past the 64 half-life threshold
        await cache.recordQueries([searched('new', now)]);
        await cache.recordQueries([searched('new', now)]);
        const epoch = Number(await admin.get(`${prefix}{popular}:epoch`));
        assert.equal(epoch, Date.UTC(2026, 0, 1) + 70 * HOUR, 'the epoch moved forward by whole half-lives');
        const scores = await admin.zrange(`${prefix}{popular}:scores`, 0, -1, 'WITHSCORES');
        assert.ok(
          scores.filter((_, i) => i % 2 === 1).every((s) => Number(s) < 4),
          `scores stay small: ${scores.join(' ')}`,
        );
        const counts = Object.fromEntries((await cache.popularQueries({ limit: 10 })).map((q) => [q.query, q.count]));
        assert.ok(Math.abs((counts.new ?? 0) - 2) < 1e-9);
        assert.ok(Math.abs((counts.old ?? 0) - 2 ** -70) < 1e-30);
      } finally {
        await cache.close();
      }
    });

    it('keeps about maxEntries queries, in both sorted sets, letting newcomers in', async () => {
      const prefix = nextPrefix();
      const now = Date.UTC(2026, 0, 1);
      const cache = await connected({ prefix, maxEntries: 3, now: () => now });
      try {
        // q0 counted once, q1 twice, … q5 six times: the later, more popular queries must survive the trims.
        for (let i = 0; i < 6; i += 1)
          for (let n = 0; n <= i; n += 1) await cache.recordQueries([searched(`q${i}`, now)]);
        assert.deepEqual(
          (await cache.popularQueries({ limit: 3 })).map((q) => q.query),
          ['q5', 'q4', 'q3'],
        );
        const kept = await admin.zcard(`${prefix}{popular}:scores`);
        assert.ok(kept >= 3 && kept <= 4, `${kept} kept (3 plus a slack of 1)`);
        assert.equal(await admin.zcard(`${prefix}{popular}:lex`), kept);
      } finally {
        await cache.close();
      }
    });

    it('promotes a query only after enough distinct clients over enough time, counting every search', async () => {
      const prefix = nextPrefix();
      const MINUTE = 60_000;
      let now = Date.UTC(2026, 0, 1);
      const cache = await connected({ prefix, now: () => now, minClients: 3, minAgeMs: 60 * MINUTE });
      try {
        for (let i = 0; i < 100; i += 1) {
          await cache.recordQueries([searched('red boots', now, { count: 10, clients: ['one-client'] })]);
          now += MINUTE;
        }
        assert.deepEqual(await cache.popularQueries({ limit: 10 }), [], 'one client, a thousand searches');
        await cache.recordQueries([searched('tan shorts', now, { clients: ['a', 'b', 'c'] })]);
        assert.deepEqual(await cache.popularQueries({ limit: 10 }), [], 'three clients within a minute');
        const candidate = `${prefix}{popular}:cand:tan shorts`;
        const ttl = await admin.pttl(candidate);
        assert.ok(ttl > 6 * 24 * 3600 * 1000, `a candidate expires a week after its last search (${ttl} ms)`);
        now += 60 * MINUTE;
        await cache.recordQueries([searched('tan shorts', now, { clients: ['a'] })]);
        const [popular] = await cache.popularQueries({ prefix: 'tan', limit: 10 });
        assert.equal(popular?.query, 'tan shorts');
        // The first search is an hour (one half-life) old: 0.5 + 1.
        assert.ok(Math.abs((popular?.count ?? 0) - 1.5) < 1e-9, `both searches count (${popular?.count})`);
        assert.equal(await admin.exists(candidate), 0, 'the candidate is gone once promoted');
      } finally {
        await cache.close();
      }
    });

    it('removes a suggestion for good (until restored), candidate or popular', async () => {
      const prefix = nextPrefix();
      const now = Date.UTC(2026, 0, 1);
      const cache = await connected({ prefix, now: () => now });
      try {
        await cache.recordQueries([searched('spam offer', now), searched('boots', now)]);
        assert.equal(await cache.removeQuery('spam offer'), true);
        await cache.recordQueries([searched('spam offer', now)]);
        assert.deepEqual(
          (await cache.popularQueries({ limit: 10 })).map((q) => q.query),
          ['boots'],
        );
        assert.equal(await admin.zcard(`${prefix}{popular}:lex`), 1);
        assert.equal(await cache.removeQuery('never searched'), false);
        assert.equal(await cache.restoreQuery('spam offer'), true);
        assert.equal(await cache.restoreQuery('spam offer'), false);
        await cache.recordQueries([searched('spam offer', now)]);
        assert.equal((await cache.popularQueries({ limit: 10 })).length, 2);
      } finally {
        await cache.close();
      }
    });

    it('keeps every popular-query key in one cluster slot (the {popular} hash tag)', async () => {
      const prefix = nextPrefix();
      const now = Date.UTC(2026, 0, 1);
      const cache = await connected({ prefix, now: () => now, minClients: 2 });
      try {
        await cache.recordQueries([searched('red boots', now), searched('navy hoodie', now, { clients: ['a', 'b'] })]);
        await cache.removeQuery('spam');
        const keys = await admin.keys(`${prefix}*`);
        assert.ok(keys.length >= 5, keys.join(', '));
        const slots = new Set(
          await Promise.all(keys.map((key) => admin.cluster('KEYSLOT', key).catch(() => slotOf(key)))),
        );
        assert.equal(slots.size, 1, `keys in ${slots.size} slots: ${keys.join(', ')}`);
      } finally {
        await cache.close();
      }
    });

    it('leaves a client it was given open', async () => {
      const client = new Redis(server.url, valkeyClientOptions());
      await waitUntil('connected', 5000, () => client.status === 'ready');
      const cache = new ValkeyCache(client, { log: silentLog, halfLifeMs: HOUR, maxEntries: 10, ...COUNT_AT_ONCE });
      await cache.close();
      assert.equal(await client.ping(), 'PONG');
      client.disconnect();
    });

    it('loads its scripts again on a server that lost them', async () => {
      const now = Date.now();
      const cache = await connected();
      try {
        await cache.recordQueries([searched('before', now)]);
        await admin.script('FLUSH');
        await cache.recordQueries([searched('after', now)]);
        assert.deepEqual((await cache.popularQueries({ limit: 10 })).map((q) => q.query).sort(), ['after', 'before']);
      } finally {
        await cache.close();
      }
    });
  });

  describe('the service with Valkey', () => {
    const embedder = new HashEmbedder(32);
    let fixture: FixtureIndex;
    let index: SearchIndex;
    let app: FastifyInstance;
    let cache: ValkeyCache;

    before(async () => {
      fixture = await writeFixtureIndex(embedder, generateProducts(1000));
      index = await loadSearchIndex(fixture.dir);
    });
    after(async () => {
      await rm(fixture.dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      if (!server.isRunning) await server.restart();
      cache = await connected({ commandTimeoutMs: COMMAND_TIMEOUT_MS });
      app = testApp({ index, embedder, cache, cacheTimeoutMs: COMMAND_TIMEOUT_MS });
      await app.ready();
    });
    afterEach(async () => {
      server.resume();
      await app.close();
    });

    it('misses, then hits the query embedding in Valkey', async () => {
      const first = await get<SearchBody>(app, '/search?q=rugged%20leather%20boots');
      assert.equal(first.body.cache.embedding, 'miss');
      await waitUntil(
        'a hit',
        2000,
        async () => (await get<SearchBody>(app, '/search?q=Rugged%20Leather%20Boots')).body.cache.embedding === 'hit',
      );
    });

    it('serves autocomplete and related searches from the popular queries in Valkey', async () => {
      for (const q of ['tan suede boots', 'tan suede boots', 'tan leather boots', 'coffee mug'])
        await get(app, `/search?q=${encodeURIComponent(q)}`);
      await waitUntil('recorded', 2000, async () => (await cache.popularQueries({ limit: 10 })).length === 3);
      const complete = await get<{ suggestions: Array<{ text: string; source: string }> }>(app, '/autocomplete?q=tan');
      assert.deepEqual(complete.body.suggestions.slice(0, 3), [
        { text: 'tan suede boots', source: 'popular' },
        { text: 'tan leather boots', source: 'popular' },
        { text: 'tan', source: 'catalog' },
      ]);
      const related = await get<{ searches: Array<{ query: string }> }>(app, '/related-searches?q=suede%20boots');
      assert.deepEqual(related.body.searches.map((s) => s.query).slice(0, 2), ['tan suede boots', 'tan leather boots']);
    });

    it('promotes nothing one client searches a thousand times, whatever the other replicas count', async () => {
      const prefix = nextPrefix();
      let now = Date.UTC(2026, 0, 1);
      const guarded = await connected({ prefix, now: () => now, minClients: 3, minAgeMs: HOUR });
      const replicas = [0, 1].map(() =>
        testApp({ index, embedder, cache: guarded, cacheTimeoutMs: 1000, now: () => now }),
      );
      try {
        for (let i = 0; i < 1000; i += 1) {
          await get(replicas[i % 2] as FastifyInstance, '/search?q=red%20leather%20boots', {
            'x-client-id': 'one-shopper',
          });
          if (i % 100 === 99) now += 30 * 60_000;
        }
        await waitUntil(
          'the searches counted',
          5000,
          async () => Number(await admin.hget(`${prefix}{popular}:cand:red leather boots`, 'score')) > 0,
        );
        assert.deepEqual(await guarded.popularQueries({ limit: 10 }), []);
        assert.equal(await admin.hget(`${prefix}{popular}:cand:red leather boots`, 'clients'), '1');
        const complete = await get<{ suggestions: Array<{ source: string }> }>(
          replicas[0] as FastifyInstance,
          '/autocomplete?q=red',
        );
        assert.ok(complete.body.suggestions.every((s) => s.source !== 'popular'));
      } finally {
        for (const replica of replicas) await replica.close();
      }
    });

    /**
     * Sends requests from `workers` loops, recording every status and latency, until `isDone` (asked after each
     * answer with the number answered so far) says stop. Windows are counted in requests, not wall time, so a slow
     * machine runs the same scenario, only slower.
     */
    async function load(
      workers: number,
      isDone: (answered: number) => boolean,
    ): Promise<Array<{ status: number; ms: number; url: string }>> {
      const samples: Array<{ status: number; ms: number; url: string }> = [];
      let stop = false;
      const words = ['boots', 'wool', 'mug', 'red', 'navy', 'tan', 'cozy', 'slim', 'vintage', 'hoodie'];
      await Promise.all(
        Array.from({ length: workers }, async (_, worker) => {
          for (let i = 0; !stop; i += 1) {
            const word = words[(i + worker) % words.length] as string;
            const url = i % 4 === 3 ? `/autocomplete?q=${word.slice(0, 3)}` : `/search?q=${word}%20${i % 7}`;
            const { status, ms } = await get(app, url);
            samples.push({ status, ms, url });
            if (isDone(samples.length)) stop = true;
            // inject() and a skipped cache can complete on microtasks alone: yield so the client's socket events run.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
      return samples;
    }

    function summary(samples: Array<{ ms: number }>): string {
      const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
      const at = (p: number): string =>
        (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(1);
      return `${samples.length} requests, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
    }

    it('keeps answering when Valkey is killed mid-run, then uses it again once restarted', async () => {
      assert.equal((await get<SearchBody>(app, '/search?q=warm%20up')).body.cache.embedding, 'miss');
      // 40 requests with Valkey up, then SIGKILL, then 200 more once the client has seen it go.
      let killedAt: number | undefined;
      let downAt: number | undefined;
      let killed: Promise<void> = Promise.resolve();
      const samples = await load(4, (answered) => {
        if (killedAt === undefined && answered >= 40) {
          killedAt = answered;
          killed = server.kill('SIGKILL');
        }
        if (killedAt !== undefined && downAt === undefined && !cache.isAvailable()) downAt = answered;
        return downAt !== undefined && answered >= downAt + 200;
      });
      await killed;
      const failed = samples.filter((s) => s.status !== 200);
      assert.deepEqual(failed, [], 'zero failed requests');
      const slowest = Math.max(...samples.map((s) => s.ms));
      process.stdout.write(`      outage: ${summary(samples)}\n`);
      assert.ok(slowest < MAX_WAIT_MS, `every request under 1 s (slowest ${slowest.toFixed(1)} ms)`);
      assert.equal(cache.isAvailable(), false);
      assert.equal((await get<SearchBody>(app, '/search?q=while%20down')).body.cache.embedding, 'off');

      // Same port, empty server: the client reconnects by itself, the app is not restarted.
      await server.restart();
      const restarted = performance.now();
      await waitUntil(
        'hits again',
        10_000,
        async () => (await get<SearchBody>(app, '/search?q=after%20restart')).body.cache.embedding === 'hit',
      );
      process.stdout.write(
        `      cache hits again ${(performance.now() - restarted).toFixed(0)} ms after the restart\n`,
      );
      await waitUntil('writes reach the restarted server', 2000, async () => (await admin.dbsize()) > 0);
    });

    it('bounds latency when Valkey hangs (SIGSTOP), and recovers when it resumes', async () => {
      await get(app, '/search?q=warm%20up');
      server.pause();
      // Enough requests to trip the breaker, wait it out and time out again: the hung server never answers.
      const samples = await load(4, (answered) => answered >= 400);
      assert.deepEqual(
        samples.filter((s) => s.status !== 200),
        [],
        'zero failed requests',
      );
      process.stdout.write(`      hung server: ${summary(samples)}\n`);
      const slowest = Math.max(...samples.map((s) => s.ms));
      // Without the deadline a request would wait for the hung server forever; with it, none waits over 1 s even
      // on a loaded machine (the deadline itself is COMMAND_TIMEOUT_MS).
      assert.ok(slowest < MAX_WAIT_MS, `no request waits over 1 s (slowest ${slowest.toFixed(1)} ms)`);
      server.resume();
      await waitUntil(
        'hits again',
        10_000,
        async () => (await get<SearchBody>(app, '/search?q=warm%20up')).body.cache.embedding === 'hit',
      );
    });
  });
});
