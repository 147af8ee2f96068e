/**
 * int8 scalar quantisation, one scale per row: row / max|row| × 127, rounded. The index compares rows by cosine,
 * which ignores each row's scale, so no scale needs storing; what is lost is rounding (about 1/254 of the
 * largest component), and the index only proposes candidates that are then re-scored exactly in float32.
 */

/** Quantises rows `[from, to)` of a row-major float32 matrix into `out` (which holds `to - from` rows). */
export function quantizeRows(
  data: Float32Array,
  dimensions: number,
  from: number,
  to: number,
  out: Int8Array = new Int8Array((to - from) * dimensions),
): Int8Array {
  if (out.length < (to - from) * dimensions)
    throw new RangeError(`quantizeRows: output holds ${out.length} values, needs ${(to - from) * dimensions}`);
  for (let row = from; row < to; row += 1) {
    const offset = row * dimensions;
    const target = (row - from) * dimensions;
    let max = 0;
    for (let i = 0; i < dimensions; i += 1) {
      const magnitude = Math.abs(data[offset + i] as number);
      if (magnitude > max) max = magnitude;
    }
    // An all-zero row stays zero (the index then never ranks it high; exact re-scoring agrees).
    const scale = max > 0 ? 127 / max : 0;
    for (let i = 0; i < dimensions; i += 1) {
      // Half away from zero, so a row and its negation quantise to negations of each other.
      const scaled = (data[offset + i] as number) * scale;
      out[target + i] = Math.trunc(scaled + (scaled < 0 ? -0.5 : 0.5));
    }
  }
  return out;
}

export function quantizeVector(vector: Float32Array): Int8Array {
  return quantizeRows(vector, vector.length, 0, 1);
}
