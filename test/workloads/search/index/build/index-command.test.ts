import { strict as assert } from 'node:assert';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeModelId, inspectModelDir } from '../../../../../workloads/search/embedder/model-dir.js';
import { runIndexCommand } from '../../../../../workloads/search/index/build/index-command.js';
import { readManifest } from '../../../../../workloads/search/index/format/manifest.js';
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
          `^indexed 12 products into ${out} \\(model tiny@[0-9a-f]{12}, 128 dimensions\\) in \\d+\\.\\d s\\n$`,
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
});
