// Tests of the index build (build-index.ts) and the two modules it is made of, catalog.ts and manifest.ts.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from '../../../../workloads/search/embedder/embedder.js';
import { loadLocalEmbedder } from '../../../../workloads/search/embedder/local-model.js';
import { loadRules, RulesError } from '../../../../workloads/search/filters/rules.js';
import {
  buildIndex,
  IndexOutputError,
  runIndexCommand,
  type BuildProgress,
} from '../../../../workloads/search/index/build-index.js';
import {
  CatalogError,
  normalizeProduct,
  productText,
  readCatalog,
  type CatalogProduct,
} from '../../../../workloads/search/index/catalog.js';
import { checkAnnFile } from '../../../../workloads/search/index/ann/ann-file.js';
import { DEFAULT_HNSW_PARAMS } from '../../../../workloads/search/index/ann/hnsw-index.js';
import {
  describeFile,
  ManifestError,
  readManifest,
  verifyIndexFiles,
} from '../../../../workloads/search/index/manifest.js';
import { readNpy } from '../../../../workloads/search/index/npy.js';
import { TINY_MODEL_DIR } from '../../../../workloads/search/models/tiny-model.js';
import { requireNumpyPython, runPython } from '../../../helpers/python.js';
import { useTempDir } from '../../../helpers/temp-dir.js';

const FIXTURES = new URL('../../../fixtures/search/', import.meta.url).pathname;
const CATALOG = join(FIXTURES, 'catalog.jsonl');
const RULES = join(FIXTURES, 'filters.json');
const FIXTURE_COUNT = 12;
const INDEX_FILES = ['embeddings.npy', 'filters.json', 'manifest.json', 'products.jsonl', 'vectors.usearch'];
const FIXED_NOW = new Date('2026-11-27T12:00:00.000Z');

/** Deterministic 4-dimensional unit vectors; `failOnCall` makes the n-th embed() call throw. */
function fakeEmbedder(
  options: { failOnCall?: number; vector?: (text: string) => number[] } = {},
): Embedder & { calls: number } {
  const fake = {
    modelId: 'fake@000000000000',
    dimensions: 4,
    calls: 0,
    async embed(texts: readonly string[]): Promise<Float32Array[]> {
      fake.calls += 1;
      if (fake.calls === options.failOnCall) throw new Error('embedder crashed mid-build');
      return texts.map((text) =>
        Float32Array.from(options.vector?.(text) ?? [0.5, 0.5, 0.5, text.length % 2 === 0 ? 0.5 : -0.5]),
      );
    },
  };
  return fake;
}

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name))]),
  );
}

async function collect(path: string): Promise<Array<{ line: number; product: CatalogProduct }>> {
  const out = [];
  for await (const entry of readCatalog(path)) out.push(entry);
  return out;
}

describe('workloads/search/index/build-index', () => {
  const tempDir = useTempDir('build-index');
  let tiny: Embedder;
  before(async () => {
    tiny = await loadLocalEmbedder(TINY_MODEL_DIR);
  });
  after(async () => {
    await tiny?.close?.();
  });

  const writeCatalog = (lines: readonly string[], name = 'catalog.jsonl'): string => {
    const path = join(tempDir(), name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  describe('catalog: normalizeProduct', () => {
    it('orders id, title, description, price first, trims title and description, drops nulls', () => {
      const product = normalizeProduct({
        color: 'red',
        price: 5,
        description: ' Soft. ',
        gone: null,
        title: '  Tee ',
        id: 'a',
        sizes: ['S'],
        isNew: true,
        stock: 3,
      });
      assert.equal(
        JSON.stringify(product),
        '{"id":"a","title":"Tee","description":"Soft.","price":5,"color":"red","sizes":["S"],"isNew":true,"stock":3}',
      );
      assert.equal(
        JSON.stringify(normalizeProduct({ id: 'b', title: 't', price: 0, description: '   ' })),
        '{"id":"b","title":"t","price":0}',
      );
    });

    it('keeps a field named __proto__ as a field', () => {
      const product = normalizeProduct(JSON.parse('{"id": "a", "title": "t", "price": 1, "__proto__": "x"}'));
      assert.equal(JSON.stringify(product), '{"id":"a","title":"t","price":1,"__proto__":"x"}');
    });
  });

  describe('catalog: readCatalog', () => {
    it('skips blank lines, numbers lines as in the file and accepts CRLF and a BOM', async () => {
      const path = join(tempDir(), 'crlf.jsonl');
      writeFileSync(path, '\uFEFF{"id":"a","title":"A","price":1}\r\n\r\n   \r\n{"id":"b","title":"B","price":2}');
      const entries = await collect(path);
      assert.deepEqual(
        entries.map((e) => [e.line, e.product.id]),
        [
          [1, 'a'],
          [4, 'b'],
        ],
      );
    });

    it('names a missing file', async () => {
      const missing = join(tempDir(), 'missing.jsonl');
      await assert.rejects(
        collect(missing),
        (err: Error) => err instanceof CatalogError && err.message === `${missing}: catalog file not found`,
      );
    });
  });

  describe('catalog: productText', () => {
    it('is the title, then the rule fields in rules order, then the description', () => {
      const product = normalizeProduct({
        id: 'a',
        title: 'Trail Boot',
        description: 'Warm.',
        price: 1,
        sku: 'X-1',
        color: 'tan',
        category: 'boots',
        tags: ['winter', ' '],
        rating: 4.5,
      });
      assert.equal(
        productText(product, ['category', 'color', 'tags', 'rating', 'brand']),
        'Trail Boot. boots, tan, winter. Warm.',
      );
      assert.equal(productText(normalizeProduct({ id: 'b', title: 'Mug', price: 1 }), ['color']), 'Mug');
    });
  });

  describe('manifest', () => {
    let index: string;
    beforeEach(async () => {
      index = join(tempDir(), 'index');
      await buildIndex({
        catalogPath: CATALOG,
        rulesPath: RULES,
        outDir: index,
        embedder: fakeEmbedder(),
        now: () => FIXED_NOW,
      });
    });

    it('reads back what the build wrote', async () => {
      const manifest = await readManifest(index);
      assert.equal(manifest.count, FIXTURE_COUNT);
      await verifyIndexFiles(index, manifest);
    });

    it('names the problem of a missing, unparsable or invalid manifest', async () => {
      const path = join(index, 'manifest.json');
      const json = JSON.parse(readFileSync(path, 'utf8')) as { files: Record<string, unknown> };
      writeFileSync(
        path,
        JSON.stringify({
          ...json,
          formatVersion: 2,
          dimensions: 0,
          files: { ...json.files, 'filters.json': { sha256: 'abc', bytes: 1 } },
        }),
      );
      await assert.rejects(readManifest(index), (err: Error) => {
        assert.ok(err instanceof ManifestError);
        assert.match(
          err.message,
          /^.*manifest\.json: invalid manifest: formatVersion: must be 1 \(an index from another version of the build; rebuild it\); dimensions: .*; files\.filters\.json\.sha256: must be 64 lowercase hex digits$/,
        );
        return true;
      });
      writeFileSync(path, '{');
      await assert.rejects(readManifest(index), /manifest\.json: invalid JSON: /);
      rmSync(path);
      await assert.rejects(readManifest(index), /manifest\.json: not found \(is this an index directory\?/);
    });

    it('catches a truncated, altered or missing file', async () => {
      const manifest = await readManifest(index);
      const products = join(index, 'products.jsonl');
      const original = readFileSync(products);
      writeFileSync(products, original.subarray(0, original.length - 1));
      await assert.rejects(
        verifyIndexFiles(index, manifest),
        new RegExp(
          `^ManifestError: ${products}: has ${original.length - 1} bytes, manifest.json says ${original.length} `,
        ),
      );
      const altered = Buffer.from(original);
      altered[2] = altered[2] === 0x41 ? 0x42 : 0x41;
      writeFileSync(products, altered);
      await assert.rejects(
        verifyIndexFiles(index, manifest),
        /products\.jsonl: SHA-256 [0-9a-f]{64} does not match manifest\.json/,
      );
      rmSync(join(index, 'filters.json'));
      await assert.rejects(verifyIndexFiles(index, manifest), /filters\.json: missing \(listed in manifest\.json\)/);
    });
  });

  describe('buildIndex', () => {
    it('writes embeddings, products, rules and a manifest with their checksums', async () => {
      const out = join(tempDir(), 'index');
      const manifest = await buildIndex({
        catalogPath: CATALOG,
        rulesPath: RULES,
        outDir: out,
        embedder: tiny,
        now: () => FIXED_NOW,
      });
      assert.deepEqual(readdirSync(out).sort(), INDEX_FILES);
      assert.deepEqual(readdirSync(tempDir()), ['index'], 'no temporary directory left beside the index');
      assert.deepEqual(manifest, {
        formatVersion: 1,
        modelId: tiny.modelId,
        dimensions: tiny.dimensions,
        count: FIXTURE_COUNT,
        createdAt: '2026-11-27T12:00:00.000Z',
        files: {
          'embeddings.npy': await describeFile(join(out, 'embeddings.npy')),
          'products.jsonl': await describeFile(join(out, 'products.jsonl')),
          'filters.json': await describeFile(join(out, 'filters.json')),
        },
        ann: {
          file: 'vectors.usearch',
          ...(await describeFile(join(out, 'vectors.usearch'))),
          engine: 'usearch-hnsw',
          usearch: '2.25.3',
          metric: 'cos',
          quantization: 'i8',
          connectivity: DEFAULT_HNSW_PARAMS.connectivity,
          expansionAdd: DEFAULT_HNSW_PARAMS.expansionAdd,
          // 12 products: any query's 10 neighbours are nearly all of them, found at the smallest breadth.
          expansionSearch: 16,
          calibration: { recallAt10: 1, targetRecall: 0.99, sample: 12 },
          embeddingsSha256: (await describeFile(join(out, 'embeddings.npy'))).sha256,
        },
      });
      assert.deepEqual(await readManifest(out), manifest);
      assert.deepEqual(await checkAnnFile(out, manifest), { ok: true, section: manifest.ann });
      await verifyIndexFiles(out, manifest);
      assert.deepEqual(JSON.parse(readFileSync(join(out, 'filters.json'), 'utf8')), loadRules(RULES).rules);
    });

    it('writes the products normalised, in catalog order, one per row of the embeddings', async () => {
      const out = join(tempDir(), 'index');
      await buildIndex({ catalogPath: CATALOG, rulesPath: RULES, outDir: out, embedder: tiny, batchSize: 5 });
      const lines = readFileSync(join(out, 'products.jsonl'), 'utf8').split('\n');
      assert.equal(lines.pop(), '');
      const products = lines.map((line) => JSON.parse(line) as CatalogProduct);
      assert.deepEqual(
        products.map((p) => p.id),
        ['P-001', 'P-002', 'P-003', 'P-004', 'P-005', 'P-006', 'P-007', 'P-008', 'P-009', 'P-010', 'P-011', 'P-012'],
      );
      assert.equal(
        lines[3],
        '{"id":"P-004","title":"Navy Merino Wool Hoodie","description":"Warm hooded sweatshirt knitted from merino wool.","price":89,"category":"hoodie","color":"navy","material":"wool"}',
      );
      assert.ok(!('description' in (products[7] as CatalogProduct)));

      const { data, shape } = await readNpy(join(out, 'embeddings.npy'));
      assert.deepEqual(shape, [FIXTURE_COUNT, tiny.dimensions]);
      const fields = Object.keys(loadRules(RULES).rules.fields);
      const expected = await tiny.embed(products.map((p) => productText(p, fields)));
      expected.forEach((vector, row) => {
        const stored = data.subarray(row * shape[1], (row + 1) * shape[1]);
        vector.forEach((value, k) => assert.ok(Math.abs(value - (stored[k] as number)) < 1e-6, `row ${row}`));
      });
    });

    it('writes an embeddings.npy that numpy loads as float32 [N, D]', async function () {
      const python = requireNumpyPython(this, 'checks that numpy loads the index embeddings');
      const out = join(tempDir(), 'index');
      await buildIndex({ catalogPath: CATALOG, rulesPath: RULES, outDir: out, embedder: tiny });
      const report = JSON.parse(
        runPython(
          python,
          'import json, sys, numpy as np\n' +
            'a = np.load(sys.argv[1])\n' +
            'print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "norms": np.linalg.norm(a, axis=1).tolist(), "first": a[0, :4].tolist()}))',
          [join(out, 'embeddings.npy')],
        ),
      ) as { shape: number[]; dtype: string; norms: number[]; first: number[] };
      assert.deepEqual(report.shape, [FIXTURE_COUNT, tiny.dimensions]);
      assert.equal(report.dtype, 'float32');
      for (const norm of report.norms) assert.ok(Math.abs(norm - 1) < 1e-5);
      const { data } = await readNpy(join(out, 'embeddings.npy'));
      assert.deepEqual(report.first, [...data.subarray(0, 4)]);
    });

    it('reports progress from zero to the total after every batch', async () => {
      const seen: BuildProgress[] = [];
      await buildIndex({
        catalogPath: CATALOG,
        rulesPath: RULES,
        outDir: join(tempDir(), 'index'),
        embedder: fakeEmbedder(),
        batchSize: 5,
        onProgress: (p) => seen.push(p),
      });
      const embedded = seen.filter((p) => p.stage === 'embed');
      assert.deepEqual(
        embedded,
        [0, 5, 10, 12].map((done) => ({ stage: 'embed', done, total: FIXTURE_COUNT })),
      );
      // Then the graph, ending with every row in it.
      assert.deepEqual(seen.slice(embedded.length).at(-1), {
        stage: 'graph',
        done: FIXTURE_COUNT,
        total: FIXTURE_COUNT,
      });
      assert.ok(seen.slice(embedded.length).every((p) => p.stage === 'graph'));
    });

    describe('malformed lines', () => {
      const good = '{"id": "a", "title": "Good", "price": 1}';
      const cases: Array<[what: string, line: string, reason: string]> = [
        ['invalid JSON', '{"id": "b", "title": "Bad"', 'invalid JSON: '],
        ['an array', '["b", "Bad", 1]', 'must be a JSON object (got an array)'],
        ['a missing id', '{"title": "Bad", "price": 1}', '"id" must be a non-empty string (got nothing)'],
        ['a numeric id', '{"id": 7, "title": "Bad", "price": 1}', '"id" must be a non-empty string (got number 7)'],
        ['a blank id', '{"id": "  ", "title": "Bad", "price": 1}', '"id" must be a non-empty string (got "  ")'],
        ['a missing title', '{"id": "b", "price": 1}', '"title" must be a non-empty string (got nothing)'],
        ['an empty title', '{"id": "b", "title": "", "price": 1}', '"title" must be a non-empty string (got "")'],
        [
          'a price in a string',
          '{"id": "b", "title": "Bad", "price": "19.99"}',
          '"price" must be a finite number >= 0 (got "19.99")',
        ],
        [
          'a negative price',
          '{"id": "b", "title": "Bad", "price": -1}',
          '"price" must be a finite number >= 0 (got number -1)',
        ],
        [
          'an infinite price',
          '{"id": "b", "title": "Bad", "price": 1e999}',
          '"price" must be a finite number >= 0 (got number Infinity)',
        ],
        ['a missing price', '{"id": "b", "title": "Bad"}', '"price" must be a finite number >= 0 (got nothing)'],
        [
          'a numeric description',
          '{"id": "b", "title": "Bad", "price": 1, "description": 5}',
          '"description" must be a string when present (got number 5)',
        ],
        [
          'an object attribute',
          '{"id": "b", "title": "Bad", "price": 1, "specs": {"w": 1}}',
          '"specs" must be a string, number, boolean or array of strings (got an object)',
        ],
        [
          'a number in an array attribute',
          '{"id": "b", "title": "Bad", "price": 1, "sizes": ["S", 10]}',
          '"sizes"[1] must be a string (got number 10); array attributes hold strings',
        ],
        [
          'an infinite attribute',
          '{"id": "b", "title": "Bad", "price": 1, "weight": -1e999}',
          '"weight" must be a finite number (got -Infinity)',
        ],
        ['a repeated id', '{"id": "a", "title": "Again", "price": 2}', 'duplicate id "a" (first on line 1)'],
      ];
      for (const [what, line, reason] of cases) {
        it(`fails on ${what}, naming the file and the line`, async () => {
          const path = writeCatalog([good, '', line, good.replace('"a"', '"c"')]);
          await assert.rejects(
            buildIndex({
              catalogPath: path,
              rulesPath: RULES,
              outDir: join(tempDir(), 'index'),
              embedder: fakeEmbedder(),
            }),
            (err: Error) => {
              assert.ok(err instanceof CatalogError, String(err));
              assert.equal(err.line, 3);
              assert.ok(err.message.startsWith(`${path}: line 3: ${reason}`), err.message);
              return true;
            },
          );
          assert.deepEqual(readdirSync(tempDir()), ['catalog.jsonl'], 'nothing written');
        });
      }

      it('fails on a catalog with no products', async () => {
        const path = writeCatalog(['', '  ']);
        await assert.rejects(
          buildIndex({
            catalogPath: path,
            rulesPath: RULES,
            outDir: join(tempDir(), 'index'),
            embedder: fakeEmbedder(),
          }),
          {
            message: `${path}: has no products (every line is blank)`,
          },
        );
      });
    });

    it('fails on an invalid rules file, naming it, before reading the catalog', async () => {
      const rules = join(tempDir(), 'rules.json');
      writeFileSync(rules, '{"fields": {"color": {"red": []}}}');
      await assert.rejects(
        buildIndex({
          catalogPath: join(tempDir(), 'missing.jsonl'),
          rulesPath: rules,
          outDir: join(tempDir(), 'index'),
          embedder: fakeEmbedder(),
        }),
        (err: Error) => {
          assert.ok(err instanceof RulesError);
          assert.ok(err.message.startsWith(`${rules}: fields.color.red: must list at least one phrase`), err.message);
          return true;
        },
      );
    });

    it('leaves the previous index untouched when the build fails part-way', async () => {
      const out = join(tempDir(), 'index');
      await buildIndex({ catalogPath: CATALOG, rulesPath: RULES, outDir: out, embedder: tiny });
      const before = snapshot(out);
      const crashing = fakeEmbedder({ failOnCall: 2 });
      await assert.rejects(
        buildIndex({ catalogPath: CATALOG, rulesPath: RULES, outDir: out, embedder: crashing, batchSize: 4 }),
        /embedder crashed mid-build/,
      );
      assert.equal(crashing.calls, 2, 'failed after the first batch was written');
      assert.deepEqual(snapshot(out), before);
      await verifyIndexFiles(out, await readManifest(out));
      assert.deepEqual(readdirSync(tempDir()), ['index'], 'the temporary build directory is removed');
    });

    it('replaces a previous index with the new one', async () => {
      const out = join(tempDir(), 'index');
      await buildIndex({ catalogPath: CATALOG, rulesPath: RULES, outDir: out, embedder: tiny });
      const smaller = writeCatalog(['{"id": "x", "title": "Only One", "price": 3}'], 'small.jsonl');
      const manifest = await buildIndex({
        catalogPath: smaller,
        rulesPath: RULES,
        outDir: out,
        embedder: fakeEmbedder(),
      });
      assert.equal(manifest.count, 1);
      assert.equal((await readManifest(out)).modelId, 'fake@000000000000');
      assert.deepEqual(readdirSync(tempDir()).sort(), ['index', 'small.jsonl']);
    });

    it('builds into an empty directory and creates missing parents', async () => {
      mkdirSync(join(tempDir(), 'empty'));
      await buildIndex({
        catalogPath: CATALOG,
        rulesPath: RULES,
        outDir: join(tempDir(), 'empty'),
        embedder: fakeEmbedder(),
      });
      await buildIndex({
        catalogPath: CATALOG,
        rulesPath: RULES,
        outDir: join(tempDir(), 'a', 'b', 'index'),
        embedder: fakeEmbedder(),
      });
      assert.deepEqual(readdirSync(join(tempDir(), 'a', 'b')), ['index']);
    });

    it('refuses to replace a directory that is not an index, or a file', async () => {
      const other = join(tempDir(), 'home');
      mkdirSync(other);
      writeFileSync(join(other, 'notes.txt'), 'precious');
      await assert.rejects(
        buildIndex({ catalogPath: CATALOG, rulesPath: RULES, outDir: other, embedder: fakeEmbedder() }),
        (err: Error) => {
          assert.ok(err instanceof IndexOutputError);
          assert.equal(
            err.message,
            `${other}: exists and is not an index directory (no manifest.json); refusing to replace it — pick a new or empty directory`,
          );
          return true;
        },
      );
      assert.equal(readFileSync(join(other, 'notes.txt'), 'utf8'), 'precious');
      await assert.rejects(
        buildIndex({
          catalogPath: CATALOG,
          rulesPath: RULES,
          outDir: join(other, 'notes.txt'),
          embedder: fakeEmbedder(),
        }),
        /notes\.txt: exists and is not a directory/,
      );
    });

    it('refuses vectors of the wrong width or length, naming the product', async () => {
      const narrow = fakeEmbedder({ vector: () => [1, 0, 0] });
      await assert.rejects(
        buildIndex({ catalogPath: CATALOG, rulesPath: RULES, outDir: join(tempDir(), 'index'), embedder: narrow }),
        /embedder returned 3 dimensions for product "P-001", expected 4/,
      );
      const unnormalised = fakeEmbedder({ vector: () => [1, 1, 0, 0] });
      await assert.rejects(
        buildIndex({
          catalogPath: CATALOG,
          rulesPath: RULES,
          outDir: join(tempDir(), 'index'),
          embedder: unnormalised,
        }),
        /vector of length 1\.41\d* for product "P-001"; vectors must be unit length/,
      );
      assert.deepEqual(readdirSync(tempDir()), []);
    });
  });

  describe('runIndexCommand', () => {
    const quiet = { isTTY: false, write: () => true };

    it('indexes with the tiny model by default and says what it did', async () => {
      const out = join(tempDir(), 'index');
      const result = await runIndexCommand({ catalog: CATALOG, rules: RULES, out, progressStream: quiet });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(
        result.stdout,
        new RegExp(
          `^indexed 12 products into ${out} \\(model tiny@[0-9a-f]{12}, 128 dimensions\\) in \\d+\\.\\d s\\n$`,
        ),
      );
      assert.equal((await readManifest(out)).modelId, tiny.modelId);
    });

    it('exits 2 naming the file and line of a bad catalog line', async () => {
      const path = writeCatalog([
        '{"id": "a", "title": "A", "price": 1}',
        '{"id": "b", "title": "B", "price": "cheap"}',
      ]);
      const result = await runIndexCommand({
        catalog: path,
        rules: RULES,
        out: join(tempDir(), 'index'),
        progressStream: quiet,
        loadEmbedder: async () => fakeEmbedder(),
      });
      assert.deepEqual(result, {
        stdout: '',
        stderr: `roleplane search index: ${path}: line 2: "price" must be a finite number >= 0 (got "cheap")\n`,
        exitCode: 2,
      });
    });

    it('exits 2 for a bad rules file, a missing model directory or an output that is not an index', async () => {
      const rules = join(tempDir(), 'rules.json');
      writeFileSync(rules, '[]');
      const badRules = await runIndexCommand({
        catalog: CATALOG,
        rules,
        out: join(tempDir(), 'index'),
        progressStream: quiet,
        loadEmbedder: async () => fakeEmbedder(),
      });
      assert.equal(badRules.exitCode, 2);
      assert.ok(badRules.stderr.startsWith(`roleplane search index: ${rules}: must be a JSON object`), badRules.stderr);

      const model = join(tempDir(), 'no-model');
      const noModel = await runIndexCommand({
        catalog: CATALOG,
        rules: RULES,
        out: join(tempDir(), 'index'),
        model,
        progressStream: quiet,
      });
      assert.deepEqual(noModel, {
        stdout: '',
        stderr: `roleplane search index: model directory ${model}: does not exist\n`,
        exitCode: 2,
      });

      copyFileSync(RULES, join(tempDir(), 'not-an-index.json'));
      const notIndex = await runIndexCommand({
        catalog: CATALOG,
        rules: RULES,
        out: tempDir(),
        progressStream: quiet,
        loadEmbedder: async () => fakeEmbedder(),
      });
      assert.equal(notIndex.exitCode, 2);
      assert.match(notIndex.stderr, /exists and is not an index directory/);
    });

    it('exits 1 when the model fails, and says the build failed', async () => {
      const result = await runIndexCommand({
        catalog: CATALOG,
        rules: RULES,
        out: join(tempDir(), 'index'),
        progressStream: quiet,
        loadEmbedder: async () => fakeEmbedder({ failOnCall: 1 }),
      });
      assert.deepEqual(result, {
        stdout: '',
        stderr: 'roleplane search index: failed: embedder crashed mid-build\n',
        exitCode: 1,
      });
    });

    it('draws a progress line on a terminal and clears it at the end, and writes nothing otherwise', async () => {
      const written: string[] = [];
      const terminal = { isTTY: true, write: (text: string) => written.push(text) };
      await runIndexCommand({
        catalog: CATALOG,
        rules: RULES,
        out: join(tempDir(), 'tty'),
        batchSize: 5,
        progressStream: terminal,
        loadEmbedder: async () => fakeEmbedder(),
      });
      assert.equal(written[0], '\r\x1b[Kembedding: 0/12 products (0%)');
      assert.ok(written.includes('\r\x1b[Kembedding: 12/12 products (100%)'), JSON.stringify(written));
      assert.ok(written.includes('\r\x1b[Kbuilding the vector graph: 12/12 products (100%)'), JSON.stringify(written));
      assert.equal(written.at(-1), '\r\x1b[K');

      const piped: string[] = [];
      await runIndexCommand({
        catalog: CATALOG,
        rules: RULES,
        out: join(tempDir(), 'pipe'),
        progressStream: { write: (text: string) => piped.push(text) },
        loadEmbedder: async () => fakeEmbedder(),
      });
      assert.deepEqual(piped, []);
    });
  });
});
