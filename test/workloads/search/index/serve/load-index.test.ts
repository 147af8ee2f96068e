import assert from 'node:assert/strict';
import { cp, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertEmbedderMatchesIndex,
  IndexLoadError,
  loadSearchIndex,
} from '../../../../../workloads/search/index/serve/load-index.js';
import { encodeNpyHeader, writeNpy } from '../../../../../workloads/search/index/format/npy.js';
import {
  type ModelFileDigest,
  type ModelIdentity,
  modelIdOf,
} from '../../../../../workloads/search/embedder/model-dir.js';
import { HashEmbedder } from '../../../../helpers/hash-embedder.js';
import { generateProducts, writeFixtureIndex, writeManifest } from '../../../../helpers/fixture-index.js';
import { removeDir, useTempDir } from '../../../../helpers/temp-dir.js';

describe('workloads/search/index/serve/load-index', () => {
  const embedder = new HashEmbedder(16);
  const caseDir = useTempDir('load-index');
  let pristine: string;
  let dir: string;

  before(async () => {
    pristine = (await writeFixtureIndex(embedder, generateProducts(50))).dir;
  });
  after(() => removeDir(pristine));
  beforeEach(async () => {
    dir = join(caseDir(), 'index');
    await cp(pristine, dir, { recursive: true });
  });

  const fails = async (pattern: RegExp): Promise<void> => {
    await assert.rejects(loadSearchIndex(dir), (err: unknown) => {
      assert.ok(err instanceof IndexLoadError, `an IndexLoadError, got ${String(err)}`);
      assert.ok(err.message.startsWith(`index ${dir}: `), err.message);
      assert.match(err.message, pattern);
      return true;
    });
  };

  it('loads a complete index', async () => {
    const index = await loadSearchIndex(dir);
    assert.equal(index.products.length, 50);
    assert.equal(index.vectors.count, 50);
    assert.equal(index.vectors.dimensions, 16);
    assert.equal(index.rowById.get('p00007'), 7);
    assert.equal(index.manifest.modelId, embedder.modelId);
    assert.doesNotThrow(() => assertEmbedderMatchesIndex(index, embedder));
  });

  it('loads with the rows left in the page cache: the same answers; close releases the file', async () => {
    const inMemory = await loadSearchIndex(dir);
    const inPageCache = await loadSearchIndex(dir, { embeddingsIn: 'page-cache' });
    assert.equal(inPageCache.embeddingsIn, 'page-cache');
    assert.equal(inMemory.embeddingsIn, 'memory');
    for (const row of [0, 17, 49]) {
      const query = inMemory.vectors.vector(row);
      assert.deepEqual(inPageCache.vectors.search(query, 5), inMemory.vectors.search(query, 5));
      assert.deepEqual(
        inPageCache.vectors.search(query, 3, [1, 2, 3, 30]),
        inMemory.vectors.search(query, 3, [1, 2, 3, 30]),
      );
    }
    inPageCache.close();
    assert.throws(() => inPageCache.vectors.vector(0), /read after close/);
    inMemory.close();
  });

  it('refuses rows that are not unit length with the rows in the page cache too', async () => {
    const data = new Float32Array(50 * 16).fill(0.25);
    data.fill(0.5, 20 * 16, 21 * 16);
    await writeNpy(join(dir, 'embeddings.npy'), data, [50, 16]);
    await assert.rejects(
      loadSearchIndex(dir, { embeddingsIn: 'page-cache' }),
      /embeddings\.npy row 20 has length 2\.0000, expected unit-length rows/,
    );
  });

  it('names a missing directory', async () => {
    dir = join(caseDir(), 'nowhere');
    await fails(/manifest\.json: not found/);
  });

  it('names a missing embeddings file', async () => {
    await unlink(join(dir, 'embeddings.npy'));
    await fails(/embeddings\.npy: file missing/);
  });

  it('names a missing products file', async () => {
    await unlink(join(dir, 'products.jsonl'));
    await fails(/products\.jsonl: file missing/);
  });

  it('reports a truncated embeddings file as truncated, with the sizes', async () => {
    const path = join(dir, 'embeddings.npy');
    const { size } = await stat(path);
    await truncate(path, size - 10);
    await fails(/embeddings\.npy: truncated: expected \d+ bytes .* file has \d+/);
  });

  it('reports a truncated products file with its line', async () => {
    const path = join(dir, 'products.jsonl');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length - 30));
    await fails(/products\.jsonl: line 50: invalid JSON \(the file looks truncated: no newline at its end\)/);
  });

  it('refuses embeddings rows that are not the products', async () => {
    const path = join(dir, 'products.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    await writeFile(path, `${lines.slice(0, 49).join('\n')}\n`);
    await writeManifest(dir, embedder, 50);
    await fails(/embeddings\.npy has 50 rows but products\.jsonl has 49 products; row i must be product i/);
  });

  it('refuses a dtype other than float32', async () => {
    const header = encodeNpyHeader([50, 16]);
    const float64 = Buffer.from(header.toString('latin1').replace("'<f4'", "'<f8'"), 'latin1');
    await writeFile(join(dir, 'embeddings.npy'), Buffer.concat([float64, Buffer.alloc(50 * 16 * 8)]));
    await fails(/expected float32 \('<f4'\), got '<f8'/);
  });

  it('refuses a 1-D embeddings array', async () => {
    const header = encodeNpyHeader([50, 16]).toString('latin1').replace('(50, 16)', '(800,)  ');
    await writeFile(join(dir, 'embeddings.npy'), Buffer.concat([Buffer.from(header, 'latin1'), Buffer.alloc(800 * 4)]));
    await fails(/expected a 2-D shape \(rows, dims\), got \(800,\)/);
  });

  it('refuses dimensions other than the manifest', async () => {
    const vectors = new Float32Array(50 * 8).fill(Math.sqrt(1 / 8));
    await writeNpy(join(dir, 'embeddings.npy'), vectors, [50, 8]);
    await fails(/manifest says 16 dimensions \(model test-hash-bow-v1-d16\), embeddings\.npy has 8 columns/);
  });

  it('refuses a file changed after the build (same size, other bytes)', async () => {
    const path = join(dir, 'filters.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"gown"', '"frok"'));
    await fails(/filters\.json: SHA-256 [0-9a-f]{64} does not match manifest\.json/);
  });

  it('refuses vectors that are not unit length', async () => {
    const vectors = new Float32Array(50 * 16).fill(1);
    await writeNpy(join(dir, 'embeddings.npy'), vectors, [50, 16]);
    await writeManifest(dir, embedder);
    await fails(/row 0 has length 4\.0000, expected unit-length rows/);
  });

  it('names the line of a product without an id, and of a duplicate id', async () => {
    const path = join(dir, 'products.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    await writeFile(path, `${[...lines.slice(0, 3), '{"title":"no id"}', ...lines.slice(4)].join('\n')}\n`);
    await fails(/products\.jsonl: line 4: "id" must be a non-empty string \(got nothing\)/);
    await writeFile(path, `${[...lines.slice(0, 3), lines[1], ...lines.slice(4)].join('\n')}\n`);
    await fails(/products\.jsonl: line 4: duplicate id "p00001" \(first on line 2\)/);
  });

  it('names a bad rules file', async () => {
    await writeFile(join(dir, 'filters.json'), '{"fields": {"color": {"red": []}}}');
    await fails(/filters\.json: fields\.color\.red: must list at least one phrase/);
  });

  it('refuses an embedder other than the index model', async () => {
    const index = await loadSearchIndex(dir);
    assert.throws(
      () => assertEmbedderMatchesIndex(index, new HashEmbedder(32)),
      /built with model "test-hash-bow-v1-d16" \(16 dimensions\) but the service loaded "test-hash-bow-v1-d32" \(32 dimensions\); point the model directory/,
    );
  });

  describe('models compared by content', () => {
    const digest = (char: string, bytes: number): ModelFileDigest => ({ sha256: char.repeat(64), bytes });
    const FILES = {
      'config.json': digest('a', 500),
      'tokenizer.json': digest('b', 20_000),
      'tokenizer_config.json': digest('c', 300),
      'onnx/model.onnx': digest('d', 500_000),
    };
    const identity = (name: string, files: Record<string, ModelFileDigest>, legacyDigest = '85232b71f2e9') =>
      ({ id: modelIdOf(files), name, files, legacyDigest }) satisfies ModelIdentity;
    const asEmbedder = (model: ModelIdentity, dimensions = 16) => ({ modelId: model.id, dimensions, model });

    /** The manifest as an index build with `model` (or an older build, with only its id) writes it. */
    const recordModel = async (modelId: string, model?: ModelIdentity): Promise<void> => {
      const path = join(dir, 'manifest.json');
      const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      manifest.modelId = modelId;
      if (model) manifest.model = { name: model.name, files: model.files };
      await writeFile(path, JSON.stringify(manifest));
    };

    it('serves with the same files under another directory name', async () => {
      const built = identity('tiny', FILES);
      await recordModel(built.id, built);
      const index = await loadSearchIndex(dir);
      assert.doesNotThrow(() => assertEmbedderMatchesIndex(index, asEmbedder(identity('default', FILES))));
    });

    it('names the files that differ', async () => {
      const built = identity('tiny', FILES);
      await recordModel(built.id, built);
      const index = await loadSearchIndex(dir);
      const other = identity('tiny', { ...FILES, 'onnx/model.onnx': digest('e', 500_000) });
      assert.throws(
        () => assertEmbedderMatchesIndex(index, asEmbedder(other)),
        new RegExp(
          `built with model "tiny" \\(${built.id}, 16 dimensions\\) but the service loaded "tiny" \\(${other.id}, 16 dimensions\\): onnx/model\\.onnx differs \\(same size, 500000 bytes\\); point`,
        ),
      );
    });

    it('serves an index built before ids were content only when the files are the same, whatever their name', async () => {
      await recordModel('tiny@85232b71f2e9');
      const index = await loadSearchIndex(dir);
      assert.doesNotThrow(() => assertEmbedderMatchesIndex(index, asEmbedder(identity('default', FILES))));
      assert.throws(
        () => assertEmbedderMatchesIndex(index, asEmbedder(identity('tiny', FILES, '000000000000'))),
        /built with model "tiny@85232b71f2e9" \(16 dimensions\) but the service loaded "tiny" \(sha256-[0-9a-f]{16}, 16 dimensions\) \(the index records an id from before models were identified by content, without its files, so which files differ is unknown\)/,
      );
    });

    it('refuses the same model with other dimensions', async () => {
      const built = identity('tiny', FILES);
      await recordModel(built.id, built);
      const index = await loadSearchIndex(dir);
      assert.throws(
        () => assertEmbedderMatchesIndex(index, asEmbedder(built, 32)),
        /but the service loaded "tiny" \(sha256-[0-9a-f]{16}, 32 dimensions\)/,
      );
    });
  });
});
