/**
 * Synthetic embeddings for the vector benchmark, from fixed seeds, L2-normalised, written as float32 .npy in
 * blocks (the generator never holds the whole matrix). Three shapes (`--data`):
 *
 * - `clustered`: `clusters` random unit centres, each row = a centre + isotropic Gaussian noise (total noise
 *   norm ≈ `noise`). Nearly orthogonal clusters: the easy case every HNSW paper starts from.
 * - `anisotropic`: the shape of real sentence embeddings. Every row shares one common direction (mean pairwise
 *   cosine ≈ 0.47) and varies along a few latent directions whose variances fall off as 1/i (a low intrinsic
 *   dimension: most of the variance in a few dozen directions), plus a little isotropic noise.
 * - `families`: a shop's catalog on top of that: product families (colour and size variants; 1–48 members,
 *   mean ≈ 8, consecutive in the file as catalogs list them) whose members are near-duplicates of the family's
 *   anisotropic centre (cosine ≈ 0.99 to it), so a query's 10th and 11th best scores are often < 0.002 apart.
 *
 * Queries are held out: drawn from their own stream, never rows of the data. `clustered` and `anisotropic`
 * queries are drawn like the rows; `families` queries are a shopper's vaguer description of a product type: a
 * random family's centre moved further than any variant (cosine ≈ 0.85–0.97 to it) along the data's own directions.
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

export const DISTRIBUTIONS = ['clustered', 'anisotropic', 'families'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export function isDistribution(name: string): name is Distribution {
  return (DISTRIBUTIONS as readonly string[]).includes(name);
}

export interface SynthOptions {
  readonly dim: number;
  /** Cluster centres (`clustered` only). */
  readonly clusters: number;
  /** Norm of a row's noise around its centre (`clustered` only). */
  readonly noise: number;
  readonly seed: number;
}

/** Streams of one seed: the model (centres, directions), the rows, the queries. */
const MODEL_STREAM = 1;
const DATA_STREAM = 2;
const QUERY_STREAM = 3;

/** Anisotropic shape: latent directions, the mean pairwise cosine the common direction gives, isotropic noise. */
const LATENT_DIRECTIONS = 96;
const MEAN_COSINE = 0.47;
/** Norm of the isotropic part relative to the latent part. */
const ISOTROPIC_SHARE = 0.15;
/** Family members: 1 + an exponential with this mean, capped. */
const FAMILY_MEAN_EXTRA = 7;
const FAMILY_MAX = 48;
/** How far a variant moves from its family's centre (relative to a unit vector): cosine ≈ 0.99. */
const VARIANT_SPREAD = 0.14;
/** How far a shopper's query moves from the family it describes: cosine ≈ 0.97 down to 0.85. */
const QUERY_SPREAD: readonly [number, number] = [0.25, 0.6];

function normalise(v: Float32Array, offset: number, dim: number): void {
  let sum = 0;
  for (let i = 0; i < dim; i += 1) sum += (v[offset + i] as number) ** 2;
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < dim; i += 1) v[offset + i] = (v[offset + i] as number) * inv;
}

export function makeCentres({ dim, clusters, seed }: SynthOptions): Float32Array {
  const rng = new Rng(seed, MODEL_STREAM);
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i += 1) centres[i] = rng.gauss();
  for (let c = 0; c < clusters; c += 1) normalise(centres, c * dim, dim);
  return centres;
}

/** Fills one row at `out[offset…]`; called once per row, in order. */
type RowSource = (out: Float32Array, offset: number) => void;

function clusteredSource(options: SynthOptions, stream: number): RowSource {
  const { dim, clusters, noise, seed } = options;
  const centres = makeCentres(options);
  const rng = new Rng(seed, stream);
  const sigma = noise / Math.sqrt(dim);
  return (out, offset) => {
    const centre = Math.floor(rng.next() * clusters) * dim;
    for (let i = 0; i < dim; i += 1) out[offset + i] = (centres[centre + i] as number) + sigma * rng.gauss();
    normalise(out, offset, dim);
  };
}

/** The anisotropic model: a common direction and latent directions scaled by their standard deviation. */
interface AnisotropicModel {
  readonly dim: number;
  /** The common direction times its weight. */
  readonly mean: Float32Array;
  /** LATENT_DIRECTIONS rows of `dim`: a random unit direction × 1/√(i+1). */
  readonly latent: Float32Array;
  /** Standard deviation of each isotropic component. */
  readonly isotropic: number;
}

function anisotropicModel(dim: number, seed: number): AnisotropicModel {
  const rng = new Rng(seed, MODEL_STREAM);
  const unit = (): Float32Array => {
    const v = Float32Array.from({ length: dim }, () => rng.gauss());
    normalise(v, 0, dim);
    return v;
  };
  const latent = new Float32Array(LATENT_DIRECTIONS * dim);
  let latentEnergy = 0;
  for (let i = 0; i < LATENT_DIRECTIONS; i += 1) {
    const sd = 1 / Math.sqrt(i + 1);
    latentEnergy += sd * sd;
    latent.set(
      unit().map((x) => x * sd),
      i * dim,
    );
  }
  const isotropicEnergy = latentEnergy * ISOTROPIC_SHARE ** 2;
  // Two independent rows: E[cos] ≈ |mean|² / (|mean|² + latent + isotropic energy).
  const weight = Math.sqrt((MEAN_COSINE / (1 - MEAN_COSINE)) * (latentEnergy + isotropicEnergy));
  return {
    dim,
    mean: unit().map((x) => x * weight),
    latent,
    isotropic: Math.sqrt(isotropicEnergy / dim),
  };
}

/** The varying part of an anisotropic draw (no common direction) into `out[offset…]`. */
function variation(model: AnisotropicModel, rng: Rng, out: Float32Array, offset: number): void {
  const { dim, latent, isotropic } = model;
  for (let i = 0; i < dim; i += 1) out[offset + i] = isotropic * rng.gauss();
  for (let j = 0; j < LATENT_DIRECTIONS; j += 1) {
    const g = rng.gauss();
    const base = j * dim;
    for (let i = 0; i < dim; i += 1) out[offset + i] = (out[offset + i] as number) + g * (latent[base + i] as number);
  }
}

/** A full anisotropic draw, normalised. */
function anisotropicDraw(model: AnisotropicModel, rng: Rng, out: Float32Array, offset: number): void {
  variation(model, rng, out, offset);
  for (let i = 0; i < model.dim; i += 1) out[offset + i] = (out[offset + i] as number) + (model.mean[i] as number);
  normalise(out, offset, model.dim);
}

/** `centre` (unit) moved by `spread` along a unit vector of the data's own variation, normalised. */
function moveAlongData(
  model: AnisotropicModel,
  rng: Rng,
  centre: Float32Array,
  spread: number,
  out: Float32Array,
  offset: number,
): void {
  variation(model, rng, out, offset);
  normalise(out, offset, model.dim);
  for (let i = 0; i < model.dim; i += 1) out[offset + i] = (centre[i] as number) + spread * (out[offset + i] as number);
  normalise(out, offset, model.dim);
}

function anisotropicSource({ dim, seed }: SynthOptions, stream: number): RowSource {
  const model = anisotropicModel(dim, seed);
  const rng = new Rng(seed, stream);
  return (out, offset) => anisotropicDraw(model, rng, out, offset);
}

/**
 * Family centres for `rows` rows: drawn up front from the data stream's own generator (the queries describe
 * the same families), with each family's size.
 */
function familyPlan(
  model: AnisotropicModel,
  rows: number,
  seed: number,
): { centres: Float32Array[]; sizes: number[]; rng: Rng } {
  const rng = new Rng(seed, DATA_STREAM);
  const sizes: number[] = [];
  for (let planned = 0; planned < rows;) {
    const size = Math.min(FAMILY_MAX, 1 + Math.floor(-Math.log(1 - rng.next()) * FAMILY_MEAN_EXTRA), rows - planned);
    sizes.push(size);
    planned += size;
  }
  const centres = sizes.map(() => {
    const centre = new Float32Array(model.dim);
    anisotropicDraw(model, rng, centre, 0);
    return centre;
  });
  return { centres, sizes, rng };
}

/**
 * `families` rows (stream DATA_STREAM) or queries (QUERY_STREAM). The queries need the data's families, so
 * both are planned from the data's row count.
 */
function familiesSource(options: SynthOptions, dataRows: number, isQueries: boolean): RowSource {
  const model = anisotropicModel(options.dim, options.seed);
  const plan = familyPlan(model, dataRows, options.seed);
  if (isQueries) {
    const rng = new Rng(options.seed, QUERY_STREAM);
    const [low, high] = QUERY_SPREAD;
    return (out, offset) => {
      const family = plan.centres[Math.floor(rng.next() * plan.centres.length)] as Float32Array;
      moveAlongData(model, rng, family, low + (high - low) * rng.next(), out, offset);
    };
  }
  let family = 0;
  let left = plan.sizes[0] ?? 0;
  return (out, offset) => {
    while (left === 0) {
      family += 1;
      left = plan.sizes[family] ?? 1;
    }
    moveAlongData(model, plan.rng, plan.centres[family] as Float32Array, VARIANT_SPREAD, out, offset);
    left -= 1;
  };
}

export interface SyntheticOptions extends SynthOptions {
  /** Held-out queries (their own stream) rather than the data. */
  readonly queries: boolean;
  /** Rows of the data (the `families` queries describe the data's families). */
  readonly dataRows: number;
}

function rowSource(distribution: Distribution, options: SyntheticOptions): RowSource {
  const stream = options.queries ? QUERY_STREAM : DATA_STREAM;
  if (distribution === 'clustered') return clusteredSource(options, stream);
  if (distribution === 'anisotropic') return anisotropicSource(options, stream);
  return familiesSource(options, options.dataRows, options.queries);
}

/** `rows` rows of `distribution` in memory (for tests: the shapes the benchmark uses, at a size a test affords). */
export function syntheticRows(distribution: Distribution, rows: number, options: SyntheticOptions): Float32Array {
  const source = rowSource(distribution, options);
  const out = new Float32Array(rows * options.dim);
  for (let r = 0; r < rows; r += 1) source(out, r * options.dim);
  return out;
}

/** Writes `rows` rows of `distribution` to `path` (.npy float32): the data, or held-out queries for it. */
export async function writeSynthetic(
  path: string,
  distribution: Distribution,
  rows: number,
  options: SyntheticOptions,
): Promise<void> {
  const source = rowSource(distribution, options);
  const { dim } = options;
  const writer = await createNpyWriter(path, [rows, dim]);
  const blockRows = 4096;
  try {
    for (let start = 0; start < rows; start += blockRows) {
      const count = Math.min(blockRows, rows - start);
      const block = new Float32Array(count * dim);
      for (let r = 0; r < count; r += 1) source(block, r * dim);
      await writer.write(block);
    }
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
