import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareModels,
  computeModelId,
  identifyModel,
  inspectModelDir,
  legacyModelDigest,
  ModelDirError,
  modelIdOf,
} from '../../../../workloads/search/embedder/model-dir.js';
import { TINY_MODEL_DIR } from '../../../../workloads/search/embedder/tiny-model.js';
import { useTempDir } from '../../../helpers/temp-dir.js';

describe('workloads/search/embedder/model-dir', () => {
  const tempDir = useTempDir('model-dir');
  let model: string;
  beforeEach(() => {
    model = join(tempDir(), 'my-model');
    cpSync(TINY_MODEL_DIR, model, { recursive: true });
  });

  describe('inspectModelDir', () => {
    it('accepts a Hugging Face layout with onnx/model.onnx and lists the files that decide the output', async () => {
      const info = await inspectModelDir(model);
      assert.deepEqual(info, {
        dir: model,
        name: 'my-model',
        quantized: false,
        files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
      });
    });

    it('prefers onnx/model_quantized.onnx when present, as transformers.js does by default', async () => {
      cpSync(join(model, 'onnx', 'model.onnx'), join(model, 'onnx', 'model_quantized.onnx'));
      assert.equal((await inspectModelDir(model)).quantized, true);
      assert.equal((await inspectModelDir(model, false)).quantized, false);
    });

    it('takes only onnx/model_quantized.onnx when that is all there is', async () => {
      renameSync(join(model, 'onnx', 'model.onnx'), join(model, 'onnx', 'model_quantized.onnx'));
      const info = await inspectModelDir(model);
      assert.equal(info.quantized, true);
      assert.equal(info.files[3], 'onnx/model_quantized.onnx');
    });

    it('names every missing file, and the one asked for', async () => {
      rmSync(join(model, 'config.json'));
      rmSync(join(model, 'onnx'), { recursive: true });
      await assert.rejects(inspectModelDir(model), (err: Error) => {
        assert.ok(err instanceof ModelDirError);
        assert.match(
          err.message,
          new RegExp(
            `^model directory ${model}: missing config\\.json, onnx/model\\.onnx \\(or onnx/model_quantized\\.onnx\\) \\(a transformers\\.js model needs`,
          ),
        );
        return true;
      });
      cpSync(join(TINY_MODEL_DIR, 'config.json'), join(model, 'config.json'));
      cpSync(join(TINY_MODEL_DIR, 'onnx'), join(model, 'onnx'), { recursive: true });
      await assert.rejects(inspectModelDir(model, true), /missing onnx\/model_quantized\.onnx \(/);
    });

    it('says so when the path is a file', async () => {
      await assert.rejects(inspectModelDir(join(model, 'config.json')), /config\.json: is not a directory$/);
    });
  });

  describe('identifyModel and computeModelId', () => {
    it('give one id to copies of a model under any directory name: content only', async () => {
      const copy = join(tempDir(), 'elsewhere', 'default');
      cpSync(model, copy, { recursive: true });
      const id = await computeModelId(await inspectModelDir(model));
      assert.match(id, /^sha256-[0-9a-f]{16}$/);
      assert.equal(await computeModelId(await inspectModelDir(copy)), id);
      const identity = await identifyModel(await inspectModelDir(copy));
      assert.equal(identity.id, id);
      assert.equal(identity.name, 'default', 'the name is kept for messages');
    });

    it('lists each file with its size and SHA-256, and derives the id from that list', async () => {
      const identity = await identifyModel(await inspectModelDir(model));
      assert.deepEqual(Object.keys(identity.files), [
        'config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'onnx/model.onnx',
      ]);
      for (const [file, digest] of Object.entries(identity.files)) {
        const bytes = readFileSync(join(model, file));
        assert.deepEqual(digest, { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
      }
      assert.equal(modelIdOf(identity.files), identity.id);
    });

    it('changes the id with any file that decides the vectors', async () => {
      const copy = join(tempDir(), 'copy', 'my-model');
      const id = await computeModelId(await inspectModelDir(model));
      for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
        cpSync(model, copy, { recursive: true });
        appendFileSync(join(copy, file), ' ');
        assert.notEqual(await computeModelId(await inspectModelDir(copy)), id, file);
      }
    });

    it('ignores files the model does not read', async () => {
      const before = await computeModelId(await inspectModelDir(model));
      writeFileSync(join(model, 'README.md'), 'notes');
      assert.equal(await computeModelId(await inspectModelDir(model)), before);
    });

    it('keeps the digest of the ids written before (`<name>@<12 hex>`) so those indexes are recognised', async () => {
      // The former computeModelId: one SHA-256 over each file's path, size and bytes in turn.
      const info = await inspectModelDir(model);
      const hash = createHash('sha256');
      for (const file of info.files) {
        hash.update(`${file}\0${statSync(join(model, file)).size}\0`);
        hash.update(readFileSync(join(model, file)));
      }
      const legacy = hash.digest('hex').slice(0, 12);
      assert.equal((await identifyModel(info)).legacyDigest, legacy);
      assert.equal(legacyModelDigest(`tiny@${legacy}`), legacy);
      assert.equal(legacyModelDigest('sha256-0123456789abcdef'), undefined);
    });
  });

  describe('compareModels', () => {
    it('matches by id, or by the digest of an id written before ids were content only', async () => {
      const identity = await identifyModel(await inspectModelDir(model));
      const loaded = { id: identity.id, identity };
      assert.deepEqual(compareModels({ id: identity.id }, loaded), { isSame: true, differences: [] });
      assert.deepEqual(compareModels({ id: `any-old-name@${identity.legacyDigest}` }, loaded), {
        isSame: true,
        differences: [],
      });
      assert.deepEqual(compareModels({ id: 'tiny@000000000000' }, loaded), { isSame: false, differences: [] });
    });

    it('says which files differ, which are missing and which are extra', async () => {
      const recorded = await identifyModel(await inspectModelDir(model));
      const other = join(tempDir(), 'other');
      cpSync(model, other, { recursive: true });
      appendFileSync(join(other, 'tokenizer.json'), '  ');
      writeFileSync(
        join(other, 'config.json'),
        readFileSync(join(model, 'config.json'), 'utf8').replace(/\d/, (d) => (d === '9' ? '8' : '9')),
      );
      renameSync(join(other, 'onnx', 'model.onnx'), join(other, 'onnx', 'model_quantized.onnx'));
      const loaded = await identifyModel(await inspectModelDir(other));
      const comparison = compareModels(recorded, { id: loaded.id, identity: loaded });
      assert.equal(comparison.isSame, false);
      const size = statSync(join(model, 'config.json')).size;
      const tokenizer = statSync(join(model, 'tokenizer.json')).size;
      assert.deepEqual(comparison.differences, [
        `config.json differs (same size, ${size} bytes)`,
        "onnx/model.onnx only in the index's model",
        'onnx/model_quantized.onnx only in the loaded model',
        `tokenizer.json differs (${tokenizer} vs ${tokenizer + 2} bytes)`,
      ]);
    });
  });
});
