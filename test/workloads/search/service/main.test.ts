import assert from 'node:assert/strict';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { demoRules, generateCatalog } from '../../../../tools/search-demo/generate-catalog.js';
import { runIndexCommand } from '../../../../workloads/search/index/build/index-command.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from '../../../../workloads/search/command-result.js';
import { runSearchServe } from '../../../../workloads/search/service/main.js';
import { TINY_MODEL_DIR } from '../../../../workloads/search/embedder/tiny-model.js';
import { HashEmbedder } from '../../../helpers/hash-embedder.js';
import { waitUntil } from '../../../helpers/wait.js';
import { generateProducts, writeFixtureIndex } from '../../../helpers/fixture-index.js';
import { makeTempDir, removeDir } from '../../../helpers/temp-dir.js';

/** A pino logger whose JSON lines the test can read. */
function capturedLog(): { log: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  return { log, lines };
}

describe('runSearchServe', () => {
  const embedder = new HashEmbedder(16);
  let dir: string;

  beforeEach(async () => {
    dir = (await writeFixtureIndex(embedder, generateProducts(40))).dir;
  });
  afterEach(async () => {
    removeDir(dir);
  });

  it('listens, becomes ready once the index is loaded, serves, and stops cleanly on abort', async () => {
    const stop = new AbortController();
    const modelDirs: string[] = [];
    let address = '';
    const { log, lines } = capturedLog();
    const running = runSearchServe(
      { dataDir: dir, port: '0', host: '127.0.0.1', modelDir: '/models/test' },
      {
        env: {},
        log,
        signal: stop.signal,
        loadEmbedder: async (modelDir) => {
          modelDirs.push(modelDir);
          return embedder;
        },
        onListening: (listening) => (address = listening),
      },
    );
    await waitUntil('listening', 5000, () => address !== '');
    await waitUntil('ready', 5000, async () => (await fetch(`${address}/readyz`)).status === 200);
    const response = await fetch(`${address}/search?q=boots`);
    assert.equal(response.status, 200);
    assert.ok(((await response.json()) as { results: unknown[] }).results.length > 0);
    assert.deepEqual(modelDirs, ['/models/test']);
    stop.abort();
    assert.equal(await running, EXIT_OK);
    assert.ok(lines.some((line) => line.msg === 'index loaded: ready'));
    await assert.rejects(fetch(`${address}/healthz`), 'the port is closed');
  });

  it('uses <data>/model when the index ships its model', async () => {
    await mkdir(join(dir, 'model'));
    const stop = new AbortController();
    let modelDir = '';
    const running = runSearchServe(
      { dataDir: dir, port: '0', host: '127.0.0.1' },
      {
        env: { SEARCH_MODEL_DIR: '/elsewhere' },
        log: pino({ level: 'silent' }),
        signal: stop.signal,
        loadEmbedder: async (path) => {
          modelDir = path;
          stop.abort();
          return embedder;
        },
      },
    );
    assert.equal(await running, EXIT_OK);
    assert.equal(modelDir, join(dir, 'model'));
  });

  it('exits non-zero with the reason when the index is broken', async () => {
    await unlink(join(dir, 'embeddings.npy'));
    const { log, lines } = capturedLog();
    const started = Date.now();
    const code = await runSearchServe(
      { dataDir: dir, port: '0', host: '127.0.0.1', modelDir: '/m' },
      { env: {}, log, loadEmbedder: async () => embedder },
    );
    assert.equal(code, EXIT_FAILED);
    // Exits on its own rather than serving unready forever (a generous bound for a loaded machine).
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
    const fatal = lines.find((line) => line.level === 60);
    assert.ok(fatal, 'a fatal log line');
    assert.match(fatal.msg, new RegExp(`^cannot serve: index ${dir}: embeddings\\.npy: file missing`));
  });

  it('exits non-zero when the model does not load', async () => {
    const code = await runSearchServe(
      { dataDir: dir, port: '0', host: '127.0.0.1', modelDir: '/m' },
      {
        env: {},
        log: pino({ level: 'silent' }),
        loadEmbedder: async () => Promise.reject(new Error('/m/config.json: not found')),
      },
    );
    assert.equal(code, EXIT_FAILED);
  });

  it('exits with the config code, naming the variable, on a bad setting', async () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => written.push(chunk) > 0;
    try {
      const code = await runSearchServe(
        { dataDir: dir },
        { env: { SEARCH_CACHE_TIMEOUT_MS: 'soon' }, loadEmbedder: async () => embedder },
      );
      assert.equal(code, EXIT_BAD_INPUT);
    } finally {
      process.stderr.write = original;
    }
    assert.deepEqual(written, [
      'roleplane search serve: SEARCH_CACHE_TIMEOUT_MS: must be an integer from 1 to 10000 (got "soon")\n',
    ]);
  });

  it('falls back to SEARCH_MODEL_DIR, then to the built-in tiny model', async () => {
    const seen: string[] = [];
    for (const env of [{ SEARCH_MODEL_DIR: '/models/env' }, {}]) {
      const stop = new AbortController();
      const code = await runSearchServe(
        { dataDir: dir, port: '0', host: '127.0.0.1' },
        {
          env,
          log: pino({ level: 'silent' }),
          signal: stop.signal,
          loadEmbedder: async (modelDir) => {
            seen.push(modelDir);
            stop.abort();
            return embedder;
          },
        },
      );
      assert.equal(code, EXIT_OK);
    }
    assert.deepEqual(seen, ['/models/env', TINY_MODEL_DIR]);
  });

  it('serves an index built by `roleplane search index` with the real tiny model', async function () {
    this.timeout(120_000);
    const work = makeTempDir('e2e');
    try {
      const catalog = join(work, 'catalog.jsonl');
      const rules = join(work, 'rules.json');
      await writeFile(catalog, [...generateCatalog({ count: 300 })].map((p) => `${JSON.stringify(p)}\n`).join(''));
      await writeFile(rules, JSON.stringify(demoRules()));
      const built = await runIndexCommand({
        catalog,
        rules,
        out: join(work, 'index'),
        progressStream: { write: () => true },
      });
      assert.equal(built.exitCode, 0, built.stderr);

      const stop = new AbortController();
      let address = '';
      const running = runSearchServe(
        { dataDir: join(work, 'index'), port: '0', host: '127.0.0.1' },
        {
          env: {},
          log: pino({ level: 'silent' }),
          signal: stop.signal,
          onListening: (listening) => (address = listening),
        },
      );
      try {
        await waitUntil(
          'ready',
          60_000,
          async () => address !== '' && (await fetch(`${address}/readyz`)).status === 200,
        );
        const response = await fetch(`${address}/search?q=${encodeURIComponent('leather boots under $200')}`);
        assert.equal(response.status, 200);
        const body = (await response.json()) as {
          filters: Record<string, unknown>;
          results: Array<{ category: string; price: number }>;
        };
        assert.ok(body.results.length > 0);
        assert.ok(
          body.results.every((r) => r.price <= 200),
          'price filter honoured',
        );
      } finally {
        stop.abort();
        assert.equal(await running, EXIT_OK);
      }
    } finally {
      removeDir(work);
    }
  });
});
