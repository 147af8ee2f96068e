import { strict as assert } from 'node:assert';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeModelId, inspectModelDir } from '../../../../../workloads/search/embedder/model-dir.js';
import { runIndexCommand } from '../../../../../workloads/search/index/build/index-command.js';
import { readManifest } from '../../../../../workloads/search/index/format/manifest.js';
import { encodeNpyHeader, readNpy, writeNpy } from '../../../../../workloads/search/index/format/npy.js';
import { requireNumpyPython, runPython } from '../../../../helpers/python.js';
import { TINY_MODEL_DIR } from '../../../../../workloads/search/embedder/tiny-model.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';
import { fakeEmbedder } from '../../../../helpers/fake-embedder.js';
import { FIXTURE_CATALOG, FIXTURE_RULES } from '../../../../helpers/fixture-index.js';

const CATALOG = FIXTURE_CATALOG;
const RULES = FIXTURE_RULES.pathname;

describe('workloads/search/index/build/index-command', () => {
  const tempDir = useTempDir('index-command');

  const writeCatalog = (lines: readonly string[], name = 'catalog.jsonl'): string => {
    const path = join(tempDir(), name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

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
          `^indexed 12 products into ${out} \\(model tiny \\(sha256-[0-9a-f]{16}\\), 128 dimensions\\) in \\d+\\.\\d s\\n$`,
        ),
      );
      assert.equal((await readManifest(out)).modelId, await computeModelId(await inspectModelDir(TINY_MODEL_DIR)));
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
  describe('runIndexCommand with --embeddings', () => {
    const quiet = { isTTY: false, write: () => true };
    const fake = async () => fakeEmbedder();

    /** Rows of `columns` values that are not unit length (row r, column k = r + k + 1). */
    const rows = (count: number, columns: number): Float32Array => {
      const data = new Float32Array(count * columns);
      for (let r = 0; r < count; r += 1) for (let k = 0; k < columns; k += 1) data[r * columns + k] = r + k + 1;
      return data;
    };
    const writeRows = async (data: Float32Array, shape: [number, number], name = 'products.npy'): Promise<string> => {
      const path = join(tempDir(), name);
      await writeNpy(path, data, shape);
      return path;
    };
    const index = (embeddings: string, out = join(tempDir(), 'index')) =>
      runIndexCommand({ catalog: CATALOG, rules: RULES, out, embeddings, progressStream: quiet, loadEmbedder: fake });

    it('indexes the given rows, scaled to unit length, and says where the vectors came from', async () => {
      const path = await writeRows(rows(12, 4), [12, 4]);
      const out = join(tempDir(), 'index');
      const written: string[] = [];
      const result = await runIndexCommand({
        catalog: CATALOG,
        rules: RULES,
        out,
        embeddings: path,
        batchSize: 5,
        progressStream: { isTTY: true, write: (text: string) => written.push(text) },
        loadEmbedder: fake,
      });
      assert.ok(written.includes('\r\x1b[Kreading product vectors: 12/12 products (100%)'), JSON.stringify(written));
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(
        result.stdout,
        new RegExp(
          `^indexed 12 products into ${out} \\(product vectors from ${path} \\(float32, 12 rows scaled to unit length, norms 5\\.48 to 27\\.1\\); queries: model fake@000000000000, 4 dimensions\\) in \\d+\\.\\d s\\n$`,
        ),
      );
      const { data } = await readNpy(join(out, 'embeddings.npy'));
      const norm = Math.hypot(1, 2, 3, 4);
      assert.deepEqual(Array.from(data.subarray(0, 4)), [1 / norm, 2 / norm, 3 / norm, 4 / norm].map(Math.fround));
      const manifest = await readManifest(out);
      assert.equal(manifest.modelId, 'fake@000000000000', 'the query model is the one the service checks');
      assert.equal(manifest.productEmbeddings?.file, path);
      assert.equal(manifest.productEmbeddings?.rescaledRows, 12);
    });

    it("exits 2 naming the file when its rows are not the catalog's products, and leaves the old index alone", async () => {
      const out = join(tempDir(), 'index');
      assert.equal((await index(await writeRows(rows(12, 4), [12, 4]), out)).exitCode, 0);
      const before = readFileSync(join(out, 'manifest.json'));
      const path = await writeRows(rows(11, 4), [11, 4], 'short.npy');
      assert.deepEqual(await index(path, out), {
        stdout: '',
        stderr: `roleplane search index: ${path}: has 11 rows but ${CATALOG} has 12 products; row i must be the catalog's i-th product (blank lines do not count)\n`,
        exitCode: 2,
      });
      assert.deepEqual(readFileSync(join(out, 'manifest.json')), before);
      assert.deepEqual(readdirSync(tempDir()).sort(), ['index', 'products.npy', 'short.npy'], 'nothing half-written');
    });

    it("exits 2 when the columns are not the query model's dimensions", async () => {
      const path = await writeRows(rows(12, 8), [12, 8]);
      assert.deepEqual(await index(path), {
        stdout: '',
        stderr: `roleplane search index: ${path}: has 8 columns but the query model fake@000000000000 embeds 4 dimensions; product and query vectors must come from the same model (--model)\n`,
        exitCode: 2,
      });
    });

    it('exits 2 naming the row of a value that is not finite or of a row of zeros', async () => {
      const nan = rows(12, 4);
      nan[5 * 4 + 2] = Number.NaN;
      const nanPath = await writeRows(nan, [12, 4], 'nan.npy');
      assert.equal(
        (await index(nanPath)).stderr,
        `roleplane search index: ${nanPath}: row 5 (product 6 of the catalog) has NaN in column 2; every value must be finite\n`,
      );
      const zero = rows(12, 4);
      zero.fill(0, 11 * 4);
      const zeroPath = await writeRows(zero, [12, 4], 'zero.npy');
      const result = await index(zeroPath);
      assert.equal(result.exitCode, 2);
      assert.equal(
        result.stderr,
        `roleplane search index: ${zeroPath}: row 11 (product 12 of the catalog) is all zeros; it has no direction to compare\n`,
      );
    });

    it('exits 2 for a missing file, a file that is not .npy and a dtype that is not a float', async () => {
      const missing = join(tempDir(), 'missing.npy');
      assert.equal((await index(missing)).stderr, `roleplane search index: ${missing}: file not found\n`);
      const text = join(tempDir(), 'text.npy');
      writeFileSync(text, 'id,vector\n');
      assert.match((await index(text)).stderr, /text\.npy: not a \.npy file/);
      const ints = join(tempDir(), 'ints.npy');
      const header = encodeNpyHeader([12, 4]);
      writeFileSync(
        ints,
        Buffer.concat([
          Buffer.from(header.toString('latin1').replace("'<f4'", "'<i4'"), 'latin1'),
          Buffer.alloc(12 * 4 * 4),
        ]),
      );
      const result = await index(ints);
      assert.equal(result.exitCode, 2);
      assert.equal(
        result.stderr,
        `roleplane search index: ${ints}: expected one of float16 ('<f2'), float32 ('<f4'), float64 ('<f8'), got '<i4'; integers are not embeddings\n`,
      );
    });

    it('takes what numpy saves (float64 by default, float16), with the real tiny model embedding queries', async function () {
      const python = requireNumpyPython(this, 'writes product embeddings with numpy as a user would');
      runPython(
        python,
        [
          'import sys, numpy as np',
          'rng = np.random.default_rng(11)',
          'a = rng.normal(size=(12, 128))',
          'np.save(sys.argv[1] + "/f64.npy", a)',
          'np.save(sys.argv[1] + "/f16.npy", a.astype(np.float16))',
          'np.save(sys.argv[1] + "/unit.npy", (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32))',
        ].join('\n'),
        [tempDir()],
      );
      for (const [name, dtype] of [
        ['f64', 'float64'],
        ['f16', 'float16'],
        ['unit', 'float32'],
      ] as const) {
        const out = join(tempDir(), `index-${name}`);
        const path = join(tempDir(), `${name}.npy`);
        const result = await runIndexCommand({
          catalog: CATALOG,
          rules: RULES,
          out,
          embeddings: path,
          progressStream: quiet,
        });
        assert.equal(result.exitCode, 0, result.stderr);
        assert.ok(result.stdout.includes(`(${dtype}, `), result.stdout);
        assert.equal(result.stdout.includes('already unit length'), name === 'unit', result.stdout);
        const report = JSON.parse(
          runPython(
            python,
            [
              'import json, sys, numpy as np',
              'given = np.load(sys.argv[1]).astype(np.float64)',
              'given /= np.linalg.norm(given, axis=1, keepdims=True)',
              'stored = np.load(sys.argv[2])',
              'print(json.dumps({"dtype": str(stored.dtype), "maxError": float(np.abs(stored - given).max())}))',
            ].join('\n'),
            [path, join(out, 'embeddings.npy')],
          ),
        ) as { dtype: string; maxError: number };
        assert.equal(report.dtype, 'float32');
        assert.ok(
          report.maxError < 1e-6,
          `${name}: stored rows are the given rows normalised (max error ${report.maxError})`,
        );
        assert.equal((await readManifest(out)).modelId, await computeModelId(await inspectModelDir(TINY_MODEL_DIR)));
      }
    });
  });
});
