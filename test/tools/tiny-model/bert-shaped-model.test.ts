// Tests of tools/tiny-model/bert-shaped-model.ts: the random-weight BERT-shaped model bench:embed times. A small
// shape (2 layers, hidden 32) is built once and loaded through the project's embedder like a user's model.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer } from '@xenova/transformers';
import type { Embedder } from '../../../workloads/search/embedder/embedder.js';
import { loadLocalEmbedder, useLocalModelsOnly } from '../../../workloads/search/embedder/local-model.js';
import {
  BERT_BASE_SHAPE,
  bertParameterCount,
  bertVocabulary,
  bertWeight,
  bertWeightSpecs,
  buildBertShapedModel,
  type BertShape,
  type BertShapedModelInfo,
} from '../../../tools/tiny-model/bert-shaped-model.js';
import { bertLastHiddenState, meanPooled } from '../../helpers/bert-reference.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const SMALL: BertShape = {
  layers: 2,
  heads: 4,
  hidden: 32,
  intermediate: 128,
  vocabularySize: 400,
  maxPositions: 64,
  typeVocabularySize: 2,
};
const WORDS = ['red', 'running', 'shoes', 'oak', 'dining', 'table', 'wool', 'sweater', 'navy', 'boots'];
const SEED = 7;
// Larger than BERT's 0.02 so that attention is far from uniform at this width and a wrong head split shows.
const INIT_STD = 0.2;
const TEXTS = ['red running shoes', 'oak dining table', 'navy', 'wool sweater for the cold, with navy boots'];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] as number) * (b[i] as number);
  return sum;
};
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('tools/tiny-model/bert-shaped-model', () => {
  describe('shape', () => {
    it('has the parameters of bert-base-uncased without its pooler', () => {
      const pooler = 768 * 768 + 768;
      assert.equal(bertParameterCount(BERT_BASE_SHAPE) + pooler, 109_482_240);
    });

    it('fills the vocabulary to its size with multi-letter word pieces, the words whole', () => {
      const vocabulary = bertVocabulary(WORDS, 30_522);
      assert.equal(vocabulary.length, 30_522);
      assert.equal(new Set(vocabulary).size, vocabulary.length);
      for (const word of WORDS) assert.ok(vocabulary.includes(word), word);
      assert.ok(vocabulary.includes('##ab') && vocabulary.includes('##xyz'));
      assert.throws(() => bertVocabulary(WORDS, 50), /more than shape.vocabularySize \(50\)/);
    });

    it('refuses a width its heads do not divide and a bad seed', async () => {
      await assert.rejects(
        buildBertShapedModel({ outDir: '/nonexistent', vocabulary: WORDS, shape: { ...SMALL, heads: 5 } }),
        /shape.hidden \(32\) must be a multiple of shape.heads \(5\)/,
      );
      await assert.rejects(
        buildBertShapedModel({ outDir: '/nonexistent', vocabulary: WORDS, shape: SMALL, seed: -1 }),
        /seed must be an integer/,
      );
    });
  });

  describe('a small model through the embedder', () => {
    const tempDir = useTempDir('bert-shaped', 'all');
    let info: BertShapedModelInfo;
    let float32: Embedder;
    let int8: Embedder;

    before(async () => {
      info = await buildBertShapedModel({
        outDir: join(tempDir(), 'small-bert'),
        vocabulary: WORDS,
        shape: SMALL,
        seed: SEED,
        initStd: INIT_STD,
      });
      float32 = await loadLocalEmbedder(info.dir, { quantized: false });
      int8 = await loadLocalEmbedder(info.dir, { quantized: true });
    });
    after(async () => {
      await float32?.close?.();
      await int8?.close?.();
    });

    it('writes the Hugging Face layout with a float32 and an int8 ONNX file', () => {
      assert.deepEqual(
        info.files.map((file) => file.path),
        ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'],
      );
      const config = JSON.parse(readFileSync(join(info.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(config.model_type, 'bert');
      assert.equal(config.num_hidden_layers, SMALL.layers);
      assert.equal(config.intermediate_size, SMALL.intermediate);
      assert.equal((config.roleplane as { randomWeights: boolean }).randomWeights, true);
    });

    it('loads like a user model and returns unit-length vectors of the hidden width', async () => {
      for (const embedder of [float32, int8]) {
        assert.equal(embedder.dimensions, SMALL.hidden);
        assert.match(embedder.modelId, /^sha256-[0-9a-f]{16}$/);
        const vectors = await embedder.embed(TEXTS);
        assert.equal(vectors.length, TEXTS.length);
        for (const vector of vectors) {
          assert.equal(vector.length, SMALL.hidden);
          assert.ok(Math.abs(Math.sqrt(dot(vector, vector)) - 1) < 1e-5);
        }
      }
      assert.notEqual(float32.modelId, int8.modelId, 'the two files are two models');
    });

    it('computes what BERT computes: equal to a plain forward pass of the same weights', async () => {
      useLocalModelsOnly();
      const tokenizer = await AutoTokenizer.from_pretrained(info.dir, { local_files_only: true });
      const encoded = tokenizer(TEXTS, { padding: true, truncation: true }) as {
        input_ids: { data: BigInt64Array; dims: number[] };
        attention_mask: { data: BigInt64Array };
      };
      const [, sequence] = encoded.input_ids.dims as [number, number];
      const weights = new Map(bertWeightSpecs(SMALL).map((spec) => [spec.name, bertWeight(spec, SEED, INIT_STD)]));
      const weight = (name: string): Float32Array => weights.get(name) as Float32Array;
      const vectors = await float32.embed(TEXTS);
      TEXTS.forEach((text, b) => {
        const row = (data: BigInt64Array): number[] =>
          Array.from(data.subarray(b * sequence, (b + 1) * sequence), Number);
        const mask = row(encoded.attention_mask.data);
        const expected = meanPooled(bertLastHiddenState(SMALL, weight, row(encoded.input_ids.data), mask), mask);
        const actual = vectors[b] as Float32Array;
        const worst = Math.max(...expected.map((v, k) => Math.abs(v - (actual[k] as number))));
        assert.ok(worst < 1e-4, `${JSON.stringify(text)}: largest difference ${worst}`);
      });
      // The batch had padding (texts of different lengths): the masked positions were really left out.
      assert.ok(Array.from(encoded.attention_mask.data).some((m) => m === 0n));
    });

    it('gives a text the same vector alone and padded in a batch (the attention mask is applied)', async () => {
      const [alone] = await float32.embed(['navy']);
      const [padded] = await float32.embed(['navy', 'red running shoes and oak dining table with navy wool']);
      assert.ok(dot(alone as Float32Array, padded as Float32Array) > 1 - 1e-6);
    });

    it('is not a bag of words: word order changes the vector', async () => {
      const [a, b] = await float32.embed(['red running shoes', 'shoes running red']);
      assert.ok(dot(a as Float32Array, b as Float32Array) < 0.999);
    });

    it('has an int8 copy that stays close to the float model and is about a quarter of its size', async () => {
      const exact = await float32.embed(TEXTS);
      const quantized = await int8.embed(TEXTS);
      exact.forEach((vector, i) => {
        const cosine = dot(vector, quantized[i] as Float32Array);
        assert.ok(cosine > 0.9, `${JSON.stringify(TEXTS[i])}: cosine ${cosine}`);
      });
      const bytes = (path: string): number => info.files.find((file) => file.path === path)?.bytes ?? 0;
      const ratio = bytes('onnx/model_quantized.onnx') / bytes('onnx/model.onnx');
      assert.ok(ratio > 0.2 && ratio < 0.45, `int8/float32 size ratio ${ratio}`);
    });

    it('is byte-identical when built again with the same options', async () => {
      const again = await buildBertShapedModel({
        outDir: join(tempDir(), 'again'),
        vocabulary: WORDS,
        shape: SMALL,
        seed: SEED,
        initStd: INIT_STD,
      });
      for (const file of info.files)
        assert.equal(sha256(join(again.dir, file.path)), sha256(join(info.dir, file.path)));
    });
  });
});
