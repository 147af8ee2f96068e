import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedder } from '../../workloads/search/embedder/embedder.js';
import type { Product } from '../../workloads/search/index/format/products.js';
import { describeFile, INDEX_FORMAT_VERSION } from '../../workloads/search/index/format/manifest.js';
import { writeNpy } from '../../workloads/search/index/format/npy.js';
import { makeTempDir } from './temp-dir.js';
import { CHECKSUMMED_FILES, INDEX_FILES } from '../../workloads/search/index/format/files.js';
import { Prng } from '../../workloads/search/index/serve/ann/prng.js';

/**
 * A small index directory written the way the index build writes one (embeddings.npy, products.jsonl,
 * filters.json, manifest.json), with a seeded catalog over the fixture rules' vocabulary and vectors from the
 * test embedder.
 */

const FIXTURE_DIR = new URL('../fixtures/search/', import.meta.url);
/** test/fixtures/search: a 12-product catalog and the rules file it is written for. */
export const FIXTURE_CATALOG = new URL('catalog.jsonl', FIXTURE_DIR).pathname;
export const FIXTURE_CATALOG_COUNT = 12;
export const FIXTURE_RULES = new URL('filters.json', FIXTURE_DIR);

const CATEGORIES: ReadonlyArray<readonly [canonical: string, noun: string]> = [
  ['boots', 'boots'],
  ['sneakers', 'sneakers'],
  ['dress', 'dress'],
  ['t-shirt', 't-shirt'],
  ['jeans', 'jeans'],
  ['hoodie', 'hoodie'],
  ['sunglasses', 'sunglasses'],
  ['shorts', 'shorts'],
  ['backpack', 'backpack'],
  ['mug', 'mug'],
];
const COLORS = ['red', 'navy', 'blue', 'black', 'white', 'green', 'tan', 'berry'];
const BRANDS = ['Nike', "Levi's", 'Dr. Martens', 'Café Bleu', 'Under Armour', 'No Fear'];
const MATERIALS = ['leather', 'wool', 'cotton', 'glass', 'suede'];
const ADJECTIVES = ['classic', 'rugged', 'lightweight', 'vintage', 'everyday', 'premium', 'cozy', 'slim'];

/** A seeded generator (the index's own Prng), so the catalog is the same on every run. */
export function seededRandom(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

export function generateProducts(count: number, seed = 7): Product[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const products: Product[] = [];
  for (let i = 0; i < count; i += 1) {
    const [category, noun] = pick(CATEGORIES);
    const color = pick(COLORS);
    const brand = pick(BRANDS);
    const material = pick(MATERIALS);
    const adjective = pick(ADJECTIVES);
    const price = Math.round((5 + random() * 295) * 100) / 100;
    // Every 7th product comes in two colours: a field may hold an array of values.
    const colors = i % 7 === 3 ? [color, pick(COLORS.filter((c) => c !== color))] : color;
    products.push({
      id: `p${String(i).padStart(5, '0')}`,
      title: `${brand} ${adjective} ${Array.isArray(colors) ? colors.join(' and ') : colors} ${material} ${noun}`,
      description: `A ${adjective} ${noun} made of ${material}.`,
      price,
      category,
      color: colors,
      brand,
      material,
    });
  }
  return products;
}

/** The text the test index embeds per product (the real build embeds title and attributes alike). */
export function productText(product: Product): string {
  return `${product.title} ${product.description ?? ''}`;
}

export interface FixtureIndex {
  readonly dir: string;
  readonly products: readonly Product[];
  readonly vectors: Float32Array;
}

/** Writes a complete index into a new temporary directory. */
export async function writeFixtureIndex(embedder: Embedder, products: readonly Product[]): Promise<FixtureIndex> {
  const dir = makeTempDir('search-index');
  const rows = await embedder.embed(products.map(productText));
  const vectors = new Float32Array(products.length * embedder.dimensions);
  rows.forEach((row, i) => vectors.set(row, i * embedder.dimensions));
  await writeNpy(join(dir, 'embeddings.npy'), vectors, [products.length, embedder.dimensions]);
  await writeFile(join(dir, 'products.jsonl'), products.map((p) => `${JSON.stringify(p)}\n`).join(''));
  await copyFile(FIXTURE_RULES, join(dir, 'filters.json'));
  await writeManifest(dir, embedder);
  return { dir, products, vectors };
}

/** (Re)writes manifest.json from the files as they are now, as the index build does last. */
export async function writeManifest(
  dir: string,
  embedder: Pick<Embedder, 'modelId' | 'dimensions'>,
  count?: number,
): Promise<void> {
  const files = Object.fromEntries(
    await Promise.all(CHECKSUMMED_FILES.map(async (name) => [name, await describeFile(join(dir, name))] as const)),
  );
  const products = (await readFile(join(dir, 'products.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '').length;
  const manifest = {
    formatVersion: INDEX_FORMAT_VERSION,
    modelId: embedder.modelId,
    dimensions: embedder.dimensions,
    count: count ?? products,
    createdAt: new Date().toISOString(),
    files,
  };
  await writeFile(join(dir, INDEX_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
}
