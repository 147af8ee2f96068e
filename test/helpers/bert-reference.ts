import type { BertShape } from '../../tools/tiny-model/bert-shaped-model.js';

/**
 * BERT's forward pass written out in plain float64 loops, from transformers' modeling_bert.py (BertEmbeddings,
 * BertSelfAttention with the additive mask, BertSelfOutput, BertIntermediate with erf GELU, BertOutput): the
 * yardstick the generated ONNX graph is checked against. Slow, and only for test-sized shapes.
 */

const LAYER_NORM_EPSILON = 1e-12;

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for a comparison at 1e-4. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return sign * y;
}

type Matrix = number[][];

function linear(x: Matrix, weight: Float32Array, bias: Float32Array, outputs: number): Matrix {
  const inputs = (x[0] ?? []).length;
  return x.map((row) => {
    const out = Array.from(bias, Number);
    for (let i = 0; i < inputs; i += 1) {
      const xi = row[i] as number;
      for (let o = 0; o < outputs; o += 1) out[o] = (out[o] as number) + xi * (weight[i * outputs + o] as number);
    }
    return out;
  });
}

function layerNorm(x: Matrix, scale: Float32Array, bias: Float32Array): Matrix {
  return x.map((row) => {
    const mean = row.reduce((sum, v) => sum + v, 0) / row.length;
    const variance = row.reduce((sum, v) => sum + (v - mean) ** 2, 0) / row.length;
    const std = Math.sqrt(variance + LAYER_NORM_EPSILON);
    return row.map((v, k) => ((v - mean) / std) * (scale[k] as number) + (bias[k] as number));
  });
}

const add = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((v, k) => v + (b[i]?.[k] as number)));

/** last_hidden_state for one text: `ids` and `mask` are one row of the padded batch. */
export function bertLastHiddenState(
  shape: BertShape,
  weight: (name: string) => Float32Array,
  ids: readonly number[],
  mask: readonly number[],
): Matrix {
  const h = shape.hidden;
  const headSize = h / shape.heads;
  const row = (table: Float32Array, index: number): number[] => Array.from(table.subarray(index * h, (index + 1) * h));
  const words = weight('embeddings.word_embeddings.weight');
  const positions = weight('embeddings.position_embeddings.weight');
  const types = weight('embeddings.token_type_embeddings.weight');
  let x: Matrix = ids.map((id, t) => {
    const [w, p, y] = [row(words, id), row(positions, t), row(types, 0)];
    return w.map((v, k) => v + (p[k] as number) + (y[k] as number));
  });
  x = layerNorm(x, weight('embeddings.LayerNorm.weight'), weight('embeddings.LayerNorm.bias'));

  for (let layer = 0; layer < shape.layers; layer += 1) {
    const name = (part: string): string => `encoder.layer.${layer}.${part}`;
    const dense = (input: Matrix, part: string, outputs: number): Matrix =>
      linear(input, weight(name(`${part}.weight`)), weight(name(`${part}.bias`)), outputs);
    const q = dense(x, 'attention.self.query', h);
    const k = dense(x, 'attention.self.key', h);
    const v = dense(x, 'attention.self.value', h);
    const context: Matrix = x.map(() => new Array<number>(h).fill(0));
    for (let head = 0; head < shape.heads; head += 1) {
      const from = head * headSize;
      for (let i = 0; i < ids.length; i += 1) {
        // Padding gets (1 − 0) · float32 min added: its weight after the softmax is exactly 0.
        const scores = ids.map((_, j) => {
          if (mask[j] === 0) return -Infinity;
          let dot = 0;
          for (let d = 0; d < headSize; d += 1) dot += (q[i]?.[from + d] as number) * (k[j]?.[from + d] as number);
          return dot / Math.sqrt(headSize);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((sum, e) => sum + e, 0);
        for (let j = 0; j < ids.length; j += 1) {
          const p = (exps[j] as number) / total;
          for (let d = 0; d < headSize; d += 1) {
            const out = context[i] as number[];
            out[from + d] = (out[from + d] as number) + p * (v[j]?.[from + d] as number);
          }
        }
      }
    }
    x = layerNorm(
      add(dense(context, 'attention.output.dense', h), x),
      weight(name('attention.output.LayerNorm.weight')),
      weight(name('attention.output.LayerNorm.bias')),
    );
    const expanded = dense(x, 'intermediate.dense', shape.intermediate).map((r) =>
      r.map((value) => 0.5 * value * (1 + erf(value / Math.SQRT2))),
    );
    x = layerNorm(
      add(dense(expanded, 'output.dense', h), x),
      weight(name('output.LayerNorm.weight')),
      weight(name('output.LayerNorm.bias')),
    );
  }
  return x;
}

/** Mean over the tokens (mask 1), then unit length: the embedder's pooling. */
export function meanPooled(states: Matrix, mask: readonly number[]): number[] {
  const width = (states[0] ?? []).length;
  const sum = new Array<number>(width).fill(0);
  let count = 0;
  states.forEach((row, t) => {
    if (mask[t] === 0) return;
    count += 1;
    row.forEach((v, k) => (sum[k] = (sum[k] as number) + v));
  });
  const mean = sum.map((v) => v / count);
  const norm = Math.hypot(...mean);
  return mean.map((v) => v / norm);
}
