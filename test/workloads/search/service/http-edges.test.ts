import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { loadSearchIndex, type SearchIndex } from '../../../../workloads/search/index/serve/load-index.js';
import { MAX_URL_LENGTH } from '../../../../workloads/search/service/http-errors.js';
import { HashEmbedder } from '../../../helpers/hash-embedder.js';
import { type FixtureIndex, generateProducts, writeFixtureIndex } from '../../../helpers/fixture-index.js';
import { type ErrorBody, rawHttp, type SearchBody, testApp } from '../../../helpers/search-app.js';

/**
 * The HTTP contract at its edges: what the service answers to requests a browser would not send but a client,
 * a proxy or a broken link will. Every error, whichever layer finds it, is `{ statusCode, error, message }` and
 * the message names the parameter and what was received. Decisions are in the test names.
 */

const GET_ROUTES = [
  '/search',
  '/autocomplete',
  '/related-searches',
  '/products/p00001/related',
  '/healthz',
  '/readyz',
  '/metrics',
];
const EMOJI = '\u{1F600}'; // one character (code point), two UTF-16 units, four UTF-8 bytes

/** inject, with the body parsed as JSON when it is JSON. */
async function send(
  app: FastifyInstance,
  options: InjectOptions,
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown; raw: string }> {
  const response = await app.inject(options);
  // HEAD keeps the GET's content-type but has no body.
  const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json') && response.body !== '';
  return {
    status: response.statusCode,
    headers: response.headers,
    body: isJson ? response.json() : response.body,
    raw: response.body,
  };
}

async function get(app: FastifyInstance, url: string): ReturnType<typeof send> {
  return send(app, { method: 'GET', url });
}

/** The one error shape, with this status and a message matching `message`. */
function assertError(response: { status: number; body: unknown }, status: number, message: RegExp | string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  const body = response.body as ErrorBody;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'statusCode']);
  assert.equal(body.statusCode, status);
  assert.equal(typeof body.error, 'string');
  if (typeof message === 'string') assert.equal(body.message, message);
  else assert.match(body.message, message);
}

describe('HTTP edges of the search service', () => {
  let fixture: FixtureIndex;
  let index: SearchIndex;
  let app: FastifyInstance;

  before(async () => {
    const embedder = new HashEmbedder(16);
    fixture = await writeFixtureIndex(embedder, generateProducts(60));
    index = await loadSearchIndex(fixture.dir);
  });
  after(async () => {
    await rm(fixture.dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    app = testApp({ index, embedder: new HashEmbedder(16) });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
  });

  describe('percent-encoding', () => {
    const malformed: Array<[string, string]> = [
      ['%zz', 'q: has an invalid percent-escape "%zz" (got "%zz")'],
      ['%', 'q: has an invalid percent-escape "%" (got "%")'],
      ['red%2', 'q: has an invalid percent-escape "%2" (got "red%2")'],
      ['%FF%FE', 'q: is not UTF-8 once percent-decoded (got "%FF%FE")'],
      ['caf%C3', 'q: is not UTF-8 once percent-decoded (got "caf%C3")'],
      ['%ED%A0%80', 'q: is not UTF-8 once percent-decoded (got "%ED%A0%80")'],
    ];
    for (const [q, message] of malformed) {
      it(`answers 400 naming q instead of searching the text literally: q=${q}`, async () => {
        assertError(await get(app, `/search?q=${q}`), 400, message);
      });
    }

    it('answers the same 400 for malformed encoding on every route that reads q', async () => {
      for (const path of ['/autocomplete', '/related-searches']) {
        assertError(await get(app, `${path}?q=%zz`), 400, 'q: has an invalid percent-escape "%zz" (got "%zz")');
      }
    });

    it('answers 400 naming limit when limit is malformed', async () => {
      assertError(
        await get(app, '/search?q=boots&limit=%3'),
        400,
        'limit: has an invalid percent-escape "%3" (got "%3")',
      );
    });

    it('answers a malformed escape in the path with the same shape, naming the path', async () => {
      assertError(
        await get(app, '/products/%zz/related'),
        400,
        'path: has an invalid percent-escape "%zz" (got "/products/%zz/related")',
      );
      assertError(
        await get(app, '/products/%FF%FE/related'),
        400,
        'path: is not UTF-8 once percent-decoded (got "/products/%FF%FE/related")',
      );
    });

    it('ignores a malformed escape in a parameter the route does not read, as it ignores the parameter', async () => {
      const { status, body } = await get(app, '/search?q=boots&utm_source=%zz');
      assert.equal(status, 200);
      assert.equal((body as SearchBody).query, 'boots');
    });

    it('reads + as a space and %2B as a plus, as browsers encode forms', async () => {
      assert.equal(((await get(app, '/search?q=red+boots')).body as SearchBody).query, 'red boots');
      assert.equal(((await get(app, '/search?q=c%2B%2B')).body as SearchBody).query, 'c++');
    });

    it('decodes a valid multi-byte query', async () => {
      const { status, body } = await get(app, `/search?q=${encodeURIComponent('café bleu')}`);
      assert.equal(status, 200);
      assert.equal((body as SearchBody).query, 'café bleu');
    });
  });

  describe('lengths, in characters (Unicode code points)', () => {
    it(`accepts a query of 512 emoji: the limit counts characters, not UTF-16 units`, async () => {
      assert.equal((await get(app, `/search?q=${encodeURIComponent(EMOJI.repeat(512))}`)).status, 200);
    });

    it('reports 513 emoji as 513 characters, the unit of the limit', async () => {
      assertError(
        await get(app, `/search?q=${encodeURIComponent(EMOJI.repeat(513))}`),
        400,
        'q: must be at most 512 characters (got 513)',
      );
    });

    for (const length of [101, 512]) {
      it(`looks up a product id of ${length} characters (the router does not cut ids at 100)`, async () => {
        const id = 'x'.repeat(length);
        assertError(await get(app, `/products/${id}/related`), 404, `product ${JSON.stringify(id)} not found`);
      });
    }

    it('looks up a product id of 512 emoji, percent-encoded (6 KB of URL)', async () => {
      const response = await get(app, `/products/${encodeURIComponent(EMOJI.repeat(512))}/related`);
      assertError(response, 404, /^product ".*" not found$/);
    });

    it('answers a product id of 513 characters with the 400 the query gets, naming id', async () => {
      assertError(
        await get(app, `/products/${'x'.repeat(513)}/related`),
        400,
        'id: must be at most 512 characters (got 513)',
      );
      assertError(
        await get(app, `/products/${encodeURIComponent(EMOJI.repeat(513))}/related`),
        400,
        'id: must be at most 512 characters (got 513)',
      );
    });

    it(`answers 414 for a URL over ${MAX_URL_LENGTH} bytes, on a route or not`, async () => {
      const q = 'a'.repeat(MAX_URL_LENGTH);
      assertError(
        await get(app, `/search?q=${q}`),
        414,
        `URL: must be at most ${MAX_URL_LENGTH} bytes (got ${MAX_URL_LENGTH + 10})`,
      );
      assertError(
        await get(app, `/nope?q=${q}`),
        414,
        `URL: must be at most ${MAX_URL_LENGTH} bytes (got ${MAX_URL_LENGTH + 8})`,
      );
      assertError(await get(app, `/products/${q}/related`), 414, /^URL: must be at most 8192 bytes \(got \d+\)$/);
    });
  });

  describe('limit', () => {
    for (const [limit, got] of [
      ['0x10', '"0x10"'],
      ['1e1', '"1e1"'],
      ['+5', '" 5"'], // + is a space in a query string
      ['%2B5', '"+5"'],
      ['5.0', '"5.0"'],
      ['%205', '" 5"'],
      ['Infinity', '"Infinity"'],
    ]) {
      it(`answers 400 for limit=${limit}: only decimal digits are an integer`, async () => {
        assertError(await get(app, `/search?q=boots&limit=${limit}`), 400, `limit: must be an integer (got ${got})`);
      });
    }

    it('reads leading zeros as decimal: limit=05 is 5', async () => {
      const { status, body } = await get(app, '/search?q=boots&limit=05');
      assert.equal(status, 200);
      assert.equal((body as SearchBody).results.length, 5);
    });

    it('answers an out-of-range limit with the range and the number received', async () => {
      assertError(await get(app, '/search?q=boots&limit=0'), 400, 'limit: must be at least 1 (got 0)');
      assertError(await get(app, '/search?q=boots&limit=-3'), 400, 'limit: must be at least 1 (got -3)');
      assertError(await get(app, '/autocomplete?q=b&limit=21'), 400, 'limit: must be at most 20 (got 21)');
    });

    it('checks limit syntax on every route that takes one', async () => {
      for (const url of [
        '/autocomplete?q=b&limit=1e1',
        '/related-searches?q=b&limit=1e1',
        '/products/p00001/related?limit=1e1',
      ]) {
        assertError(await get(app, url), 400, 'limit: must be an integer (got "1e1")');
      }
    });
  });

  describe('parameters', () => {
    it('answers 400 for a parameter given twice rather than picking one', async () => {
      assertError(await get(app, '/search?q=a&q=b'), 400, 'q: must be given once (got ["a","b"])');
      assertError(await get(app, '/search?q=boots&limit=1&limit=2'), 400, 'limit: must be given once (got ["1","2"])');
    });

    it('answers 400 for an empty or blank q', async () => {
      assertError(await get(app, '/search?q='), 400, 'q: must not be empty');
      assertError(await get(app, '/search?q'), 400, 'q: must not be empty');
      assertError(await get(app, '/search?q=+++'), 400, 'q: must not be empty');
    });

    it('ignores parameters it does not know (a cache-buster or a tracking tag must not break a search)', async () => {
      const plain = (await get(app, '/search?q=boots')).body as SearchBody;
      const tagged = await get(app, '/search?q=boots&_=1712345678&utm_source=mail&limt=3');
      assert.equal(tagged.status, 200);
      assert.deepEqual((tagged.body as SearchBody).results, plain.results);
    });

    it('treats a parameter named __proto__ as a parameter, not as the prototype', async () => {
      const { status } = await get(app, '/search?q=boots&__proto__=x&constructor=y');
      assert.equal(status, 200);
    });
  });

  describe('methods', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      it(`answers ${method} on a GET route with 405 and Allow: GET, HEAD, OPTIONS`, async () => {
        const response = await send(app, { method, url: '/search?q=boots' });
        assertError(response, 405, `${method} /search: method not allowed (allowed: GET, HEAD, OPTIONS)`);
        assert.equal(response.headers['allow'], 'GET, HEAD, OPTIONS');
      });
    }

    it('answers 405 on every GET route, including the parametric one', async () => {
      for (const url of GET_ROUTES) {
        const response = await send(app, { method: 'POST', url });
        assert.equal(response.status, 405, url);
        assert.equal(response.headers['allow'], 'GET, HEAD, OPTIONS', url);
      }
    });

    it('answers 405 before reading the body: a POST with broken JSON learns the method is wrong', async () => {
      const response = await send(app, {
        method: 'POST',
        url: '/search',
        headers: { 'content-type': 'application/json' },
        payload: '{"q": ',
      });
      assertError(response, 405, /^POST \/search: method not allowed/);
    });

    it('answers OPTIONS on a GET route with 204 and Allow: GET, HEAD, OPTIONS', async () => {
      for (const url of GET_ROUTES) {
        const response = await send(app, { method: 'OPTIONS', url });
        assert.equal(response.status, 204, url);
        assert.equal(response.headers['allow'], 'GET, HEAD, OPTIONS', url);
        assert.equal(response.raw, '');
      }
    });

    it('answers HEAD on a GET route with the status and headers of the GET and no body', async () => {
      const head = await send(app, { method: 'HEAD', url: '/healthz' });
      const getResponse = await get(app, '/healthz');
      assert.equal(head.status, 200);
      assert.equal(head.raw, '');
      assert.equal(head.headers['content-type'], getResponse.headers['content-type']);
      assert.equal(head.headers['content-length'], getResponse.headers['content-length']);
    });

    it('answers HEAD with the GET status when the parameters are wrong', async () => {
      const head = await send(app, { method: 'HEAD', url: '/search?q=%zz' });
      assert.equal(head.status, 400);
      assert.equal(head.raw, '');
    });

    it('answers 404, not 405, for any method on a path that has no route', async () => {
      assertError(await send(app, { method: 'POST', url: '/nope' }), 404, 'no route POST /nope');
      assertError(await send(app, { method: 'OPTIONS', url: '/nope' }), 404, 'no route OPTIONS /nope');
    });

    it('answers 501 for a method no route implements (WebDAV and the like)', async () => {
      assertError(
        await send(app, { method: 'PROPFIND' as InjectOptions['method'], url: '/search' }),
        501,
        'PROPFIND: method not implemented (allowed: GET, HEAD, OPTIONS)',
      );
    });
  });

  describe('paths', () => {
    it('serves a path with a trailing slash as the path without it', async () => {
      const { status, body } = await get(app, '/search/?q=boots');
      assert.equal(status, 200);
      assert.equal((body as SearchBody).query, 'boots');
      assert.equal((await get(app, '/healthz/')).status, 200);
    });

    it('answers 404 for a doubled slash or another case: paths are exact otherwise', async () => {
      assertError(await get(app, '//search?q=boots'), 404, 'no route GET //search');
      assertError(await get(app, '/Search?q=boots'), 404, 'no route GET /Search');
    });

    it('decodes an encoded slash in a product id as part of the id', async () => {
      assertError(await get(app, '/products/a%2Fb/related'), 404, 'product "a/b" not found');
    });
  });

  describe('over a real socket (what inject() never sends)', () => {
    let port: number;
    beforeEach(async () => {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      port = Number(new URL(address).port);
    });

    const request = (target: string, headers = ''): string =>
      `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`;

    function assertRawError(
      response: Awaited<ReturnType<typeof rawHttp>>,
      status: number,
      message: RegExp | string,
    ): void {
      assert.match(response.headers['content-type'] ?? '', /^application\/json/);
      assertError({ status: response.status, body: JSON.parse(response.body) as unknown }, status, message);
    }

    it('searches over a socket as through inject', async () => {
      const response = await rawHttp(port, request('/search?q=red+boots'));
      assert.equal(response.status, 200);
      assert.equal((JSON.parse(response.body) as SearchBody).query, 'red boots');
    });

    it('answers a malformed escape in q with the same 400 as through inject', async () => {
      assertRawError(
        await rawHttp(port, request('/search?q=%zz')),
        400,
        'q: has an invalid percent-escape "%zz" (got "%zz")',
      );
    });

    it('answers 400 for a raw "#" in q: a fragment is never sent, and "c#" is sent as c%23', async () => {
      assertRawError(
        await rawHttp(port, request('/search?q=c#')),
        400,
        'q: has a "#" that is not percent-encoded as %23 (got "c#")',
      );
    });

    it('answers 400 naming the byte for raw UTF-8 in the request line, in the JSON shape', async () => {
      const response = await rawHttp(port, Buffer.from(request('/search?q=café'), 'utf8'));
      assertRawError(response, 400, 'URL: byte 0xC3 must be percent-encoded (as %C3)');
      assert.equal(response.headers['connection'], 'close');
    });

    it('answers 400 naming the product path for invalid UTF-8 in the path', async () => {
      assertRawError(
        await rawHttp(port, request('/products/%C3%28/related')),
        400,
        'path: is not UTF-8 once percent-decoded (got "/products/%C3%28/related")',
      );
    });

    it('answers 400 in the JSON shape for a request line that is not HTTP (a raw space)', async () => {
      assertRawError(
        await rawHttp(port, request('/search?q=red boots')),
        400,
        /^request: is not valid HTTP\/1\.x \(.+\)$/,
      );
    });

    it('answers 405 with Allow over a socket', async () => {
      const response = await rawHttp(
        port,
        'POST /search HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      assertRawError(response, 405, 'POST /search: method not allowed (allowed: GET, HEAD, OPTIONS)');
      assert.equal(response.headers['allow'], 'GET, HEAD, OPTIONS');
    });

    it('answers OPTIONS * (a question about the server) with 204 and the Allow of every route', async () => {
      const response = await rawHttp(port, 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      assert.equal(response.status, 204);
      assert.equal(response.headers['allow'], 'GET, HEAD, OPTIONS');
    });

    it("answers 400 with the parser's reason for a target that is not a path", async () => {
      assertRawError(await rawHttp(port, request('search?q=boots')), 400, /^request: is not valid HTTP\/1\.x \(.+\)$/);
    });

    it('answers 501 for a method Node does not know', async () => {
      assertRawError(
        await rawHttp(port, 'FETCH /search HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
        501,
        'FETCH: method not implemented (allowed: GET, HEAD, OPTIONS)',
      );
    });

    it('accepts the longest valid query: 512 four-byte characters, percent-encoded', async () => {
      const response = await rawHttp(port, request(`/search?q=${encodeURIComponent(EMOJI.repeat(512))}`));
      assert.equal(response.status, 200);
    });

    it(`answers 414 in the JSON shape for a URL over ${MAX_URL_LENGTH} bytes`, async () => {
      const response = await rawHttp(port, request(`/search?q=${'a'.repeat(10_000)}`));
      assertRawError(response, 414, `URL: must be at most ${MAX_URL_LENGTH} bytes (got 10010)`);
    });

    it("answers the same 414 for a URL over Node's 16 KB limit on the request line and headers", async () => {
      const response = await rawHttp(port, request(`/search?q=${'a'.repeat(20_000)}`));
      assertRawError(response, 414, /^URL: must be at most 8192 bytes \(got more than \d+\)$/);
    });

    it('answers 431 in the JSON shape for headers over 16 KB', async () => {
      const response = await rawHttp(port, request('/search?q=boots', `X-Padding: ${'p'.repeat(20_000)}\r\n`));
      assertRawError(response, 431, /^request line and headers: must be at most \d+ bytes together/);
    });
  });
});
