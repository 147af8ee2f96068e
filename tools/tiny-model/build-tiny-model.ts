import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { singular, tokenMatrix } from './hashed-vectors.js';
import { encodeOnnxModel, float32RawData, int64RawData, OnnxDataType, type OnnxModel } from './onnx.js';
import { bertNormalize, bertPreTokenize, buildVocabulary, tokenizerFiles } from './wordpiece-tokenizer.js';

/**
 * Builds a small feature-extraction model in the Hugging Face layout that transformers.js loads like any
 * downloaded one:
 *
 *   config.json  tokenizer.json  tokenizer_config.json  onnx/model.onnx
 *
 * The ONNX graph looks up a fixed vector per token and zeroes padding:
 *
 *   last_hidden_state[b, s, :] = token_embeddings[input_ids[b, s], :] * attention_mask[b, s]
 *
 * so the pipeline's mean pooling gives the average of a text's token vectors (see hashed-vectors.ts for how
 * they are made). It is a bag of words with spelling-aware vectors, not a language model: good enough for a demo
 * and for tests, deterministic, and made here because no sentence-embedding weights can be downloaded.
 * The output is byte-identical for the same options.
 */

export interface BuildTinyModelOptions {
  /** Directory to write; created if missing, existing model files are overwritten. */
  readonly outDir: string;
  /** Words and phrases the tokenizer knows as whole tokens (normalised and split the way BERT does). */
  readonly vocabulary: Iterable<string>;
  /** @default 128 */
  readonly dims?: number;
  /** @default 1 */
  readonly seed?: number;
  /**
   * Groups of words with related meaning ("sneaker", "trainer"); members share one feature, so their vectors
   * are close although their spelling is not. Entries of more than one token ("running shoe") are ignored.
   * @default - none
   */
  readonly synonyms?: Iterable<readonly string[]>;
  /** model_max_length: longer texts are truncated to this many tokens. @default 128 */
  readonly maxLength?: number;
}

export interface TinyModelInfo {
  readonly dir: string;
  readonly dims: number;
  readonly vocabularySize: number;
  /** Paths relative to `dir`, in the order written. */
  readonly files: readonly string[];
}

export const TINY_MODEL_FORMAT = 1;
const DEFAULT_DIMS = 128;
const DEFAULT_SEED = 1;
const DEFAULT_MAX_LENGTH = 128;

/**
 * singular(token) → synonym group ids (group i is `g<i>`), each listed once; see TokenMatrixOptions.groups.
 * Only one-token entries count: the words of "running shoe" or "dark blue" mean something only together, and
 * tying "dark" to navy would pull every "dark …" text towards it.
 */
function groupIndex(synonyms: Iterable<readonly string[]>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  let groupNumber = 0;
  for (const group of synonyms) {
    const id = `g${groupNumber}`;
    groupNumber += 1;
    for (const entry of group) {
      const tokens = bertPreTokenize(bertNormalize(entry));
      if (tokens.length !== 1) continue;
      const key = singular(tokens[0] as string);
      const groups = index.get(key) ?? [];
      if (!groups.includes(id)) groups.push(id);
      index.set(key, groups);
    }
  }
  return index;
}

function checkOptions(options: BuildTinyModelOptions): { dims: number; seed: number; maxLength: number } {
  const dims = options.dims ?? DEFAULT_DIMS;
  const seed = options.seed ?? DEFAULT_SEED;
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(dims) || dims < 8 || dims > 4096)
    throw new RangeError(`buildTinyModel: dims must be an integer in 8..4096 (got ${dims})`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new RangeError(`buildTinyModel: seed must be an integer in 0..2^32-1 (got ${seed})`);
  if (!Number.isInteger(maxLength) || maxLength < 8)
    throw new RangeError(`buildTinyModel: maxLength must be an integer >= 8 (got ${maxLength})`);
  return { dims, seed, maxLength };
}

/** The ONNX model: Gather the rows, Cast the mask to float, Unsqueeze it to [b, s, 1], Mul. */
export function tinyOnnxModel(
  table: Float32Array,
  vocabularySize: number,
  dims: number,
  description: string,
): OnnxModel {
  return {
    irVersion: 7,
    opsetVersion: 13,
    producerName: 'roleplane',
    producerVersion: String(TINY_MODEL_FORMAT),
    docString: description,
    graph: {
      name: 'roleplane_tiny_embedder',
      initializers: [
        {
          name: 'token_embeddings',
          dataType: OnnxDataType.FLOAT,
          dims: [vocabularySize, dims],
          rawData: float32RawData(table),
        },
        { name: 'mask_axes', dataType: OnnxDataType.INT64, dims: [1], rawData: int64RawData([2]) },
      ],
      inputs: [
        { name: 'input_ids', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] },
        { name: 'attention_mask', elemType: OnnxDataType.INT64, shape: ['batch', 'sequence'] },
      ],
      outputs: [{ name: 'last_hidden_state', elemType: OnnxDataType.FLOAT, shape: ['batch', 'sequence', dims] }],
      nodes: [
        {
          name: 'lookup',
          opType: 'Gather',
          inputs: ['token_embeddings', 'input_ids'],
          outputs: ['token_vectors'],
          attributes: [{ name: 'axis', int: 0 }],
        },
        {
          name: 'mask_to_float',
          opType: 'Cast',
          inputs: ['attention_mask'],
          outputs: ['mask_float'],
          attributes: [{ name: 'to', int: OnnxDataType.FLOAT }],
        },
        { name: 'mask_expand', opType: 'Unsqueeze', inputs: ['mask_float', 'mask_axes'], outputs: ['mask_3d'] },
        { name: 'zero_padding', opType: 'Mul', inputs: ['token_vectors', 'mask_3d'], outputs: ['last_hidden_state'] },
      ],
    },
  };
}

const json = (value: object): string => `${JSON.stringify(value, null, 2)}\n`;

export async function buildTinyModel(options: BuildTinyModelOptions): Promise<TinyModelInfo> {
  const { dims, seed, maxLength } = checkOptions(options);
  const vocabulary = buildVocabulary(options.vocabulary);
  const groups = groupIndex(options.synonyms ?? []);
  const table = tokenMatrix(vocabulary, { dims, seed, groups });
  const description =
    `roleplane tiny embedder: ${vocabulary.length} WordPiece tokens, ${dims} dimensions, seed ${seed}. ` +
    'Token vectors are hashed character n-grams, stems and synonym groups; no training. ' +
    'Rebuild with tools/tiny-model/tiny-model.ts.';

  const config = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: dims,
    vocab_size: vocabulary.length,
    max_position_embeddings: maxLength,
    pad_token_id: 0,
    roleplane: {
      format: TINY_MODEL_FORMAT,
      builder: 'tools/tiny-model/build-tiny-model.ts',
      seed,
      dims,
      description,
    },
  };
  const { tokenizer, tokenizerConfig } = tokenizerFiles(vocabulary, maxLength);
  const onnx = encodeOnnxModel(tinyOnnxModel(table, vocabulary.length, dims, description));

  await mkdir(join(options.outDir, 'onnx'), { recursive: true });
  const files: Array<[string, string | Uint8Array]> = [
    ['config.json', json(config)],
    ['tokenizer.json', json(tokenizer)],
    ['tokenizer_config.json', json(tokenizerConfig)],
    ['onnx/model.onnx', onnx],
  ];
  for (const [name, content] of files) await writeFile(join(options.outDir, name), content);
  return { dir: options.outDir, dims, vocabularySize: vocabulary.length, files: files.map(([name]) => name) };
}
