/**
 * Mean pooling plus L2 normalisation over a model's token vectors: what transformers.js does for
 * `pipeline(...)(texts, { pooling: 'mean', normalize: true })` and what sentence-transformers models expect.
 *
 * Done here rather than by the pipeline because transformers.js 2.x wraps every Tensor in a Proxy and its
 * `mean_pooling` reads `.data` through that Proxy for each element: ~500 µs per text at 128 dimensions,
 * 35x the cost of running the tiny model itself. Reading the arrays once makes pooling negligible.
 * Accumulates in float64 and rounds once, so it is at least as exact as the library's version (a test compares
 * the two).
 */

export interface TokenStates {
  /** Row-major [batch, sequence, dims]. */
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** One unit-length vector per batch row; `attentionMask` is [batch, sequence] (1 = token, 0 = padding). */
export function meanPoolNormalize(states: TokenStates, attentionMask: ArrayLike<number | bigint>): Float32Array[] {
  const [batch, sequence, width] = states.dims;
  if (states.dims.length !== 3 || batch === undefined || sequence === undefined || width === undefined) {
    throw new Error(`expected token states shaped [batch, sequence, dims], got [${states.dims.join(', ')}]`);
  }
  if (states.data.length !== batch * sequence * width)
    throw new Error(
      `token states hold ${states.data.length} values, [${batch}, ${sequence}, ${width}] needs ${batch * sequence * width}`,
    );
  if (attentionMask.length !== batch * sequence)
    throw new Error(`attention mask has ${attentionMask.length} entries for [${batch}, ${sequence}] tokens`);

  const { data } = states;
  const rows: Float32Array[] = [];
  const sum = new Float64Array(width);
  for (let b = 0; b < batch; b += 1) {
    sum.fill(0);
    let count = 0;
    for (let s = 0; s < sequence; s += 1) {
      const weight = Number(attentionMask[b * sequence + s]);
      if (weight === 0) continue;
      count += weight;
      const offset = (b * sequence + s) * width;
      for (let k = 0; k < width; k += 1) sum[k] = (sum[k] as number) + (data[offset + k] as number) * weight;
    }
    // The mean's scale disappears in the normalisation; dividing keeps the steps the library's. A row with no
    // tokens gives 0/0 = NaN here, as it does there, and the caller reports it.
    let norm = 0;
    for (let k = 0; k < width; k += 1) {
      const mean = (sum[k] as number) / count;
      sum[k] = mean;
      norm += mean * mean;
    }
    norm = Math.sqrt(norm);
    const row = new Float32Array(width);
    for (let k = 0; k < width; k += 1) row[k] = (sum[k] as number) / norm;
    rows.push(row);
  }
  return rows;
}
