import type { Embedder } from '../../embedder/embedder.js';
import type { Product } from '../format/products.js';
import { Prng } from '../serve/ann/prng.js';

/**
 * Shopper-like query texts for the graph's calibration (serve/ann/calibrate.ts, `queries`): two or three
 * consecutive words of the titles of evenly spaced products, as a shopper types part of a product's name. They are
 * embedded by the query model, so the breadth is measured on vectors where queries land, which for short texts is
 * often far from every product vector.
 */

/** Probe texts: one per sampled product with a title of at least one word, deduplicated, in a fixed order. */
export function queryProbeTexts(products: readonly Product[], count = 200, seed = 0x71e5): string[] {
  const prng = new Prng(seed);
  const texts = new Set<string>();
  const sample = Math.min(count, products.length);
  for (let i = 0; i < sample; i += 1) {
    const product = products[Math.floor(((i + 0.5) * products.length) / sample)] as Product;
    const words = product.title
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((word) => word !== '');
    if (words.length === 0) continue;
    const length = Math.min(words.length, prng.int(2, 3));
    const start = prng.int(0, words.length - length);
    texts.add(words.slice(start, start + length).join(' '));
  }
  return [...texts];
}

/** The probe texts embedded by the query model, a batch at a time. */
export async function embedQueryProbes(
  embedder: Embedder,
  products: readonly Product[],
  batchSize = 64,
): Promise<Float32Array[]> {
  const texts = queryProbeTexts(products);
  const vectors: Float32Array[] = [];
  for (let from = 0; from < texts.length; from += batchSize)
    vectors.push(...(await embedder.embed(texts.slice(from, from + batchSize))));
  return vectors;
}
