import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from '../../../../workloads/search/command-result.js';
import { ValkeyCache } from '../../../../workloads/search/service/cache/valkey-cache.js';
import { runSuggestionsCommand } from '../../../../workloads/search/service/suggestions-command.js';
import { requireBinary } from '../../../helpers/binaries.js';
import { freePort } from '../../../helpers/ports.js';
import { RedisServer } from '../../../helpers/redis-server.js';
import { silentLog } from '../../../helpers/search-app.js';
import { COUNT_AT_ONCE, searched } from '../../../helpers/searched.js';
import { useTempDir } from '../../../helpers/temp-dir.js';
import { waitUntil } from '../../../helpers/wait.js';

describe('workloads/search/service/suggestions-command', function () {
  this.timeout(60_000);
  const tempDir = useTempDir('suggestions-command');
  let server: RedisServer;
  let env: Record<string, string>;
  let prefixCounter = 0;

  before(async function () {
    const binary = requireBinary(this, ['valkey-server', 'redis-server'], 'the command talks to a real server');
    server = await RedisServer.start(binary, await freePort());
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    // The service's own variables, as a search pod has them.
    env = { SEARCH_VALKEY_URL: server.url, SEARCH_CACHE_KEY_PREFIX: `cmd:${(prefixCounter += 1)}:` };
    const cache = ValkeyCache.connect({
      url: server.url,
      keyPrefix: env.SEARCH_CACHE_KEY_PREFIX,
      log: silentLog,
      halfLifeMs: 24 * 3600 * 1000,
      maxEntries: 100,
      ...COUNT_AT_ONCE,
    });
    try {
      await waitUntil('connected', 5000, () => cache.isAvailable());
      const now = Date.now();
      await cache.recordQueries([
        searched('red boots', now, { count: 3 }),
        searched('red dress', now),
        searched('navy hoodie', now, { count: 2 }),
      ]);
    } finally {
      await cache.close();
    }
  });

  it('lists the suggestions, most searched first, by prefix', async () => {
    const all = await runSuggestionsCommand({ action: 'list', env });
    assert.equal(all.exitCode, EXIT_OK, all.stderr);
    assert.deepEqual(
      all.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[1]),
      ['red boots', 'navy hoodie', 'red dress'],
    );
    const red = await runSuggestionsCommand({ action: 'list', prefix: 'RED ', limit: 1, env });
    assert.match(red.stdout, /^\d+\.\d{2}\tred boots\n$/);
  });

  it('removes a suggestion at once and keeps it out until restored', async () => {
    const removed = await runSuggestionsCommand({ action: 'remove', query: '  Red Boots ', env });
    assert.equal(removed.stdout, 'removed "red boots"; it will not be suggested again (restore to undo)\n');
    assert.doesNotMatch((await runSuggestionsCommand({ action: 'list', env })).stdout, /red boots/);
    const again = await runSuggestionsCommand({ action: 'remove', query: 'red boots', env });
    assert.match(again.stdout, /was not a suggestion; it will not become one/);
    const restored = await runSuggestionsCommand({ action: 'restore', query: 'red boots', env });
    assert.match(restored.stdout, /may be suggested again once enough shoppers search it/);
    assert.match(
      (await runSuggestionsCommand({ action: 'restore', query: 'red boots', env })).stdout,
      /was not removed/,
    );
  });

  it('checks a query against the text rules and a blocklist file', async () => {
    const blocklist = join(tempDir(), 'blocklist.txt');
    writeFileSync(blocklist, 'knockoff\n');
    const check = (query: string) => runSuggestionsCommand({ action: 'check', query, blocklist, env: {} });
    assert.equal((await check('Red Boots')).stdout, '"red boots" may be suggested\n');
    assert.equal(
      (await check('knockoff bags')).stdout,
      '"knockoff bags" is never suggested: blocked term "knockoff"\n',
    );
    assert.match((await check('buy at evil.example')).stdout, /is never suggested: looks like a web address/);
  });

  it('says what is missing: a query, a Valkey, a reachable Valkey, a readable blocklist', async () => {
    const noQuery = await runSuggestionsCommand({ action: 'remove', query: '   ', env });
    assert.equal(noQuery.exitCode, EXIT_BAD_INPUT);
    assert.match(noQuery.stderr, /remove: give the query/);
    const noValkey = await runSuggestionsCommand({ action: 'list', env: {} });
    assert.equal(noValkey.exitCode, EXIT_BAD_INPUT);
    assert.match(noValkey.stderr, /no Valkey: set SEARCH_VALKEY_URL or --valkey/);
    const badUrl = await runSuggestionsCommand({ action: 'list', env: { SEARCH_VALKEY_URL: 'http://x' } });
    assert.match(badUrl.stderr, /SEARCH_VALKEY_URL: expected a redis:\/\/ or rediss:\/\/ URL/);
    const closed = await runSuggestionsCommand({
      action: 'list',
      valkey: `redis://127.0.0.1:${await freePort()}`,
      connectTimeoutMs: 300,
      env,
    });
    assert.equal(closed.exitCode, EXIT_FAILED);
    assert.match(closed.stderr, /cannot reach Valkey at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const missing = await runSuggestionsCommand({
      action: 'check',
      query: 'boots',
      blocklist: join(tempDir(), 'nope.txt'),
      env: {},
    });
    assert.equal(missing.exitCode, EXIT_BAD_INPUT);
    assert.match(missing.stderr, /suggestion blocklist .*nope\.txt: ENOENT/);
  });
});
