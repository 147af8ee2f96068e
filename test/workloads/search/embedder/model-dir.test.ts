import { strict as assert } from 'node:assert';
import { appendFileSync, cpSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeModelId, inspectModelDir, ModelDirError } from '../../../../workloads/search/embedder/model-dir.js';
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

  describe('computeModelId', () => {
    it('is the same for two copies of a model and changes with any file that decides the vectors', async () => {
      const copy = join(tempDir(), 'copy', 'my-model');
      cpSync(model, copy, { recursive: true });
      const id = await computeModelId(await inspectModelDir(model));
      assert.match(id, /^my-model@[0-9a-f]{12}$/);
      assert.equal(await computeModelId(await inspectModelDir(copy)), id);

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
  });
});
