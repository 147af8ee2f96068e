import { strict as assert } from 'node:assert';
import { Agent, request } from 'node:http';
import { CDN_TIERS } from '../../charts/web-nginx-conf.js';
import { requireBinary } from '../helpers/binaries.js';
import { objectsOf, testValues } from '../helpers/manifests.js';
import { nginxConfOf, type RunningNginx, startNginx } from '../helpers/nginx.js';
import { type ScriptedApp, startScriptedApp } from '../helpers/scripted-app.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

interface Answer {
  readonly status: number;
  readonly cacheControl: string | null;
  readonly cacheStatus: string | null;
  readonly setCookie: string | null;
  readonly expires: string | null;
  readonly body: string;
  readonly ms: number;
}

/** Bounds that hold on a loaded 2-core machine: the config promises 5 s (page timeout) and 7 s (plus the lock). */
const UNCACHED_504_BOUND_MS = 10_000;
const STALE_BOUND_MS = 3_000;

describe('renderNginxConf: the prod page cache, run in a real nginx in front of an app', function () {
  this.timeout(30_000);
  const runDir = useTempDir('page-cache', 'all');
  const pageTimeoutMs = testValues('prod').web.cdn.pageTimeoutSeconds * 1000;
  let app: ScriptedApp | undefined;
  let nginx: RunningNginx | undefined;

  before(async function () {
    const binary = requireBinary(this, ['nginx', '/usr/sbin/nginx'], 'the page cache is tested in a real nginx');
    app = await startScriptedApp();
    nginx = await startNginx(binary, nginxConfOf(objectsOf('prod')), runDir(), app.port);
  });

  after(async () => {
    await nginx?.stop();
    await app?.close();
  });

  afterEach(() => app?.recover());

  /**
   * One GET on its own connection (`agent` to share one): nginx holds a keep-alive connection until a background
   * refresh started on it ends, which would make one test's hung refresh delay the next test's first request.
   */
  function get(url: string, headers: Record<string, string> = {}, agent: Agent | false = false): Promise<Answer> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(`${nginx!.url}${url}`, { headers, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', reject);
        res.on('end', () => {
          const header = (name: string) => {
            const value = res.headers[name];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          };
          resolve({
            status: res.statusCode ?? 0,
            cacheControl: header('cache-control'),
            cacheStatus: header('x-cache-status'),
            setCookie: header('set-cookie'),
            expires: header('expires'),
            body,
            ms: performance.now() - started,
          });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  const tiers = [
    { tier: 'product', path: '/products/blue-mug' },
    { tier: 'search', path: '/search?q=mug' },
    { tier: 'static', path: '/assets/app.3f2a.css' },
  ] as const;
  const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

  describe('what the app says about freshness', () => {
    const freshness = [
      { query: 'cc=no-cache' },
      { query: 'cc=max-age=0' },
      { query: `cc=${encodeURIComponent('no-cache, max-age=0, must-revalidate')}` },
      { query: `expires=${encodeURIComponent('Thu, 01 Jan 1970 00:00:00 GMT')}` },
    ];

    it('does not stop a page from being stored per its tier (2nd request HIT, the app asked once)', async () => {
      for (const { tier, path } of tiers) {
        for (const { query } of freshness) {
          const url = withQuery(path, query);
          const first = await get(url);
          const second = await get(url);
          const seen = [first.status, first.cacheStatus, second.cacheStatus, app!.hits(url)];
          assert.deepEqual(seen, [200, 'MISS', 'HIT', 1], url);
          for (const answer of [first, second]) {
            assert.equal(answer.cacheControl, CDN_TIERS[tier].cacheControl, url);
            assert.equal(answer.expires, null, `${url}: the app's Expires is replaced by the tier's policy`);
          }
        }
      }
    });
  });

  describe('personal responses', () => {
    const personal = [
      { what: 'sets a cookie', query: 'cookie=1' },
      { what: 'says private', query: 'cc=private' },
      { what: 'says private, no-store', query: `cc=${encodeURIComponent('private, no-store')}` },
      { what: 'says no-store', query: 'cc=no-store' },
      { what: 'says private with a max-age', query: `cc=${encodeURIComponent('private, max-age=600')}` },
    ];

    it('never stores a response the app sets a cookie on or marks private, and never marks it public', async () => {
      for (const { path } of [...tiers, { path: '/' }]) {
        for (const { what, query } of personal) {
          const url = withQuery(path, query);
          const answers = [await get(url), await get(url)];
          assert.equal(app!.hits(url), 2, `${url} (${what}) was served from the cache`);
          for (const answer of answers) {
            assert.equal(answer.status, 200, url);
            assert.equal(answer.cacheControl, CDN_TIERS.private.cacheControl, `${url} (${what})`);
            assert.notEqual(answer.cacheStatus, 'HIT', url);
          }
          if (query === 'cookie=1') assert.match(answers[1]!.setCookie ?? '', /^visitor=v2;/, 'the visitor gets it');
        }
      }
    });

    it('does not let a personal response replace the stored page others get', async () => {
      const url = '/products/shared-page';
      await get(url);
      // The same URL, answered for one visitor (the session cookie): passed through, not stored.
      const mine = await get(url, { cookie: 'session=abc' });
      const theirs = await get(url);
      assert.deepEqual(
        [mine.cacheControl, theirs.cacheStatus, theirs.body],
        [CDN_TIERS.private.cacheControl, 'HIT', `page ${url} #1`],
      );
    });
  });

  describe('errors', () => {
    it('never marks an error publicly cacheable and never stores a server error', async () => {
      for (const { path } of [...tiers, { path: '/' }]) {
        for (const status of [500, 502, 503]) {
          const url = withQuery(path, `status=${status}`);
          const answers = [await get(url), await get(url)];
          assert.equal(app!.hits(url), 2, `${url} was stored`);
          for (const answer of answers) {
            assert.deepEqual([answer.status, answer.cacheControl], [status, CDN_TIERS.error.cacheControl], url);
          }
        }
      }
    });

    it('keeps a 404 only briefly in the page cache and tells nobody else to keep it', async () => {
      for (const { path } of tiers) {
        const url = withQuery(path, 'status=404');
        const answers = [await get(url), await get(url)];
        // Stored for a minute (NOT_FOUND_KEEP): a crawler's misses do not all reach the app.
        assert.deepEqual(
          answers.map((a) => [a.status, a.cacheStatus, a.cacheControl]),
          [
            [404, 'MISS', CDN_TIERS.error.cacheControl],
            [404, 'HIT', CDN_TIERS.error.cacheControl],
          ],
          url,
        );
      }
    });
  });

  describe('static assets', () => {
    it('keeps a product or search URL that ends like an asset in its own tier, not the one-year one', async () => {
      const cases = [
        { url: '/products/SKU-1.js', tier: 'product' },
        { url: '/products/poster.png', tier: 'product' },
        { url: '/search/mugs.css', tier: 'search' },
        { url: '/assets/app.3f2a.js', tier: 'static' },
        { url: '/favicon.ico', tier: 'static' },
      ] as const;
      for (const { url, tier } of cases) {
        assert.equal((await get(url)).cacheControl, CDN_TIERS[tier].cacheControl, url);
      }
    });
  });

  describe('a hung app', () => {
    it('answers a page nobody has stored with a 504 within seconds, not a minute', async () => {
      app!.hang();
      // Two visitors of one product page (the second waits on the first's cache lock, then asks itself) and one of
      // a page outside the tiers.
      const answers = await Promise.all([get('/products/hung-1'), get('/products/hung-1'), get('/')]);
      for (const answer of answers) {
        assert.deepEqual([answer.status, answer.cacheControl], [504, CDN_TIERS.error.cacheControl]);
        assert.ok(answer.ms < UNCACHED_504_BOUND_MS, `504 took ${Math.round(answer.ms)} ms`);
        // It is the page timeout that fired, not something quicker.
        assert.ok(answer.ms >= pageTimeoutMs * 0.9, `504 after only ${Math.round(answer.ms)} ms`);
      }
    });

    it('serves the stored copy of an expired page at once, and keeps doing so while the app stays hung', async () => {
      // A 1-second life (X-Accel-Expires) so the page expires within the test.
      const url = '/products/stale-1?accel=1';
      const stored = await get(url);
      assert.equal(stored.cacheStatus, 'MISS');
      app!.hang();
      // Fresh copies are HITs that never reach the app; the first request after expiry gets the stale copy and
      // starts a refresh in the background, which hangs.
      const stale = await waitFor('the page to expire', 10_000, async () => {
        const answer = await get(url);
        return answer.cacheStatus === 'STALE' ? answer : undefined;
      });
      const whileRefreshing = await get(url);
      await waitFor('nginx to give up on the hung refresh', pageTimeoutMs + 10_000, () =>
        app!.abandoned(url) >= 1 ? true : undefined,
      );
      const afterGivingUp = await get(url);
      for (const answer of [stale, whileRefreshing, afterGivingUp]) {
        assert.deepEqual(
          [answer.status, answer.body, answer.cacheControl],
          [200, stored.body, CDN_TIERS.product.cacheControl],
        );
        assert.ok(answer.ms < STALE_BOUND_MS, `stale copy took ${Math.round(answer.ms)} ms`);
      }
      assert.equal(whileRefreshing.cacheStatus, 'UPDATING');
    });

    it('holds the next request on a connection that got a stale copy at most the page timeout', async () => {
      // nginx finishes a request only when its background refresh ends, and only then reads the next request on
      // that keep-alive connection: the cost of a hung app to a client that reuses its connection.
      const url = '/search?q=stale-keepalive&accel=1';
      await get(url);
      app!.hang();
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        await waitFor('the page to expire', 10_000, async () =>
          (await get(url, {}, agent)).cacheStatus === 'STALE' ? true : undefined,
        );
        const next = await get(url, {}, agent);
        assert.equal(next.status, 200);
        assert.ok(next.ms < UNCACHED_504_BOUND_MS, `the next request waited ${Math.round(next.ms)} ms`);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('a failing app (search down and the app answers 502/503)', () => {
    it('keeps serving the stored copy of an expired page', async () => {
      const url = '/search?q=stale&accel=1';
      const stored = await get(url);
      app!.fail(503);
      const stale = await waitFor('the page to expire', 10_000, async () => {
        const answer = await get(url);
        return answer.cacheStatus === 'STALE' ? answer : undefined;
      });
      const failedRefreshes = app!.hits(url);
      // The refresh got a 503 (not stored); the following visitors still get the copy and a refresh is tried.
      const next = await waitFor('a failed refresh', 10_000, async () => {
        const answer = await get(url);
        return app!.hits(url) > failedRefreshes ? answer : undefined;
      });
      for (const answer of [stale, next]) {
        assert.deepEqual(
          [answer.status, answer.body, answer.cacheControl],
          [200, stored.body, CDN_TIERS.search.cacheControl],
        );
        assert.ok(answer.ms < STALE_BOUND_MS, `stale copy took ${Math.round(answer.ms)} ms`);
      }
    });
  });
});

describe('renderNginxConf: dev, the page cache off, run in a real nginx in front of an app', function () {
  this.timeout(30_000);
  const runDir = useTempDir('dev-pass-through', 'all');
  let app: ScriptedApp | undefined;
  let nginx: RunningNginx | undefined;

  before(async function () {
    const binary = requireBinary(this, ['nginx', '/usr/sbin/nginx'], 'the dev pass-through is tested in a real nginx');
    app = await startScriptedApp();
    nginx = await startNginx(binary, nginxConfOf(objectsOf('dev'), 'dev'), runDir(), app.port);
  });

  after(async () => {
    await nginx?.stop();
    await app?.close();
  });

  afterEach(() => app?.recover());

  async function get(
    url: string,
  ): Promise<{ status: number; cacheControl: string | null; cacheStatus: string | null }> {
    const res = await fetch(`${nginx!.url}${url}`);
    await res.text();
    return {
      status: res.status,
      cacheControl: res.headers.get('cache-control'),
      cacheStatus: res.headers.get('x-cache-status'),
    };
  }

  // Each URL would be stored in prod (a tier) or is a private path; in dev every one reaches the app each time.
  const urls = [
    '/products/blue-mug',
    `/products/blue-mug-public?cc=${encodeURIComponent('public, max-age=3600')}`,
    '/search?q=mug',
    '/search/sofas',
    '/assets/app.3f2a.css',
    `/assets/immutable.css?cc=${encodeURIComponent('public, max-age=31536000, immutable')}`,
    '/',
    '/category/chairs',
    '/api/cart',
    '/account',
    '/products/missing?status=404',
    '/products/redirect?status=301',
  ];

  it('lets every request reach the app and marks every answer no-store, whatever the app said', async () => {
    for (const url of urls) {
      const answers = [await get(url), await get(url), await get(url)];
      assert.equal(app!.hits(url), 3, `${url} was answered without asking the app`);
      for (const answer of answers) {
        assert.equal(answer.cacheControl, 'no-store', url);
        assert.equal(answer.cacheStatus, null, `${url}: no page cache, so no cache status`);
      }
      assert.equal(answers[0]!.status, Number(new URL(url, 'http://x').searchParams.get('status') ?? 200), url);
    }
  });

  it('passes an error straight through, marked no-store', async () => {
    app!.fail(503);
    const answer = await get('/products/failing');
    assert.deepEqual([answer.status, answer.cacheControl], [503, 'no-store']);
  });
});
