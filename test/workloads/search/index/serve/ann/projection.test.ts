import assert from 'node:assert/strict';
import { syntheticRows } from '../../../../../../bench/vectors/synth.js';
import {
  fitProjection,
  projectionFromBasis,
  projectRow,
  topEigenpairs,
} from '../../../../../../workloads/search/index/serve/ann/projection.js';

/** Share of the centred variance of `rows` that lies in the projection's directions, computed directly. */
function retainedShare(
  data: Float32Array,
  dims: number,
  project: (row: number, out: Float32Array) => void,
  width: number,
): number {
  const rows = data.length / dims;
  const mean = new Float64Array(dims);
  for (let r = 0; r < rows; r += 1)
    for (let d = 0; d < dims; d += 1) mean[d] = (mean[d] as number) + (data[r * dims + d] as number) / rows;
  const meanRow = Float32Array.from(mean);
  const projectedMean = new Float32Array(width);
  project(-1, projectedMean);
  let total = 0;
  let kept = 0;
  const out = new Float32Array(width);
  for (let r = 0; r < rows; r += 1) {
    for (let d = 0; d < dims; d += 1) total += ((data[r * dims + d] as number) - (meanRow[d] as number)) ** 2;
    project(r, out);
    for (let j = 0; j < width; j += 1) kept += ((out[j] as number) - (projectedMean[j] as number)) ** 2;
  }
  return kept / total;
}

describe('workloads/search/index/serve/ann/projection', () => {
  const dims = 384;
  const shape = { dim: dims, clusters: 64, noise: 1, seed: 7, dataRows: 4096 };

  it('keeps at least 90% of anisotropic embeddings’ variance in a few orthonormal directions, as measured directly', function () {
    this.timeout(60_000);
    const data = syntheticRows('anisotropic', 4096, { ...shape, queries: false });
    const projection = fitProjection(data, dims);
    assert.ok(projection, 'anisotropic embeddings get a projection');
    assert.ok(projection.width <= 64, `width ${projection.width}`);
    assert.ok(projection.retainedVariance >= 0.9, `retained ${projection.retainedVariance}`);
    for (let i = 0; i < projection.width; i += 1) {
      for (let j = i; j < projection.width; j += 1) {
        let dot = 0;
        for (let d = 0; d < dims; d += 1)
          dot += (projection.basis[i * dims + d] as number) * (projection.basis[j * dims + d] as number);
        assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-4, `directions ${i}, ${j}: dot ${dot}`);
      }
    }
    // What it claims to keep is what projecting the rows keeps (the fit used every row here: fewer than its sample).
    const mean = new Float32Array(dims);
    for (let r = 0; r < 4096; r += 1)
      for (let d = 0; d < dims; d += 1) mean[d] = (mean[d] as number) + (data[r * dims + d] as number) / 4096;
    const direct = retainedShare(
      data,
      dims,
      (row, out) => projectRow(projection, row < 0 ? mean : data, row < 0 ? 0 : row * dims, out),
      projection.width,
    );
    assert.ok(
      Math.abs(direct - projection.retainedVariance) < 0.01,
      `claims ${projection.retainedVariance}, keeps ${direct}`,
    );
  });

  it('is the same on every fit (fixed sample and seed)', function () {
    this.timeout(60_000);
    const data = syntheticRows('anisotropic', 2048, { ...shape, queries: false });
    const first = fitProjection(data, dims);
    const again = fitProjection(data, dims);
    assert.ok(first && again);
    assert.deepEqual(again.basis, first.basis);
  });

  it('fits none where the variance is spread (isotropic clusters), the width is under 256, or rows are few', function () {
    this.timeout(60_000);
    assert.equal(fitProjection(syntheticRows('clustered', 4096, { ...shape, queries: false }), dims), undefined);
    const narrow = { ...shape, dim: 128 };
    assert.equal(fitProjection(syntheticRows('anisotropic', 4096, { ...narrow, queries: false }), 128), undefined);
    assert.equal(fitProjection(syntheticRows('anisotropic', 1000, { ...shape, queries: false }), dims), undefined);
  });

  it('finds the eigenvalues of a known symmetric matrix', () => {
    // diag(5, 4, 3, 2, 1) rotated by a fixed orthonormal basis: the same eigenvalues.
    const n = 5;
    const a = 1 / Math.sqrt(2);
    const basis = [
      [a, a, 0, 0, 0],
      [a, -a, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, a, a],
      [0, 0, 0, a, -a],
    ];
    const values = [5, 4, 3, 2, 1];
    const matrix = new Float64Array(n * n);
    for (let i = 0; i < n; i += 1)
      for (let j = 0; j < n; j += 1)
        for (let k = 0; k < n; k += 1)
          matrix[i * n + j] =
            (matrix[i * n + j] as number) + (values[k] as number) * (basis[k]![i] as number) * (basis[k]![j] as number);
    const { values: found, vectors } = topEigenpairs(matrix, n, n);
    assert.deepEqual(
      Array.from(found, (v) => Math.round(v * 1e6) / 1e6),
      values,
    );
    // The leading vector is ±basis[0].
    const overlap = Math.abs(basis[0]!.reduce((sum, x, d) => sum + x * (vectors[d] as number), 0));
    assert.ok(Math.abs(overlap - 1) < 1e-9, `overlap ${overlap}`);
  });

  it('refuses a stored basis of the wrong shape or whose directions are not unit length', () => {
    assert.throws(() => projectionFromBasis(new Float32Array(10), 2, 8, 0.9), /10 values is not 2 × 8/);
    const basis = new Float32Array(16);
    basis[0] = 1;
    basis[9] = 0.5;
    assert.throws(() => projectionFromBasis(basis, 2, 8, 0.9), /direction 1 has length 0\.500000, expected 1/);
  });
});
