import type { Embedder } from '../../workloads/search/embedder/embedder.js';
import { normalizeText } from '../../workloads/search/query/normalize.js';

/**
 * A deterministic stand-in for the sentence-embedding model (no weights exist offline): a hashed bag of words.
 * Each word, and its singular when it ends in "s", adds ±1 to one of `dimensions` buckets chosen by FNV-1a; the
 * sum is L2-normalised. Texts sharing words get a positive dot product, unrelated texts about zero — enough for
 * tests to check ranking, caching and filtering without a model.
 */
export class HashEmbedder implements Embedder {
  readonly modelId: string;
  /** Model calls made, and texts embedded in total: tests check cache hits by these not moving. */
  calls = 0;
  textsEmbedded = 0;

  constructor(
    readonly dimensions = 64,
    private readonly delayMs = 0,
  ) {
    this.modelId = `test-hash-bow-v1-d${dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls += 1;
    this.textsEmbedded += texts.length;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return texts.map((text) => hashVector(text, this.dimensions));
  }
}

export function hashVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const words = normalizeText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
  const features =
    words.length > 0
      ? words.flatMap((word) => (word.length > 3 && word.endsWith('s') ? [word, word.slice(0, -1)] : [word, word]))
      : ['<empty>'];
  for (const feature of features) {
    const hash = fnv1a(feature);
    const bucket = hash % dimensions;
    vector[bucket] = (vector[bucket] as number) + (hash >>> 31 === 1 ? -1 : 1);
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm === 0) {
    // Features cancelled out exactly (±1 in one bucket): any fixed unit vector keeps the contract.
    vector[fnv1a(text) % dimensions] = 1;
    return vector;
  }
  for (let i = 0; i < dimensions; i += 1) vector[i] = (vector[i] as number) / norm;
  return vector;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
