import { Prng } from '../../workloads/search/index/serve/ann/prng.js';

/**
 * Unit vectors in `clusters` groups (a random centre plus uniform noise, normalised), seeded: the shape real
 * product embeddings have (many near neighbours per item), small enough for unit tests.
 */
export function clusteredVectors(
  rows: number,
  dimensions: number,
  options: { clusters?: number; noise?: number; seed?: number } = {},
): Float32Array {
  const { clusters = 32, noise = 0.6, seed = 1 } = options;
  const prng = new Prng(seed);
  const uniform = (): number => prng.next() * 2 - 1;
  const centres = Array.from({ length: clusters }, () =>
    normalised(Float32Array.from({ length: dimensions }, uniform)),
  );
  const data = new Float32Array(rows * dimensions);
  for (let row = 0; row < rows; row += 1) {
    const centre = centres[prng.int(0, clusters - 1)] as Float32Array;
    const vector = Float32Array.from(centre, (value) => value + (noise * uniform()) / Math.sqrt(dimensions));
    data.set(normalised(vector), row * dimensions);
  }
  return data;
}

function normalised(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const scale = 1 / Math.sqrt(sum);
  return vector.map((value) => value * scale);
}
