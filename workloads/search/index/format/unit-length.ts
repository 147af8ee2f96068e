/**
 * Every row of embeddings.npy is unit length, so a dot product is the cosine similarity. The build refuses an
 * embedder that does not normalise and the service refuses an index whose rows are not normalised: one tolerance.
 */
export const UNIT_LENGTH_TOLERANCE = 1e-3;

/** The L2 norm of `length` values of `data` from `offset`. */
export function vectorNorm(data: ArrayLike<number>, offset = 0, length = data.length - offset): number {
  let sumOfSquares = 0;
  for (let i = offset; i < offset + length; i += 1) {
    const value = data[i] as number;
    sumOfSquares += value * value;
  }
  return Math.sqrt(sumOfSquares);
}

/** Whether a norm is 1 within the tolerance (NaN and infinities are not). */
export function isUnitLength(norm: number): boolean {
  return Math.abs(norm - 1) <= UNIT_LENGTH_TOLERANCE;
}
