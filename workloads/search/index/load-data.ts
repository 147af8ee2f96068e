import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedder } from '../embedder/embedder.js';
import { loadRules, RulesError, type CompiledRules } from '../filters/rules.js';
import { CatalogPhrases } from '../popular/catalog-phrases.js';
import type { VectorIndexMode } from '../config.js';
import { openVectorIndex, type AnnLog, type OpenedVectorIndex } from './ann/ann-file.js';
import { ManifestError, readManifest, verifyIndexFiles, type Manifest } from './manifest.js';
import { NpyError, readNpy } from './npy.js';
import { ProductFilterIndex, type VectorIndex } from './vector-index.js';

/**
 * Loads an index directory written by the index build, checking everything the service relies on before it
 * reports ready, so a broken volume fails start-up with one clear message instead of answering wrongly:
 *
 *   manifest.json    model id, dimensions, count, per-file size and SHA-256
 *   embeddings.npy   float32 [count, dimensions], unit-length rows
 *   products.jsonl   count products, one JSON object per line, unique string `id`, string `title`
 *   filters.json     the filter rules
 *   vectors.usearch  the vector graph, used if the manifest vouches for it, else rebuilt here (ann/ann-file.ts)
 *
 * Structural checks (shape, dtype, counts) run before the checksums, so a truncated or mismatched file is
 * reported for what it is rather than as a bare checksum difference.
 */

export const INDEX_FILE_NAMES = {
  embeddings: 'embeddings.npy',
  products: 'products.jsonl',
  rules: 'filters.json',
} as const;

/** One catalog entry as products.jsonl has it: id, title, optional description and price, any attributes. */
export interface Product {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly price?: number;
  readonly [field: string]: unknown;
}

export interface SearchIndex {
  readonly dir: string;
  readonly manifest: Manifest;
  /** Row i of `vectors` is product i. */
  readonly products: readonly Product[];
  readonly rowById: ReadonlyMap<string, number>;
  readonly vectors: VectorIndex;
  /** How `vectors` came to be: exact scan, the stored graph, or a graph rebuilt at load (and why). */
  readonly vectorSource: Omit<OpenedVectorIndex, 'index'>;
  readonly filters: ProductFilterIndex;
  readonly rules: CompiledRules;
  readonly phrases: CatalogPhrases;
}

/** The index cannot be used; the message starts with the directory and names the file. */
export class IndexLoadError extends Error {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`index ${dir}: ${reason}`);
    this.name = 'IndexLoadError';
  }
}

/** Rows whose length is further than this from 1 mean the build did not normalise (dot product ≠ cosine). */
const NORM_TOLERANCE = 1e-3;

export interface LoadSearchIndexOptions {
  /** @default 'auto' - the graph once an exact scan would cost over ~1 ms */
  readonly vectorIndex?: VectorIndexMode;
  readonly log?: AnnLog;
}

export async function loadSearchIndex(dir: string, options: LoadSearchIndexOptions = {}): Promise<SearchIndex> {
  const fail = (reason: string): never => {
    throw new IndexLoadError(dir, reason);
  };

  const manifest = await guard(dir, 'manifest', () => readManifest(dir));
  const embeddingsPath = join(dir, INDEX_FILE_NAMES.embeddings);
  const { data, shape } = await guard(dir, INDEX_FILE_NAMES.embeddings, () => readNpy(embeddingsPath));
  const [rows, dimensions] = shape;
  const products = await readProducts(dir);
  const rules = await guard(dir, INDEX_FILE_NAMES.rules, async () => loadRules(join(dir, INDEX_FILE_NAMES.rules)));

  if (rows !== products.length) {
    fail(
      `${INDEX_FILE_NAMES.embeddings} has ${rows} rows but ${INDEX_FILE_NAMES.products} has ${products.length} products; row i must be product i (rebuild the index)`,
    );
  }
  if (manifest.count !== rows)
    fail(`manifest says ${manifest.count} products, ${INDEX_FILE_NAMES.embeddings} has ${rows} rows`);
  if (manifest.dimensions !== dimensions) {
    fail(
      `manifest says ${manifest.dimensions} dimensions (model ${manifest.modelId}), ${INDEX_FILE_NAMES.embeddings} has ${dimensions} columns`,
    );
  }
  if (rows > 0 && dimensions === 0) fail(`${INDEX_FILE_NAMES.embeddings} has 0 columns`);
  checkNormalised(dir, data, rows, dimensions);
  await guard(dir, 'checksums', () => verifyIndexFiles(dir, manifest));

  const rowById = new Map<string, number>();
  products.forEach((product, row) => rowById.set(product.id, row));
  const fields = Object.keys(rules.rules.fields);
  const { index: vectors, ...vectorSource } = await openVectorIndex({
    dir,
    manifest,
    data,
    dimensions,
    ...(options.vectorIndex ? { mode: options.vectorIndex } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    dir,
    manifest,
    products,
    rowById,
    vectors,
    vectorSource,
    filters: new ProductFilterIndex(products, fields, rules.price?.field),
    rules,
    phrases: CatalogPhrases.fromProducts(products, fields),
  };
}

/**
 * The embedder must be the model the index was built with: another model's query vectors live in another space
 * and every score would be meaningless, without any error.
 */
export function assertEmbedderMatchesIndex(
  index: SearchIndex,
  embedder: Pick<Embedder, 'modelId' | 'dimensions'>,
): void {
  const { modelId, dimensions } = index.manifest;
  if (embedder.modelId !== modelId || embedder.dimensions !== dimensions) {
    throw new IndexLoadError(
      index.dir,
      `built with model ${JSON.stringify(modelId)} (${dimensions} dimensions) but the service loaded ${JSON.stringify(embedder.modelId)} ` +
        `(${embedder.dimensions} dimensions): point the model directory at the index's model or rebuild the index`,
    );
  }
}

async function guard<T>(dir: string, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof IndexLoadError) throw err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT')
      throw new IndexLoadError(dir, `${what}: file missing (${(err as NodeJS.ErrnoException).path ?? what})`);
    // These errors' messages already start with the file's path.
    const message = err instanceof Error ? err.message : String(err);
    const isSelfDescribing = err instanceof NpyError || err instanceof RulesError || err instanceof ManifestError;
    throw new IndexLoadError(dir, isSelfDescribing ? message : `${what}: ${message}`);
  }
}

async function readProducts(dir: string): Promise<Product[]> {
  const path = join(dir, INDEX_FILE_NAMES.products);
  const text = await guard(dir, INDEX_FILE_NAMES.products, () => readFile(path, 'utf8'));
  const fail = (line: number, reason: string): never => {
    throw new IndexLoadError(dir, `${INDEX_FILE_NAMES.products} line ${line}: ${reason}`);
  };
  const products: Product[] = [];
  const firstLineOf = new Map<string, number>();
  const lines = text.split('\n');
  // A complete file ends with a newline; a last line without one is where a copy or a write stopped.
  const isTruncated = text.length > 0 && !text.endsWith('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const hint = isTruncated && i === lines.length - 1 ? ' (the file looks truncated: no newline at its end)' : '';
      fail(line, `not valid JSON${hint}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(line, 'must be a JSON object');
    const product = value as Record<string, unknown>;
    if (typeof product.id !== 'string' || product.id === '')
      return fail(line, `"id" must be a non-empty string (got ${JSON.stringify(product.id) ?? 'nothing'})`);
    if (typeof product.title !== 'string')
      return fail(line, `"title" must be a string (got ${JSON.stringify(product.title) ?? 'nothing'})`);
    if (product.description !== undefined && typeof product.description !== 'string') {
      return fail(line, `"description" must be a string (got ${JSON.stringify(product.description)})`);
    }
    if (product.price !== undefined && (typeof product.price !== 'number' || !Number.isFinite(product.price))) {
      return fail(line, `"price" must be a number (got ${JSON.stringify(product.price)})`);
    }
    const previous = firstLineOf.get(product.id);
    if (previous !== undefined)
      return fail(line, `duplicate id ${JSON.stringify(product.id)} (first on line ${previous})`);
    firstLineOf.set(product.id, line);
    products.push(product as Product);
  });
  return products;
}

function checkNormalised(dir: string, data: Float32Array, rows: number, dimensions: number): void {
  for (let row = 0; row < rows; row += 1) {
    let sum = 0;
    const offset = row * dimensions;
    for (let i = 0; i < dimensions; i += 1) {
      const value = data[offset + i] as number;
      sum += value * value;
    }
    const norm = Math.sqrt(sum);
    if (!(Math.abs(norm - 1) <= NORM_TOLERANCE)) {
      throw new IndexLoadError(
        dir,
        `${INDEX_FILE_NAMES.embeddings} row ${row} has length ${norm.toFixed(4)}, expected unit-length rows (the build must normalise)`,
      );
    }
  }
}
