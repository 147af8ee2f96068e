import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashString } from '../../workloads/search/index/serve/ann/prng.js';
import {
  float32RawDataView,
  int64RawData,
  int8RawData,
  OnnxDataType,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  writeOnnxModel,
} from './onnx.js';
import { buildVocabulary, CONTINUATION_PREFIX, tokenizerFiles } from './wordpiece-tokenizer.js';

/**
 * A random-weight model with the exact shape and operators of a BERT sentence encoder, in the Hugging Face layout
 * the embedder loads (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx and, by default, an
 * int8 onnx/model_quantized.onnx). With the default shape it is BERT-base: 12 layers, 12 heads, hidden 768,
 * feed-forward 3072, a 30,522-token WordPiece vocabulary, 512 positions, 108.9M parameters (bert-base-uncased's
 * 109.5M less the pooler, which sentence encoders do not use); the embedder mean-pools its last hidden state.
 *
 * What it is for: the time a query takes. Dense inference costs the same whatever the weights are, so this model
 * runs exactly as long as a trained one of the same shape would, and nothing has to be downloaded. Its vectors
 * mean nothing: use it to measure, never to search.
 *
 * The float graph is what `torch.onnx.export` writes for transformers' BertModel (opset 14), so onnxruntime
 * applies the same fusions to it as to a real export:
 *   embeddings  Gather(word) + Gather(token type) + Gather(position, a Slice of 0..511) → LayerNorm
 *   mask        Unsqueeze → Cast → (1 − mask) · float32 min, added to every head's scores
 *   each layer  Q, K, V = MatMul + Add; Reshape to heads; Transpose; MatMul(Q, Kᵀ) / √d + mask → Softmax →
 *               MatMul(·, V) → Transpose → Reshape → MatMul + Add → Add(residual) → LayerNorm →
 *               MatMul + Add → GELU (erf form) → MatMul + Add → Add(residual) → LayerNorm
 *   LayerNorm   ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul γ, Add β (what opset < 17 exports)
 * The int8 copy is what onnxruntime's `quantize_dynamic` (per channel, reduced range, int8 weights) makes of
 * that graph, the way the quantized exports (onnx/model_quantized.onnx) are made: every MatMul becomes
 * DynamicQuantizeLinear → MatMulInteger → Cast → Mul by the two scales; the embedding tables are int8 with a
 * DequantizeLinear after the Gather.
 *
 * Weights are uniform with BERT's initializer standard deviation (0.02), each tensor from a PRNG seeded by its
 * name and the seed, so the files are byte-identical for the same options on any machine.
 */

export interface BertShape {
  /** num_hidden_layers */
  readonly layers: number;
  /** num_attention_heads; must divide `hidden`. */
  readonly heads: number;
  /** hidden_size: the width of every token vector and of the embedding. */
  readonly hidden: number;
  /** intermediate_size: the feed-forward width. */
  readonly intermediate: number;
  /** vocab_size: tokens in the tokenizer and rows of the word-embedding table. */
  readonly vocabularySize: number;
  /** max_position_embeddings */
  readonly maxPositions: number;
  /** type_vocab_size */
  readonly typeVocabularySize: number;
}

/** bert-base-uncased's configuration (and that of the BERT-base sentence-transformers models). */
export const BERT_BASE_SHAPE: BertShape = {
  layers: 12,
  heads: 12,
  hidden: 768,
  intermediate: 3072,
  vocabularySize: 30_522,
  maxPositions: 512,
  typeVocabularySize: 2,
};

export interface BuildBertShapedModelOptions {
  /** Directory to write; created if missing, existing model files are overwritten. */
  readonly outDir: string;
  /** Words the tokenizer knows whole (as for the tiny model); the rest of the vocabulary is word pieces. */
  readonly vocabulary: Iterable<string>;
  /** @default BERT_BASE_SHAPE (fields given here replace its fields) */
  readonly shape?: Partial<BertShape>;
  /** @default 1 */
  readonly seed?: number;
  /** Standard deviation of the random weights. @default 0.02 (BERT's initializer_range) */
  readonly initStd?: number;
  /** Also write the int8 onnx/model_quantized.onnx. @default true */
  readonly hasQuantized?: boolean;
  /** model_max_length of the tokenizer. @default - the shape's maxPositions */
  readonly maxLength?: number;
}

export interface BertShapedModelInfo {
  readonly dir: string;
  readonly shape: BertShape;
  readonly parameters: number;
  /** Paths relative to `dir` with their sizes, in the order written. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number }>;
}

export const BERT_SHAPED_MODEL_FORMAT = 1;
const DEFAULT_SEED = 1;
const DEFAULT_INIT_STD = 0.02;
const LAYER_NORM_EPSILON = 1e-12;
/** transformers' extended attention mask: (1 − mask) · torch.finfo(float32).min. */
const FLOAT32_MIN = -3.4028234663852886e38;
/** Opset 14 (IR 7): the opset transformers' exports of BERT use; onnxruntime 1.14 reads up to 18. */
const OPSET = 14;
const IR_VERSION = 7;
/** quantize_dynamic's reduce_range: int8 weights use 7 bits, [-64, 64] (no overflow on CPUs without VNNI). */
const WEIGHT_QMAX = 64;
/** Embedding tables are quantized per tensor without reduced range: [-127, 127]. */
const TABLE_QMAX = 127;

// -- shape and weights ---------------------------------------------------------------------------------------

function checkShape(options: BuildBertShapedModelOptions): { shape: BertShape; seed: number; initStd: number } {
  const shape = { ...BERT_BASE_SHAPE, ...options.shape };
  for (const [name, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`buildBertShapedModel: shape.${name} must be a positive integer (got ${value})`);
  }
  if (shape.hidden % shape.heads !== 0)
    throw new RangeError(
      `buildBertShapedModel: shape.hidden (${shape.hidden}) must be a multiple of shape.heads (${shape.heads})`,
    );
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new RangeError(`buildBertShapedModel: seed must be an integer in 0..2^32-1 (got ${seed})`);
  const initStd = options.initStd ?? DEFAULT_INIT_STD;
  if (!Number.isFinite(initStd) || initStd <= 0)
    throw new RangeError(`buildBertShapedModel: initStd must be a positive number (got ${initStd})`);
  return { shape, seed, initStd };
}

/** How a weight starts: random around 0, or a LayerNorm scale (random around 1). */
export type WeightInit = 'random' | 'scale';

export interface WeightSpec {
  /** The parameter's name in transformers' BertModel state dict. */
  readonly name: string;
  /** Linear weights are stored [in, out], already transposed for MatMul as torch exports them. */
  readonly dims: readonly number[];
  readonly init: WeightInit;
}

/** Every parameter of the model, in state-dict order. */
export function bertWeightSpecs(shape: BertShape): WeightSpec[] {
  const { hidden: h, intermediate: f } = shape;
  const specs: WeightSpec[] = [
    { name: 'embeddings.word_embeddings.weight', dims: [shape.vocabularySize, h], init: 'random' },
    { name: 'embeddings.position_embeddings.weight', dims: [shape.maxPositions, h], init: 'random' },
    { name: 'embeddings.token_type_embeddings.weight', dims: [shape.typeVocabularySize, h], init: 'random' },
    { name: 'embeddings.LayerNorm.weight', dims: [h], init: 'scale' },
    { name: 'embeddings.LayerNorm.bias', dims: [h], init: 'random' },
  ];
  const linear = (name: string, inputs: number, outputs: number): WeightSpec[] => [
    { name: `${name}.weight`, dims: [inputs, outputs], init: 'random' },
    { name: `${name}.bias`, dims: [outputs], init: 'random' },
  ];
  const layerNorm = (name: string): WeightSpec[] => [
    { name: `${name}.weight`, dims: [h], init: 'scale' },
    { name: `${name}.bias`, dims: [h], init: 'random' },
  ];
  for (let i = 0; i < shape.layers; i += 1) {
    const layer = `encoder.layer.${i}`;
    specs.push(
      ...linear(`${layer}.attention.self.query`, h, h),
      ...linear(`${layer}.attention.self.key`, h, h),
      ...linear(`${layer}.attention.self.value`, h, h),
      ...linear(`${layer}.attention.output.dense`, h, h),
      ...layerNorm(`${layer}.attention.output.LayerNorm`),
      ...linear(`${layer}.intermediate.dense`, h, f),
      ...linear(`${layer}.output.dense`, f, h),
      ...layerNorm(`${layer}.output.LayerNorm`),
    );
  }
  return specs;
}

const elementCount = (dims: readonly number[]): number => dims.reduce((product, dim) => product * dim, 1);

export function bertParameterCount(shape: BertShape): number {
  return bertWeightSpecs(shape).reduce((sum, spec) => sum + elementCount(spec.dims), 0);
}

/**
 * One weight's values: uniform with standard deviation `initStd` (around 1 for a LayerNorm scale), from a
 * PRNG seeded by the weight's name and `seed`, so each tensor is independent of the others and of their order.
 */
export function bertWeight(spec: WeightSpec, seed: number, initStd: number): Float32Array {
  const values = new Float32Array(elementCount(spec.dims));
  // Uniform on [-a, a] has standard deviation a/√3.
  const scale = (2 * initStd * Math.sqrt(3)) / 4294967296;
  const offset = (spec.init === 'scale' ? 1 : 0) - initStd * Math.sqrt(3);
  // mulberry32, the generator of Prng (ann/prng.ts), written out in the loop: a method call per value made
  // BERT-base's 109M values take seconds instead of a fraction of one.
  let state = hashString(spec.name, seed);
  for (let i = 0; i < values.length; i += 1) {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((t ^ (t >>> 14)) >>> 0) * scale + offset;
  }
  return values;
}

// -- quantization ------------------------------------------------------------------------------------------

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Symmetric int8 per column of a [rows, columns] matrix (zero point 0): what quantize_dynamic does per channel. */
export function quantizePerColumn(
  values: Float32Array,
  rows: number,
  columns: number,
  qmax: number,
): { quantized: Int8Array; scales: Float32Array } {
  const absMax = new Float64Array(columns);
  for (let r = 0; r < rows; r += 1) {
    const offset = r * columns;
    for (let c = 0; c < columns; c += 1)
      absMax[c] = Math.max(absMax[c] as number, Math.abs(values[offset + c] as number));
  }
  const scales = new Float32Array(columns);
  for (let c = 0; c < columns; c += 1) scales[c] = (absMax[c] as number) > 0 ? (absMax[c] as number) / qmax : 1;
  const quantized = new Int8Array(values.length);
  for (let r = 0; r < rows; r += 1) {
    const offset = r * columns;
    for (let c = 0; c < columns; c += 1) {
      const q = roundHalfEven((values[offset + c] as number) / (scales[c] as number));
      quantized[offset + c] = Math.max(-qmax, Math.min(qmax, q));
    }
  }
  return { quantized, scales };
}

/** Symmetric int8 with one scale for the whole tensor. */
export function quantizePerTensor(values: Float32Array, qmax: number): { quantized: Int8Array; scale: number } {
  let absMax = 0;
  for (const value of values) absMax = Math.max(absMax, Math.abs(value));
  const scale = Math.fround(absMax > 0 ? absMax / qmax : 1);
  const quantized = new Int8Array(values.length);
  for (let i = 0; i < values.length; i += 1)
    quantized[i] = Math.max(-qmax, Math.min(qmax, roundHalfEven((values[i] as number) / scale)));
  return { quantized, scale };
}

// -- graph ---------------------------------------------------------------------------------------------------

type Precision = 'float32' | 'int8';

/** Collects nodes and initializers; every helper returns the name of the value it produced. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly quantizedInputs = new Map<string, { q: string; scale: string; zeroPoint: string }>();
  private count = 0;

  constructor(
    private readonly precision: Precision,
    private readonly weightOf: (spec: WeightSpec) => Float32Array,
  ) {}

  node(
    opType: string,
    inputs: readonly string[],
    attributes: OnnxNode['attributes'] = [],
    output = `${opType}_${this.count}`,
  ): string {
    this.nodes.push({ name: `${opType}_${this.count}`, opType, inputs, outputs: [output], attributes });
    this.count += 1;
    return output;
  }

  floatConstant(name: string, values: readonly number[], dims: readonly number[] = []): string {
    this.initializers.push({
      name,
      dataType: OnnxDataType.FLOAT,
      dims,
      rawData: float32RawDataView(Float32Array.from(values)),
    });
    return name;
  }

  int64Constant(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    this.initializers.push({ name, dataType: OnnxDataType.INT64, dims, rawData: int64RawData(values) });
    return name;
  }

  private floatWeight(spec: WeightSpec): string {
    this.initializers.push({
      name: spec.name,
      dataType: OnnxDataType.FLOAT,
      dims: spec.dims,
      rawData: float32RawDataView(this.weightOf(spec)),
    });
    return spec.name;
  }

  /** A float weight used as it is (biases, LayerNorm). */
  weight(spec: WeightSpec): string {
    return this.floatWeight(spec);
  }

  /** An embedding lookup; in int8 the table is int8 and the rows are dequantized after the Gather. */
  lookup(spec: WeightSpec, ids: string): string {
    if (this.precision === 'float32')
      return this.node('Gather', [this.floatWeight(spec), ids], [{ name: 'axis', int: 0 }]);
    const { quantized, scale } = quantizePerTensor(this.weightOf(spec), TABLE_QMAX);
    const name = `${spec.name}_quantized`;
    this.initializers.push({ name, dataType: OnnxDataType.INT8, dims: spec.dims, rawData: int8RawData(quantized) });
    const rows = this.node('Gather', [name, ids], [{ name: 'axis', int: 0 }]);
    const scaleName = this.floatConstant(`${spec.name}_scale`, [scale]);
    const zeroPoint = `${spec.name}_zero_point`;
    this.initializers.push({ name: zeroPoint, dataType: OnnxDataType.INT8, dims: [], rawData: new Uint8Array(1) });
    return this.node('DequantizeLinear', [rows, scaleName, zeroPoint]);
  }

  /** x (uint8), its scale and zero point; one DynamicQuantizeLinear per value, shared by its consumers. */
  private dynamicQuantize(input: string): { q: string; scale: string; zeroPoint: string } {
    const known = this.quantizedInputs.get(input);
    if (known) return known;
    const name = `${input}_QuantizeLinear`;
    const q = `${name}_output`;
    const scale = `${name}_scale`;
    const zeroPoint = `${name}_zero_point`;
    this.nodes.push({ name, opType: 'DynamicQuantizeLinear', inputs: [input], outputs: [q, scale, zeroPoint] });
    const quantized = { q, scale, zeroPoint };
    this.quantizedInputs.set(input, quantized);
    return quantized;
  }

  /** MatMulInteger → Cast → Mul(scale a · scale b), as quantize_dynamic writes it. */
  private integerMatMul(
    a: { q: string; scale: string; zeroPoint: string },
    b: { q: string; scale: string; zeroPoint: string },
  ): string {
    const product = this.node('MatMulInteger', [a.q, b.q, a.zeroPoint, b.zeroPoint]);
    const asFloat = this.node('Cast', [product], [{ name: 'to', int: OnnxDataType.FLOAT }]);
    const scale = this.node('Mul', [a.scale, b.scale]);
    return this.node('Mul', [asFloat, scale]);
  }

  /** x · W + b for a Linear layer (W stored [in, out]). */
  linear(input: string, weightSpec: WeightSpec, biasSpec: WeightSpec): string {
    let product: string;
    if (this.precision === 'float32') product = this.node('MatMul', [input, this.floatWeight(weightSpec)]);
    else {
      const [rows, columns] = weightSpec.dims as [number, number];
      const { quantized, scales } = quantizePerColumn(this.weightOf(weightSpec), rows, columns, WEIGHT_QMAX);
      const q = `${weightSpec.name}_quantized`;
      const zeroPoint = `${weightSpec.name}_zero_point`;
      const scale = `${weightSpec.name}_scale`;
      this.initializers.push(
        { name: q, dataType: OnnxDataType.INT8, dims: weightSpec.dims, rawData: int8RawData(quantized) },
        { name: zeroPoint, dataType: OnnxDataType.INT8, dims: [columns], rawData: new Uint8Array(columns) },
        { name: scale, dataType: OnnxDataType.FLOAT, dims: [columns], rawData: float32RawDataView(scales) },
      );
      product = this.integerMatMul(this.dynamicQuantize(input), { q, scale, zeroPoint });
    }
    return this.node('Add', [product, this.weight(biasSpec)]);
  }

  /** A MatMul of two activations (attention scores, attention-weighted values). */
  matMul(a: string, b: string): string {
    if (this.precision === 'float32') return this.node('MatMul', [a, b]);
    return this.integerMatMul(this.dynamicQuantize(a), this.dynamicQuantize(b));
  }

  layerNorm(input: string, scaleSpec: WeightSpec, biasSpec: WeightSpec, output?: string): string {
    const axes = [{ name: 'axes', ints: [-1] }];
    const mean = this.node('ReduceMean', [input], axes);
    const centered = this.node('Sub', [input, mean]);
    const squared = this.node('Pow', [centered, 'const_two']);
    const variance = this.node('ReduceMean', [squared], axes);
    const std = this.node('Sqrt', [this.node('Add', [variance, 'const_layer_norm_epsilon'])]);
    const normalized = this.node('Div', [centered, std]);
    const scaled = this.node('Mul', [normalized, this.weight(scaleSpec)]);
    return this.node('Add', [scaled, this.weight(biasSpec)], [], output);
  }

  /** transformers' "gelu": x · ½ · (1 + erf(x / √2)). */
  gelu(input: string): string {
    const erf = this.node('Erf', [this.node('Div', [input, 'const_sqrt_two'])]);
    return this.node('Mul', [this.node('Mul', [input, this.node('Add', [erf, 'const_one'])]), 'const_half']);
  }
}

/** The ONNX model for `shape`, its weights from `weightOf` (called once per tensor, in state-dict order). */
export function bertOnnxModel(
  shape: BertShape,
  precision: Precision,
  weightOf: (spec: WeightSpec) => Float32Array,
  description: string,
): OnnxModel {
  const g = new GraphBuilder(precision, weightOf);
  const specs = new Map(bertWeightSpecs(shape).map((spec) => [spec.name, spec]));
  const spec = (name: string): WeightSpec => {
    const found = specs.get(name);
    if (!found) throw new Error(`bertOnnxModel: no weight ${name}`);
    return found;
  };
  const headSize = shape.hidden / shape.heads;

  g.floatConstant('const_one', [1]);
  g.floatConstant('const_two', [2]);
  g.floatConstant('const_half', [0.5]);
  g.floatConstant('const_sqrt_two', [Math.SQRT2]);
  g.floatConstant('const_layer_norm_epsilon', [LAYER_NORM_EPSILON]);
  g.floatConstant('const_attention_scale', [Math.sqrt(headSize)]);
  g.floatConstant('const_mask_fill', [FLOAT32_MIN]);
  g.int64Constant('const_heads_shape', [0, 0, shape.heads, headSize]);
  g.int64Constant('const_hidden_shape', [0, 0, shape.hidden]);
  g.int64Constant('position_ids', [...Array(shape.maxPositions).keys()], [1, shape.maxPositions]);

  // Embeddings: word + token type + position (positions 0..sequence-1, sliced from the buffer).
  const words = g.lookup(spec('embeddings.word_embeddings.weight'), 'input_ids');
  const types = g.lookup(spec('embeddings.token_type_embeddings.weight'), 'token_type_ids');
  const inputShape = g.node('Shape', ['input_ids']);
  const sequence = g.node(
    'Gather',
    [inputShape, g.int64Constant('const_index_1', [1], [])],
    [{ name: 'axis', int: 0 }],
  );
  const sequenceEnd = g.node('Unsqueeze', [sequence, g.int64Constant('const_axes_0', [0])]);
  const positionIds = g.node('Slice', [
    'position_ids',
    g.int64Constant('const_starts_0', [0]),
    sequenceEnd,
    g.int64Constant('const_axes_1', [1]),
  ]);
  const positions = g.lookup(spec('embeddings.position_embeddings.weight'), positionIds);
  const summed = g.node('Add', [g.node('Add', [words, types]), positions]);
  let hidden = g.layerNorm(summed, spec('embeddings.LayerNorm.weight'), spec('embeddings.LayerNorm.bias'));

  // The additive mask, [batch, 1, 1, sequence]: 0 for tokens, float32 min for padding.
  const mask4d = g.node('Unsqueeze', ['attention_mask', g.int64Constant('const_axes_1_2', [1, 2])]);
  const maskFloat = g.node('Cast', [mask4d], [{ name: 'to', int: OnnxDataType.FLOAT }]);
  const maskBias = g.node('Mul', [g.node('Sub', ['const_one', maskFloat]), 'const_mask_fill']);

  const toHeads = (x: string, perm: readonly number[]): string =>
    g.node('Transpose', [g.node('Reshape', [x, 'const_heads_shape'])], [{ name: 'perm', ints: perm }]);

  for (let i = 0; i < shape.layers; i += 1) {
    const layer = `encoder.layer.${i}`;
    const linear = (input: string, name: string): string =>
      g.linear(input, spec(`${layer}.${name}.weight`), spec(`${layer}.${name}.bias`));
    const query = toHeads(linear(hidden, 'attention.self.query'), [0, 2, 1, 3]);
    const keyT = toHeads(linear(hidden, 'attention.self.key'), [0, 2, 3, 1]);
    const value = toHeads(linear(hidden, 'attention.self.value'), [0, 2, 1, 3]);
    const scores = g.node('Add', [g.node('Div', [g.matMul(query, keyT), 'const_attention_scale']), maskBias]);
    const probabilities = g.node('Softmax', [scores], [{ name: 'axis', int: -1 }]);
    const context = g.node('Reshape', [
      g.node('Transpose', [g.matMul(probabilities, value)], [{ name: 'perm', ints: [0, 2, 1, 3] }]),
      'const_hidden_shape',
    ]);
    const attended = g.node('Add', [linear(context, 'attention.output.dense'), hidden]);
    const afterAttention = g.layerNorm(
      attended,
      spec(`${layer}.attention.output.LayerNorm.weight`),
      spec(`${layer}.attention.output.LayerNorm.bias`),
    );
    const expanded = g.gelu(linear(afterAttention, 'intermediate.dense'));
    const fed = g.node('Add', [linear(expanded, 'output.dense'), afterAttention]);
    hidden = g.layerNorm(
      fed,
      spec(`${layer}.output.LayerNorm.weight`),
      spec(`${layer}.output.LayerNorm.bias`),
      i === shape.layers - 1 ? 'last_hidden_state' : undefined,
    );
  }

  const ids = (name: string): { name: string; elemType: OnnxDataType; shape: string[] } => ({
    name,
    elemType: OnnxDataType.INT64,
    shape: ['batch', 'sequence'],
  });
  return {
    irVersion: IR_VERSION,
    opsetVersion: OPSET,
    producerName: 'roleplane',
    producerVersion: String(BERT_SHAPED_MODEL_FORMAT),
    docString: description,
    graph: {
      name: 'roleplane_bert_shaped',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [ids('input_ids'), ids('attention_mask'), ids('token_type_ids')],
      outputs: [
        {
          name: 'last_hidden_state',
          elemType: OnnxDataType.FLOAT,
          shape: ['batch', 'sequence', shape.hidden],
        },
      ],
    },
  };
}

// -- vocabulary and files -------------------------------------------------------------------------------------

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * The words' WordPiece vocabulary, filled up to `size` with two- and three-letter pieces ("##ab", "##abc", then
 * "abc"), so that unknown words split into pieces of a few letters, as with a real BERT vocabulary, instead of
 * into single letters.
 */
export function bertVocabulary(words: Iterable<string>, size: number): string[] {
  const vocabulary = buildVocabulary(words);
  if (vocabulary.length > size)
    throw new RangeError(
      `buildBertShapedModel: the words make ${vocabulary.length} tokens, more than shape.vocabularySize (${size})`,
    );
  const known = new Set(vocabulary);
  const pairs = [...LETTERS].flatMap((a) => [...LETTERS].map((b) => a + b));
  const triples = pairs.flatMap((pair) => [...LETTERS].map((c) => pair + c));
  const fillers = [
    ...pairs.map((p) => CONTINUATION_PREFIX + p),
    ...triples.map((t) => CONTINUATION_PREFIX + t),
    ...triples,
  ];
  for (const filler of fillers) {
    if (vocabulary.length >= size) break;
    if (known.has(filler)) continue;
    vocabulary.push(filler);
    known.add(filler);
  }
  for (let i = 0; vocabulary.length < size; i += 1) vocabulary.push(`[unused${i}]`);
  return vocabulary;
}

const json = (value: object): string => `${JSON.stringify(value, null, 2)}\n`;

export async function buildBertShapedModel(options: BuildBertShapedModelOptions): Promise<BertShapedModelInfo> {
  const { shape, seed, initStd } = checkShape(options);
  const maxLength = options.maxLength ?? shape.maxPositions;
  if (!Number.isInteger(maxLength) || maxLength < 8 || maxLength > shape.maxPositions)
    throw new RangeError(
      `buildBertShapedModel: maxLength must be an integer in 8..${shape.maxPositions} (got ${maxLength})`,
    );
  const vocabulary = bertVocabulary(options.vocabulary, shape.vocabularySize);
  const parameters = bertParameterCount(shape);
  const description =
    `roleplane BERT-shaped model with RANDOM weights (seed ${seed}): ${shape.layers} layers, ${shape.heads} heads, ` +
    `hidden ${shape.hidden}, feed-forward ${shape.intermediate}, ${shape.vocabularySize} tokens, ${parameters} parameters. ` +
    'For measuring inference time only; its vectors mean nothing. Built by tools/tiny-model/bert-shaped-model.ts.';
  const config = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate,
    hidden_act: 'gelu',
    vocab_size: shape.vocabularySize,
    max_position_embeddings: shape.maxPositions,
    type_vocab_size: shape.typeVocabularySize,
    layer_norm_eps: LAYER_NORM_EPSILON,
    pad_token_id: 0,
    roleplane: {
      format: BERT_SHAPED_MODEL_FORMAT,
      builder: 'tools/tiny-model/bert-shaped-model.ts',
      randomWeights: true,
      seed,
      initStd,
      parameters,
      description,
    },
  };
  const { tokenizer, tokenizerConfig } = tokenizerFiles(vocabulary, maxLength);

  await mkdir(join(options.outDir, 'onnx'), { recursive: true });
  const files: Array<{ path: string; bytes: number }> = [];
  for (const [path, content] of [
    ['config.json', json(config)],
    ['tokenizer.json', json(tokenizer)],
    ['tokenizer_config.json', json(tokenizerConfig)],
  ] as const) {
    await writeFile(join(options.outDir, path), content);
    files.push({ path, bytes: Buffer.byteLength(content) });
  }
  const precisions: Array<[Precision, string]> = [['float32', 'onnx/model.onnx']];
  if (options.hasQuantized ?? true) precisions.push(['int8', 'onnx/model_quantized.onnx']);
  for (const [precision, path] of precisions) {
    // Weights are made again for each file rather than kept: a BERT-base float copy is 436 MB.
    const model = bertOnnxModel(shape, precision, (spec) => bertWeight(spec, seed, initStd), description);
    files.push({ path, bytes: await writeOnnxModel(join(options.outDir, path), model) });
  }
  return { dir: options.outDir, shape, parameters, files };
}
