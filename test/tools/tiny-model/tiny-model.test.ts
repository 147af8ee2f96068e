// Tests of tools/tiny-model/ (the tiny model's generator) and of the model it committed in
// workloads/search/embedder/tiny/, which the embedder loads.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AutoTokenizer } from '@xenova/transformers';
import { loadLocalEmbedder, useLocalModelsOnly } from '../../../workloads/search/embedder/local-model.js';
import { buildTinyModel } from '../../../tools/tiny-model/build-tiny-model.js';
import { featureVector, singular, tokenMatrix } from '../../../tools/tiny-model/hashed-vectors.js';
import { encodeOnnxModel, float32RawData, OnnxDataType } from '../../../tools/tiny-model/onnx.js';
import { encodeVarint, ProtoWriter } from '../../../tools/tiny-model/protobuf.js';
import { buildDemoTinyModel, TINY_MODEL_DIMS, tinyModelOptions } from '../../../tools/tiny-model/tiny-model.js';
import { TINY_MODEL_DIR } from '../../../workloads/search/embedder/tiny-model.js';
import {
  bertNormalize,
  bertPreTokenize,
  buildVocabulary,
  SPECIAL_TOKENS,
} from '../../../tools/tiny-model/wordpiece-tokenizer.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const MAX_COMMITTED_BYTES = 2 * 1024 * 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => relative(dir, join(dir, name)))
    .sort();
}

describe('tools/tiny-model', () => {
  const tempDir = useTempDir('tiny');

  describe('protobuf encodeVarint', () => {
    it("writes base-128 varints, negative numbers as ten-byte two's complement", () => {
      assert.deepEqual([...encodeVarint(0)], [0]);
      assert.deepEqual([...encodeVarint(1)], [1]);
      assert.deepEqual([...encodeVarint(300)], [0xac, 0x02]);
      assert.deepEqual([...encodeVarint(-1)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
      assert.throws(() => encodeVarint(1.5), /not a safe integer/);
    });

    it('frames strings and nested messages with their length', () => {
      const inner = new ProtoWriter().varint(1, 150);
      assert.deepEqual(
        [...new ProtoWriter().string(2, 'hi').message(3, inner).finish()],
        [0x12, 2, 0x68, 0x69, 0x1a, 3, 0x08, 0x96, 0x01],
      );
    });
  });

  describe('wordpiece-tokenizer', () => {
    it('normalises and splits like BERT: lowercase, no accents, punctuation alone', () => {
      assert.equal(bertNormalize('Café ÄRGER\tTab'), 'cafe arger tab');
      assert.deepEqual(bertPreTokenize(bertNormalize("Levi's T-Shirt $20!")), [
        'levi',
        "'",
        's',
        't',
        '-',
        'shirt',
        '$',
        '20',
        '!',
      ]);
    });

    it('orders the vocabulary the same whatever the input order, specials first', () => {
      const a = buildVocabulary(['Running Shoe', 'oak', 'café', 'oak']);
      const b = buildVocabulary(['cafe', 'oak', 'running shoe']);
      assert.deepEqual(a, b);
      assert.deepEqual(a.slice(0, 5), [
        SPECIAL_TOKENS.pad,
        SPECIAL_TOKENS.unk,
        SPECIAL_TOKENS.cls,
        SPECIAL_TOKENS.sep,
        SPECIAL_TOKENS.mask,
      ]);
      assert.equal(new Set(a).size, a.length);
      assert.ok(a.includes('running') && a.includes('cafe') && a.includes('##s'));
    });
  });

  describe('hashed-vectors', () => {
    it('folds simple English plurals', () => {
      const cases: Array<[string, string]> = [
        ['boots', 'boot'],
        ['boxes', 'box'],
        ['berries', 'berry'],
        ['glass', 'glass'],
        ['dress', 'dress'],
        ['jeans', 'jean'],
        ['bus', 'bus'],
        ['shoes', 'shoe'],
      ];
      for (const [word, expected] of cases) assert.equal(singular(word), expected, word);
    });

    it('makes a unit vector that depends only on feature, dims and seed', () => {
      const a = featureVector('ngram:<sn', 64, 7);
      assert.deepEqual(a, featureVector('ngram:<sn', 64, 7));
      assert.notDeepEqual(a, featureVector('ngram:<sn', 64, 8));
      assert.ok(Math.abs(a.reduce((s, v) => s + v * v, 0) - 1) < 1e-12);
    });

    it('leaves [PAD] zero and gives every other token a vector', () => {
      const vocabulary = buildVocabulary(['sneaker']);
      const table = tokenMatrix(vocabulary, { dims: 16, seed: 1 });
      assert.ok(table.subarray(0, 16).every((v) => v === 0));
      for (let id = 1; id < vocabulary.length; id += 1)
        assert.ok(
          table.subarray(id * 16, id * 16 + 16).some((v) => v !== 0),
          vocabulary[id],
        );
    });
  });

  describe('onnx encodeOnnxModel', () => {
    it('writes a model onnxruntime runs: a BERT-like export with token_type_ids, loaded through the quantized file name', async () => {
      // Same layout as a Hugging Face export (input_ids, attention_mask, token_type_ids; onnx/model_quantized.onnx
      // only): the path a user's real model takes through loadLocalEmbedder.
      await buildTinyModel({ outDir: tempDir(), vocabulary: ['red', 'shoe', 'table'], dims: 16, seed: 3 });
      const vocabularySize = (
        JSON.parse(readFileSync(join(tempDir(), 'config.json'), 'utf8')) as { vocab_size: number }
      ).vocab_size;
      const words = new Float32Array(vocabularySize * 16).map((_, i) => Math.sin(i));
      const types = new Float32Array(2 * 16).fill(0.01);
      const model = encodeOnnxModel({
        irVersion: 7,
        opsetVersion: 13,
        producerName: 'test',
        producerVersion: '1',
        graph: {
          name: 'bert_like',
          initializers: [
            {
              name: 'word_embeddings',
              dataType: OnnxDataType.FLOAT,
              dims: [vocabularySize, 16],
              rawData: float32RawData(words),
            },
            { name: 'type_embeddings', dataType: OnnxDataType.FLOAT, dims: [2, 16], rawData: float32RawData(types) },
          ],
          inputs: [
            { name: 'input_ids', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] },
            { name: 'attention_mask', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] },
            { name: 'token_type_ids', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] },
          ],
          outputs: [{ name: 'last_hidden_state', elemType: OnnxDataType.FLOAT, shape: ['batch', 'sequence', 16] }],
          nodes: [
            { name: 'words', opType: 'Gather', inputs: ['word_embeddings', 'input_ids'], outputs: ['w'] },
            { name: 'types', opType: 'Gather', inputs: ['type_embeddings', 'token_type_ids'], outputs: ['t'] },
            { name: 'sum', opType: 'Add', inputs: ['w', 't'], outputs: ['last_hidden_state'] },
          ],
        },
      });
      rmSync(join(tempDir(), 'onnx', 'model.onnx'));
      writeFileSync(join(tempDir(), 'onnx', 'model_quantized.onnx'), model);
      const embedder = await loadLocalEmbedder(tempDir());
      try {
        assert.equal(embedder.dimensions, 16);
        const [vector] = await embedder.embed(['red shoe']);
        assert.ok(vector && Math.abs(Math.hypot(...vector) - 1) < 1e-5);
      } finally {
        await embedder.close?.();
      }
    });
  });

  describe('buildTinyModel', () => {
    it('regenerates the committed model byte for byte', async () => {
      await buildDemoTinyModel(tempDir());
      const committed = filesUnder(TINY_MODEL_DIR);
      assert.deepEqual(filesUnder(tempDir()), committed);
      for (const file of committed) {
        assert.ok(
          readFileSync(join(tempDir(), file)).equals(readFileSync(join(TINY_MODEL_DIR, file))),
          `${file} differs: run npx tsx tools/tiny-model/tiny-model.ts`,
        );
      }
    });

    it('keeps the committed model small', () => {
      const bytes = filesUnder(TINY_MODEL_DIR).reduce(
        (sum, file) => sum + statSync(join(TINY_MODEL_DIR, file)).size,
        0,
      );
      assert.ok(bytes < MAX_COMMITTED_BYTES, `${bytes} bytes`);
    });

    it('tokenizes every word of its vocabulary as one known token (no [UNK], no pieces)', async () => {
      useLocalModelsOnly();
      const tokenizer = await AutoTokenizer.from_pretrained(TINY_MODEL_DIR, { local_files_only: true });
      // _encode_text is the library's text → tokens step (2.x has no public tokenize()).
      const words = new Set([...tinyModelOptions().vocabulary].flatMap((text) => bertPreTokenize(bertNormalize(text))));
      for (const word of words) {
        const tokens = tokenizer._encode_text(word);
        assert.deepEqual(tokens, [word], `"${word}" → ${JSON.stringify(tokens)}`);
      }
      // An unknown word falls back to a known prefix and continuation pieces rather than [UNK].
      assert.deepEqual(tokenizer._encode_text('sneakerz'), ['sneaker', '##z']);
    });

    it('builds a model of the requested width that the embedder loads', async () => {
      const info = await buildTinyModel({
        outDir: tempDir(),
        vocabulary: ['wool sweater', 'oak table'],
        dims: 64,
        seed: 5,
      });
      assert.deepEqual(info.files, ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
      const embedder = await loadLocalEmbedder(tempDir());
      try {
        assert.equal(embedder.dimensions, 64);
      } finally {
        await embedder.close?.();
      }
    });

    it('refuses widths and seeds out of range', async () => {
      await assert.rejects(
        buildTinyModel({ outDir: tempDir(), vocabulary: [], dims: 4 }),
        /dims must be an integer in 8\.\.4096 \(got 4\)/,
      );
      await assert.rejects(
        buildTinyModel({ outDir: tempDir(), vocabulary: [], seed: -1 }),
        /seed must be an integer in 0\.\.2\^32-1 \(got -1\)/,
      );
    });

    it('uses the documented default width for the committed model', () => {
      const config = JSON.parse(readFileSync(join(TINY_MODEL_DIR, 'config.json'), 'utf8')) as { hidden_size: number };
      assert.equal(config.hidden_size, TINY_MODEL_DIMS);
    });
  });
});
