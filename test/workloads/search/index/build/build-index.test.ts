import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from '../../../../../workloads/search/embedder/embedder.js';
import { loadLocalEmbedder } from '../../../../../workloads/search/embedder/local-model.js';
import { loadRules, RulesError } from '../../../../../workloads/search/query/rules.js';
import {
  buildIndex,
  IndexOutputError,
  type BuildProgress,
} from '../../../../../workloads/search/index/build/build-index.js';
import { productText } from '../../../../../workloads/search/index/build/product-text.js';
import { queryProbeTexts } from '../../../../../workloads/search/index/build/query-probes.js';
import { ProductsFileError, type Product } from '../../../../../workloads/search/index/format/products.js';
import { checkAnnFile } from '../../../../../workloads/search/index/serve/open-vector-index.js';
import { DEFAULT_HNSW_PARAMS } from '../../../../../workloads/search/index/serve/ann/hnsw-index.js';
import { describeFile, readManifest, verifyIndexFiles } from '../../../../../workloads/search/index/format/manifest.js';
import { readNpy, writeNpy } from '../../../../../workloads/search/index/format/npy.js';
import { TINY_MODEL_DIR } from '../../../../../workloads/search/embedder/tiny-model.js';
import { requireNumpyPython, runPython } from '../../../../helpers/python.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';
import { fakeEmbedder } from '../../../../helpers/fake-embedder.js';
import { FIXTURE_CATALOG, FIXTURE_CATALOG_COUNT, FIXTURE_RULES } from '../../../../helpers/fixture-index.js';

const CATALOG = FIXTURE_CATALOG;
const RULES = FIXTURE_RULES.pathname;
const FIXTURE_COUNT = FIXTURE_CATALOG_COUNT;
const INDEX_FILES = [
  'embeddings.npy',
  'filters.json',
  'lexical.bin',
  'manifest.json',
  'products.jsonl',
  'vectors.usearch',
];
const FIXED_NOW = new Date('2026-11-27T12:00:00.000Z');

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name))]),
  );
}

describe('workloads/search/index/build/build-index', () => {
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
        model: { name: 'tiny', files: tiny.model?.files },
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
          // The 12 products give 12 distinct title fragments as query probes (query-probes.ts).
          calibration: { recallAt10: 1, targetRecall: 0.99, sample: 12, queryProbes: 12 },
          embeddingsSha256: (await describeFile(join(out, 'embeddings.npy'))).sha256,
        },
        lexical: {
          file: 'lexical.bin',
          ...(await describeFile(join(out, 'lexical.bin'))),
          formatVersion: 1,
          terms: (manifest.lexical as { terms: number }).terms,
          postings: (manifest.lexical as { postings: number }).postings,
          productsSha256: (await describeFile(join(out, 'products.jsonl'))).sha256,
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
      const products = lines.map((line) => JSON.parse(line) as Product);
      assert.deepEqual(
        products.map((p) => p.id),
        ['P-001', 'P-002', 'P-003', 'P-004', 'P-005', 'P-006', 'P-007', 'P-008', 'P-009', 'P-010', 'P-011', 'P-012'],
      );
      assert.equal(
        lines[3],
        '{"id":"P-004","title":"Navy Merino Wool Hoodie","description":"Warm hooded sweatshirt knitted from merino wool.","price":89,"category":"hoodie","color":"navy","material":"wool"}',
      );
      assert.ok(!('description' in (products[7] as Product)));

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
              assert.ok(err instanceof ProductsFileError, String(err));
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

    it('takes the product vectors from a .npy when given one: the embedder only vouches for the queries', async () => {
      const given = new Float32Array(FIXTURE_COUNT * 4).map((_, i) => (i % 4) + 1 + Math.floor(i / 4));
      const input = join(tempDir(), 'products.npy');
      await writeNpy(input, given, [FIXTURE_COUNT, 4]);
      const embedder = fakeEmbedder();
      const progress: BuildProgress[] = [];
      const out = join(tempDir(), 'index');
      const manifest = await buildIndex({
        catalogPath: CATALOG,
        rulesPath: RULES,
        outDir: out,
        embedder,
        productEmbeddingsPath: input,
        batchSize: 5,
        onProgress: (p) => progress.push(p),
      });
      // The query model embeds only the calibration's shopper-like texts (query-probes.ts), never a product.
      const products = readFileSync(join(out, 'products.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Product);
      assert.deepEqual(embedder.texts, queryProbeTexts(products), 'no product was embedded');
      assert.equal(manifest.modelId, embedder.modelId);
      assert.deepEqual(manifest.productEmbeddings, {
        from: 'npy',
        file: input,
        sha256: (await describeFile(input)).sha256,
        dtype: '<f4',
        rescaledRows: FIXTURE_COUNT,
        minNorm: Math.hypot(1, 2, 3, 4),
        maxNorm: Math.hypot(12, 13, 14, 15),
      });
      assert.deepEqual(
        progress.filter((p) => p.stage === 'embed').map((p) => p.done),
        [0, 5, 10, 12],
      );
      const { data } = await readNpy(join(out, 'embeddings.npy'));
      for (let row = 0; row < FIXTURE_COUNT; row += 1) {
        const norm = Math.hypot(...given.subarray(row * 4, row * 4 + 4));
        for (let k = 0; k < 4; k += 1)
          assert.equal(data[row * 4 + k], Math.fround((given[row * 4 + k] as number) / norm), `row ${row}`);
      }
      await verifyIndexFiles(out, manifest);
    });
  });
});
