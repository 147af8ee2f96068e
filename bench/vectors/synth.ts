/**
 * Clustered synthetic embeddings for the vector benchmark, from a fixed seed: `clusters` random unit centres,
 * each row = a centre + Gaussian noise (total noise norm ≈ `noise`), L2-normalised. Queries are drawn the same
 * way from a separate stream, so they are held out (never rows of the data). Written as float32 .npy, streamed in
 * blocks, so the generator never holds the whole matrix.
 */
import { createNpyWriter } from '../../workloads/search/index/format/npy.js';

/** sfc32: a small, fast, seedable 32-bit generator (128-bit state); plenty for synthetic data. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9 ^ stream;
    this.b = 0x243f6a88 ^ seed;
    this.c = 0xb7e15162 ^ Math.imul(seed, 0x85ebca6b);
    this.d = 1;
    for (let i = 0; i < 20; i += 1) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Box-Muller, both values used). */
  gauss(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

export interface SynthOptions {
  readonly dim: number;
  readonly clusters: number;
  readonly noise: number;
  readonly seed: number;
}

function normalise(v: Float32Array, offset: number, dim: number): void {
  let sum = 0;
  for (let i = 0; i < dim; i += 1) sum += (v[offset + i] as number) ** 2;
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < dim; i += 1) v[offset + i] = (v[offset + i] as number) * inv;
}

export function makeCentres({ dim, clusters, seed }: SynthOptions): Float32Array {
  const rng = new Rng(seed, 1);
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i += 1) centres[i] = rng.gauss();
  for (let c = 0; c < clusters; c += 1) normalise(centres, c * dim, dim);
  return centres;
}

/** Writes `rows` clustered, normalised rows to `path` (.npy float32), drawing from stream `stream`. */
export async function writeClustered(
  path: string,
  rows: number,
  stream: number,
  centres: Float32Array,
  options: SynthOptions,
): Promise<void> {
  const { dim, clusters, noise, seed } = options;
  const rng = new Rng(seed, stream);
  const sigma = noise / Math.sqrt(dim);
  const writer = await createNpyWriter(path, [rows, dim]);
  const blockRows = 4096;
  try {
    for (let start = 0; start < rows; start += blockRows) {
      const count = Math.min(blockRows, rows - start);
      const block = new Float32Array(count * dim);
      for (let r = 0; r < count; r += 1) {
        const c = Math.floor(rng.next() * clusters);
        const base = r * dim;
        const centre = c * dim;
        for (let i = 0; i < dim; i += 1) block[base + i] = (centres[centre + i] as number) + sigma * rng.gauss();
        normalise(block, base, dim);
      }
      await writer.write(block);
    }
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
