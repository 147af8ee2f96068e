import { strict as assert } from 'node:assert';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, pipeline } from '@xenova/transformers';
import type { Embedder } from '../../../../workloads/search/embedder/embedder.js';
import { loadLocalEmbedder, useLocalModelsOnly } from '../../../../workloads/search/embedder/local-model.js';
import { ModelDirError } from '../../../../workloads/search/embedder/model-dir.js';
import { TINY_MODEL_DIMS } from '../../../../tools/tiny-model/tiny-model.js';
import { TINY_MODEL_DIR } from '../../../../workloads/search/embedder/tiny-model.js';
import { useTempDir } from '../../../helpers/temp-dir.js';

const dot = (a: Float32Array, b: Float32Array): number =>
  a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
const norm = (a: Float32Array): number => Math.sqrt(dot(a, a));

async function embedOne(embedder: Embedder, text: string): Promise<Float32Array> {
  const [vector] = await embedder.embed([text]);
  assert.ok(vector, `no vector for ${JSON.stringify(text)}`);
  return vector;
}

describe('workloads/search/embedder/local-model', () => {
  describe('loadLocalEmbedder', () => {
    let embedder: Embedder;
    const realFetch = globalThis.fetch;
    const fetched: string[] = [];

    before(async () => {
      // Any network attempt during load or embedding is recorded and refused.
      globalThis.fetch = async (input: string | URL | Request) => {
        fetched.push(String(input instanceof Request ? input.url : input));
        throw new Error('network access in a test');
      };
      embedder = await loadLocalEmbedder(TINY_MODEL_DIR);
    });
    after(async () => {
      globalThis.fetch = realFetch;
      await embedder?.close?.();
    });

    it('loads the tiny model from disk without any network access', async () => {
      await embedder.embed(['red running shoes', 'oak dining table']);
      assert.deepEqual(fetched, []);
      assert.equal(env.allowRemoteModels, false);
    });

    it('reports the dimensions of what the model returns and a model id from its files only', () => {
      assert.equal(embedder.dimensions, TINY_MODEL_DIMS);
      assert.match(embedder.modelId, /^sha256-[0-9a-f]{16}$/);
    });

    it('returns one unit-length vector of the reported width per text, in order', async () => {
      const texts = ['red running shoes', 'oak dining table', 'Nike', '', 'ünïcödé ☕ text', 'a '.repeat(500)];
      const vectors = await embedder.embed(texts);
      assert.equal(vectors.length, texts.length);
      for (const vector of vectors) {
        assert.ok(vector instanceof Float32Array);
        assert.equal(vector.length, embedder.dimensions);
        assert.ok(Math.abs(norm(vector) - 1) < 1e-5, `norm ${norm(vector)}`);
      }
      assert.deepEqual(vectors[0], await embedOne(embedder, 'red running shoes'));
    });

    it('returns an empty list for no texts', async () => {
      assert.deepEqual(await embedder.embed([]), []);
    });

    it('scores similar texts above unrelated ones', async () => {
      const query = await embedOne(embedder, 'red running shoes');
      assert.ok(
        dot(query, await embedOne(embedder, 'red running shoe')) >
          dot(query, await embedOne(embedder, 'oak dining table')),
      );
      const sneaker = await embedOne(embedder, 'sneaker');
      assert.ok(dot(sneaker, await embedOne(embedder, 'sneakers')) > 0.6);
      assert.ok(
        dot(sneaker, await embedOne(embedder, 'trainer')) > dot(sneaker, await embedOne(embedder, 'coffee mug')),
      );
    });

    it('gives the same vectors whatever the batch size', async () => {
      const texts = ['short', 'a much longer text about leather boots for winter hiking', 'grey hoodie', 'mug'];
      const single = await loadLocalEmbedder(TINY_MODEL_DIR, { batchSize: 1 });
      try {
        const one = await single.embed(texts);
        const all = await embedder.embed(texts);
        one.forEach((vector, i) =>
          vector.forEach((value, k) => assert.ok(Math.abs(value - (all[i] as Float32Array)[k]!) < 1e-6)),
        );
      } finally {
        await single.close?.();
      }
    });

    it('pools like the transformers.js pipeline with pooling "mean" and normalize', async () => {
      const texts = ['red running shoes', 'a much longer text about leather boots for winter hiking', 'x'];
      useLocalModelsOnly();
      const extractor = await pipeline('feature-extraction', TINY_MODEL_DIR, {
        quantized: false,
        local_files_only: true,
      });
      try {
        const reference = await extractor(texts, { pooling: 'mean', normalize: true });
        const ours = await embedder.embed(texts);
        const width = embedder.dimensions;
        ours.forEach((vector, i) =>
          vector.forEach((value, k) =>
            assert.ok(Math.abs(value - (reference.data[i * width + k] as number)) < 1e-6, `text ${i} dim ${k}`),
          ),
        );
      } finally {
        await extractor.dispose();
      }
    });
  });

  describe('errors', () => {
    const tempDir = useTempDir('model');

    it('fails fast on a directory that does not exist, naming it', async () => {
      const missing = join(tempDir(), 'no-such-model');
      const started = Date.now();
      await assert.rejects(loadLocalEmbedder(missing), (err: Error) => {
        assert.ok(err instanceof ModelDirError);
        assert.equal(err.message, `model directory ${missing}: does not exist`);
        return true;
      });
      // Fails on the missing directory, not after some download or load attempt times out (bound for a loaded machine).
      assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
    });

    it('names the missing file of an incomplete model directory', async () => {
      cpSync(TINY_MODEL_DIR, tempDir(), { recursive: true });
      rmSync(join(tempDir(), 'tokenizer.json'));
      await assert.rejects(loadLocalEmbedder(tempDir()), (err: Error) => {
        assert.ok(err instanceof ModelDirError);
        assert.match(err.message, new RegExp(`^model directory ${tempDir()}: missing tokenizer\\.json \\(`));
        return true;
      });
    });

    it('wraps a model file transformers.js cannot load with the directory', async () => {
      cpSync(TINY_MODEL_DIR, tempDir(), { recursive: true });
      writeFileSync(join(tempDir(), 'onnx', 'model.onnx'), 'not a protobuf');
      // transformers.js logs the failure and retries with its wasm backend before giving up; keep that quiet.
      const warn = console.warn;
      console.warn = () => undefined;
      try {
        await assert.rejects(loadLocalEmbedder(tempDir()), (err: Error) => {
          assert.ok(err instanceof ModelDirError);
          assert.match(err.message, new RegExp(`^model directory ${tempDir()}: transformers.js could not load it: `));
          return true;
        });
      } finally {
        console.warn = warn;
      }
    });

    it('refuses a batch size below one', async () => {
      await assert.rejects(
        loadLocalEmbedder(TINY_MODEL_DIR, { batchSize: 0 }),
        /batchSize must be a positive integer \(got 0\)/,
      );
    });
  });
});
