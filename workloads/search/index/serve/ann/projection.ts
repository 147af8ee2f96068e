import { Prng } from './prng.js';

/**
 * A linear projection of the embeddings onto their top principal directions, for the graph to navigate in.
 *
 * Sentence embeddings are anisotropic: most of their variance lies in a few dozen directions (an intrinsic dimension
 * far below the model's width). Searching the graph in those directions alone costs a fraction of the full width
 * per distance, and the candidates it proposes are re-scored exactly in float32 over every dimension, so scores stay
 * exact and only recall depends on the projection; calibrate.ts measures that recall on the projected graph as it
 * serves. Measured on 65,536 × 768 anisotropic embeddings (npm run bench:vectors -- --data anisotropic): the same
 * recall at the same breadth as the full-width graph, at about half the time per query. Embeddings without such
 * structure (isotropic clusters: variance spread over hundreds of directions) get no projection: `fitProjection`
 * returns undefined and the graph stays full width.
 *
 * Rows are not centred before projecting: the graph compares projected rows by L2 distance, which a shift does not
 * change, so the mean need not be stored. For unit rows, ranking by L2 distance in the full space is ranking by
 * cosine; in the projection it is that ranking less the dropped directions' part, which re-scoring restores.
 */

export interface Projection {
  /** The embeddings' width. */
  readonly dimensions: number;
  /** Principal directions kept: the projected width. */
  readonly width: number;
  /** `width` unit rows of `dimensions`, orthonormal, by falling variance. */
  readonly basis: Float32Array;
  /** Share of the (centred) variance the kept directions hold, measured on the sample the fit used. */
  readonly retainedVariance: number;
}

/** Widths a projection may have; the smallest that keeps enough variance is used. */
export const PROJECTION_WIDTHS = [16, 24, 32, 48, 64, 96, 128] as const;
/** Variance a projection must keep (rows differ little along the rest; re-scoring covers what they do). */
export const MIN_RETAINED_VARIANCE = 0.9;
/**
 * Embeddings narrower than this are searched at full width: an int8 row of 128–255 components is already as cheap
 * to compare as a projected float32 one of 32–64.
 */
export const MIN_PROJECTED_DIMENSIONS = 256;
/** A projection at most this fraction of the width: beyond it a float32 row costs as much as the full int8 one. */
const MAX_WIDTH_SHARE = 1 / 6;
/** Rows the covariance is estimated from (evenly spaced): plenty for directions that hold 90% of the variance. */
const SAMPLE_ROWS = 8192;
/** Rows below which no projection is fitted (too few to estimate the directions; the graph is cheap anyway). */
const MIN_ROWS = 2048;
/** Extra directions iterated beyond the widest candidate width, which speeds up convergence of the kept ones. */
const OVERSAMPLE = 32;
const ITERATIONS = 6;

export interface FitOptions {
  readonly minRetainedVariance?: number;
}

/**
 * The narrowest projection of `data` (row-major, `dimensions` wide) that keeps `minRetainedVariance` of its
 * variance, or undefined when none of the allowed widths does (or the data is too small or narrow to need one).
 * Deterministic: a fixed sample and a seeded start.
 */
export function fitProjection(
  data: Float32Array,
  dimensions: number,
  options: FitOptions = {},
): Projection | undefined {
  const count = dimensions > 0 ? Math.floor(data.length / dimensions) : 0;
  const maxWidth = Math.floor(dimensions * MAX_WIDTH_SHARE);
  const widths = PROJECTION_WIDTHS.filter((w) => w <= maxWidth);
  if (dimensions < MIN_PROJECTED_DIMENSIONS || count < MIN_ROWS || widths.length === 0) return undefined;
  const minRetained = options.minRetainedVariance ?? MIN_RETAINED_VARIANCE;

  const covariance = sampleCovariance(data, dimensions, count);
  let trace = 0;
  for (let i = 0; i < dimensions; i += 1) trace += covariance[i * dimensions + i] as number;
  if (!(trace > 0)) return undefined;

  const block = Math.min(dimensions, (widths.at(-1) as number) + OVERSAMPLE);
  const { values, vectors } = topEigenpairs(covariance, dimensions, block);
  let retained = 0;
  let kept = 0;
  for (const width of widths) {
    while (kept < width) retained += Math.max(0, values[kept++] as number);
    if (retained / trace >= minRetained) {
      return {
        dimensions,
        width,
        basis: Float32Array.from(vectors.subarray(0, width * dimensions)),
        retainedVariance: retained / trace,
      };
    }
  }
  return undefined;
}

/** Projects the row at `source[offset…]` into `out[outOffset…]` (`width` values). */
export function projectRow(
  projection: Projection,
  source: Float32Array,
  offset: number,
  out: Float32Array,
  outOffset = 0,
): void {
  const { basis, dimensions, width } = projection;
  for (let j = 0; j < width; j += 1) {
    const base = j * dimensions;
    let sum = 0;
    for (let d = 0; d < dimensions; d += 1) sum += (basis[base + d] as number) * (source[offset + d] as number);
    out[outOffset + j] = sum;
  }
}

/** A projection read back from its stored matrix (`width` rows of `dimensions`), checked to be one. */
export function projectionFromBasis(
  basis: Float32Array,
  width: number,
  dimensions: number,
  retainedVariance: number,
): Projection {
  if (basis.length !== width * dimensions)
    throw new RangeError(`projection: ${basis.length} values is not ${width} × ${dimensions}`);
  for (let j = 0; j < width; j += 1) {
    let norm = 0;
    for (let d = 0; d < dimensions; d += 1) norm += (basis[j * dimensions + d] as number) ** 2;
    if (!(Math.abs(Math.sqrt(norm) - 1) < 1e-3))
      throw new RangeError(`projection: direction ${j} has length ${Math.sqrt(norm).toFixed(6)}, expected 1`);
  }
  return { dimensions, width, basis, retainedVariance };
}

/** Covariance (row-major, float64) of up to SAMPLE_ROWS evenly spaced rows. */
function sampleCovariance(data: Float32Array, dimensions: number, count: number): Float64Array {
  const sample = Math.min(count, SAMPLE_ROWS);
  const rows = Array.from({ length: sample }, (_, i) => Math.floor(((i + 0.5) * count) / sample));
  const mean = new Float64Array(dimensions);
  for (const row of rows)
    for (let d = 0; d < dimensions; d += 1) mean[d] = (mean[d] as number) + (data[row * dimensions + d] as number);
  for (let d = 0; d < dimensions; d += 1) mean[d] = (mean[d] as number) / sample;

  // Four rows at a time: the covariance (4.7 MB at 768) is read and written once per four rows, not once per row.
  const covariance = new Float64Array(dimensions * dimensions);
  const centred = new Float64Array(4 * dimensions);
  for (let first = 0; first < sample; first += 4) {
    centred.fill(0);
    for (let r = 0; r < 4 && first + r < sample; r += 1) {
      const row = rows[first + r] as number;
      for (let d = 0; d < dimensions; d += 1)
        centred[r * dimensions + d] = (data[row * dimensions + d] as number) - (mean[d] as number);
    }
    const b = dimensions;
    const c = 2 * dimensions;
    const e = 3 * dimensions;
    for (let i = 0; i < dimensions; i += 1) {
      const x0 = centred[i] as number;
      const x1 = centred[b + i] as number;
      const x2 = centred[c + i] as number;
      const x3 = centred[e + i] as number;
      const base = i * dimensions;
      for (let j = i; j < dimensions; j += 1) {
        covariance[base + j] =
          (covariance[base + j] as number) +
          x0 * (centred[j] as number) +
          x1 * (centred[b + j] as number) +
          x2 * (centred[c + j] as number) +
          x3 * (centred[e + j] as number);
      }
    }
  }
  for (let i = 0; i < dimensions; i += 1) {
    for (let j = i; j < dimensions; j += 1) {
      const value = (covariance[i * dimensions + j] as number) / Math.max(1, sample - 1);
      covariance[i * dimensions + j] = value;
      covariance[j * dimensions + i] = value;
    }
  }
  return covariance;
}

/**
 * The `block` largest eigenvalues of a symmetric matrix and their unit eigenvectors (row-major, by falling value):
 * subspace iteration from a seeded start, then Rayleigh–Ritz (Jacobi on the small projected matrix). The leading
 * ones converge at the ratio of the block's last eigenvalue to theirs per iteration.
 */
export function topEigenpairs(
  matrix: Float64Array,
  n: number,
  block: number,
): { values: Float64Array; vectors: Float64Array } {
  const prng = new Prng(0x9ca);
  let q: Float64Array = new Float64Array(block * n);
  for (let i = 0; i < q.length; i += 1) q[i] = prng.next() * 2 - 1;
  orthonormalise(q, block, n);
  for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
    q = multiply(matrix, n, q, block);
    orthonormalise(q, block, n);
  }
  const mq = multiply(matrix, n, q, block);
  const small = new Float64Array(block * block);
  for (let i = 0; i < block; i += 1)
    for (let j = i; j < block; j += 1) {
      const value = dot64(q, i * n, mq, j * n, n);
      small[i * block + j] = value;
      small[j * block + i] = value;
    }
  const { values, vectors: rotation } = jacobiEigen(small, block);
  const order = Array.from({ length: block }, (_, i) => i).sort(
    (a, b) => (values[b] as number) - (values[a] as number),
  );
  const sortedValues = new Float64Array(block);
  const vectors = new Float64Array(block * n);
  order.forEach((source, target) => {
    sortedValues[target] = values[source] as number;
    // Ritz vector = Σ_j rotation[j][source] · q_j
    for (let j = 0; j < block; j += 1) {
      const weight = rotation[j * block + source] as number;
      if (weight === 0) continue;
      for (let d = 0; d < n; d += 1)
        vectors[target * n + d] = (vectors[target * n + d] as number) + weight * (q[j * n + d] as number);
    }
  });
  orthonormalise(vectors, block, n);
  return { values: sortedValues, vectors };
}

/** `matrix` (n × n, symmetric) times each of `rows` vectors stored as rows of `vectors`. */
function multiply(matrix: Float64Array, n: number, vectors: Float64Array, rows: number): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r += 1)
    for (let i = 0; i < n; i += 1) out[r * n + i] = dot64(matrix, i * n, vectors, r * n, n);
  return out;
}

function dot64(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i += 1) sum += (a[aOffset + i] as number) * (b[bOffset + i] as number);
  return sum;
}

/** Modified Gram–Schmidt over the rows, twice (one pass loses orthogonality when the rows are nearly parallel). */
function orthonormalise(vectors: Float64Array, rows: number, n: number): void {
  for (let pass = 0; pass < 2; pass += 1) {
    for (let r = 0; r < rows; r += 1) {
      for (let p = 0; p < r; p += 1) {
        const overlap = dot64(vectors, r * n, vectors, p * n, n);
        for (let d = 0; d < n; d += 1)
          vectors[r * n + d] = (vectors[r * n + d] as number) - overlap * (vectors[p * n + d] as number);
      }
      const norm = Math.sqrt(dot64(vectors, r * n, vectors, r * n, n));
      // A direction the matrix does not reach (rank-deficient data) stays zero; its eigenvalue is then 0.
      const scale = norm > 1e-12 ? 1 / norm : 0;
      for (let d = 0; d < n; d += 1) vectors[r * n + d] = (vectors[r * n + d] as number) * scale;
    }
  }
}

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix: eigenvalues and eigenvectors as columns. */
function jacobiEigen(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep += 1) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i += 1)
      for (let j = 0; j < n; j += 1) {
        const value = (a[i * n + j] as number) ** 2;
        if (i === j) scale += value;
        else off += value;
      }
    if (off <= 1e-22 * scale) break;
    for (let p = 0; p < n - 1; p += 1) {
      for (let r = p + 1; r < n; r += 1) {
        const apr = a[p * n + r] as number;
        if (apr === 0) continue;
        const theta = ((a[r * n + r] as number) - (a[p * n + p] as number)) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k += 1) {
          const akp = a[k * n + p] as number;
          const akr = a[k * n + r] as number;
          a[k * n + p] = c * akp - s * akr;
          a[k * n + r] = s * akp + c * akr;
        }
        for (let k = 0; k < n; k += 1) {
          const apk = a[p * n + k] as number;
          const ark = a[r * n + k] as number;
          a[p * n + k] = c * apk - s * ark;
          a[r * n + k] = s * apk + c * ark;
        }
        for (let k = 0; k < n; k += 1) {
          const vkp = v[k * n + p] as number;
          const vkr = v[k * n + r] as number;
          v[k * n + p] = c * vkp - s * vkr;
          v[k * n + r] = s * vkp + c * vkr;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i += 1) values[i] = a[i * n + i] as number;
  return { values, vectors: v };
}
