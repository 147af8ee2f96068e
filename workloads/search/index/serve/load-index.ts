import { join } from 'node:path';
import type { Embedder } from '../../embedder/embedder.js';
import { compareModels, legacyModelDigest } from '../../embedder/model-dir.js';
import { loadRules, RulesError, type CompiledRules } from '../../query/rules.js';
import type { VectorIndexMode } from './vector-index-mode.js';
import { openVectorIndex, type AnnLog, type OpenedVectorIndex } from './open-vector-index.js';
import { ManifestError, readManifest, verifyIndexFiles, type Manifest } from '../format/manifest.js';
import { INDEX_FILES } from '../format/files.js';
import { NpyError, readNpy, readNpyHeader } from '../format/npy.js';
import { type Product, ProductsFileError, readProducts } from '../format/products.js';
import { isUnitLength, vectorNorm } from '../format/unit-length.js';
import { PageCacheRows, type VectorIndex, type VectorRows } from './vector-index.js';
import type { EmbeddingsResidence } from './embeddings-residence.js';
import { ProductFilterIndex } from './product-filter-index.js';
import { FacetIndex } from './facet-index.js';
import type { LexicalIndex } from './lexical-index.js';
import { openLexicalIndex, type OpenedLexicalIndex } from './open-lexical-index.js';
import { DEFAULT_PRICE_BANDS } from '../../query/rules.js';
import { spellerFor } from '../../query/rules-speller.js';
import type { Speller } from '../../query/spelling.js';

/**
 * Loads an index directory written by the index build, checking everything the service relies on before it
 * reports ready, so a broken volume fails start-up with one clear message instead of answering wrongly:
 *
 *   manifest.json    model id, dimensions, count, per-file size and SHA-256
 *   embeddings.npy   float32 [count, dimensions], unit-length rows
 *   products.jsonl   count products, validated as the build validates a catalog (format/products.ts)
 *   filters.json     the filter rules
 *   vectors.usearch  the vector graph, used if the manifest vouches for it, else rebuilt here (open-vector-index.ts)
 *   lexical.bin      the BM25F index, used if the manifest vouches for it, else rebuilt here (open-lexical-index.ts)
 *
 * Structural checks (shape, dtype, counts) run before the checksums, so a truncated or mismatched file is
 * reported for what it is rather than as a bare checksum difference.
 */

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
  /** BM25F over titles, attributes and descriptions (lexical-index.ts). */
  readonly lexical: LexicalIndex;
  readonly lexicalSource: Omit<OpenedLexicalIndex, 'index'>;
  /** Typo tolerance towards the rules' and the catalog's words (query/spelling.ts). */
  readonly speller: Speller;
  /** Counts per value of the rules' `facets` (default: every rules field) and price bands. */
  readonly facets: FacetIndex;
  /** Every row, most popular first (the rules' `popularity` field, descending; then catalog order). */
  readonly popularRows: Uint32Array;
  /** Where the float32 rows live: this process's memory, or the page cache of embeddings.npy. */
  readonly embeddingsIn: EmbeddingsResidence;
  /** Releases embeddings.npy's file descriptor (page-cache rows); a no-op for rows in memory. */
  close(): void;
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

export interface LoadSearchIndexOptions {
  /** @default 'auto' - the graph once an exact scan would cost over ~1 ms */
  readonly vectorIndex?: VectorIndexMode;
  readonly log?: AnnLog;
  /**
   * Where the float32 rows live while serving: `memory` reads them into this process (fastest scans), `page-cache`
   * leaves them in the file's page cache and reads the rows each search scores (shared by every process on the node
   * reading the same file; see PageCacheRows). @default 'memory'
   */
  readonly embeddingsIn?: EmbeddingsResidence;
}

export async function loadSearchIndex(dir: string, options: LoadSearchIndexOptions = {}): Promise<SearchIndex> {
  const fail = (reason: string): never => {
    throw new IndexLoadError(dir, reason);
  };

  const manifest = await guard(dir, 'manifest', () => readManifest(dir));
  const embeddingsPath = join(dir, INDEX_FILES.embeddings);
  const embeddingsIn = options.embeddingsIn ?? 'memory';
  const { data, shape } = await guard(dir, INDEX_FILES.embeddings, async () => {
    if (embeddingsIn === 'memory') return readNpy(embeddingsPath);
    const header = await readNpyHeader(embeddingsPath);
    const [count, columns] = header.shape;
    return { data: PageCacheRows.open(embeddingsPath, header.dataOffset, count, columns), shape: header.shape };
  });
  const [rows, dimensions] = shape;
  const close = (): void => {
    if (data instanceof PageCacheRows) data.close();
  };
  try {
    return await loadRest();
  } catch (err) {
    close();
    throw err;
  }

  async function loadRest(): Promise<SearchIndex> {
    const products = await guard(dir, INDEX_FILES.products, () => readAllProducts(join(dir, INDEX_FILES.products)));
    const rules = await guard(dir, INDEX_FILES.rules, async () => loadRules(join(dir, INDEX_FILES.rules)));

    if (rows !== products.length) {
      fail(
        `${INDEX_FILES.embeddings} has ${rows} rows but ${INDEX_FILES.products} has ${products.length} products; row i must be product i (rebuild the index)`,
      );
    }
    if (manifest.count !== rows)
      fail(`manifest says ${manifest.count} products, ${INDEX_FILES.embeddings} has ${rows} rows`);
    if (manifest.dimensions !== dimensions) {
      fail(
        `manifest says ${manifest.dimensions} dimensions (model ${manifest.modelId}), ${INDEX_FILES.embeddings} has ${dimensions} columns`,
      );
    }
    if (rows > 0 && dimensions === 0) fail(`${INDEX_FILES.embeddings} has 0 columns`);
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
    const { index: lexical, ...lexicalSource } = await openLexicalIndex({
      dir,
      manifest,
      products,
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
      lexical,
      lexicalSource,
      speller: spellerFor(rules, lexical.words),
      facets: new FacetIndex(
        products,
        rules.rules.facets ?? fields,
        rules.price?.field,
        rules.rules.price?.bands ?? DEFAULT_PRICE_BANDS,
      ),
      popularRows: popularityOrder(products, rules.rules.popularity),
      embeddingsIn,
      close,
    };
  }
}

/**
 * The embedder must be the model the index was built with: another model's query vectors live in another space
 * and every score would be meaningless, without any error. Models are compared by content only (model-dir.ts), so
 * the same files under another directory name match; an index built before ids were content only
 * (`tiny@85232b71f2e9`) matches by the digest in its id. When they differ the message says which files do, as far
 * as the manifest recorded them.
 */
export function assertEmbedderMatchesIndex(
  index: SearchIndex,
  embedder: Pick<Embedder, 'modelId' | 'dimensions' | 'model'>,
): void {
  const { modelId, dimensions, model } = index.manifest;
  const comparison = compareModels(
    { id: modelId, ...(model ? { files: model.files } : {}) },
    { id: embedder.modelId, ...(embedder.model ? { identity: embedder.model } : {}) },
  );
  if (comparison.isSame && embedder.dimensions === dimensions) return;
  const built = describeModel(model?.name, modelId, dimensions);
  const loaded = describeModel(embedder.model?.name, embedder.modelId, embedder.dimensions);
  let why = '';
  if (comparison.differences.length > 0) why = `: ${comparison.differences.join(', ')}`;
  else if (!comparison.isSame && legacyModelDigest(modelId) !== undefined)
    why =
      ' (the index records an id from before models were identified by content, without its files, so which files differ is unknown)';
  throw new IndexLoadError(
    index.dir,
    `built with model ${built} but the service loaded ${loaded}${why}; ` +
      'point the model directory at the model the index was built with, or rebuild the index with this one',
  );
}

/** `"tiny" (sha256-…, 128 dimensions)`, or `"<id>" (128 dimensions)` for a model without a recorded name. */
function describeModel(name: string | undefined, id: string, dimensions: number): string {
  return name
    ? `${JSON.stringify(name)} (${id}, ${dimensions} dimensions)`
    : `${JSON.stringify(id)} (${dimensions} dimensions)`;
}

async function guard<T>(dir: string, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof IndexLoadError) throw err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT')
      throw new IndexLoadError(dir, `${what}: file missing (${(err as NodeJS.ErrnoException).path ?? what})`);
    // The index's own files by name and line; these other errors' messages already start with the file's path.
    if (err instanceof ProductsFileError)
      throw new IndexLoadError(dir, `${what}: ${err.line > 0 ? `line ${err.line}: ` : ''}${err.reason}`);
    const message = err instanceof Error ? err.message : String(err);
    const isSelfDescribing = err instanceof NpyError || err instanceof RulesError || err instanceof ManifestError;
    throw new IndexLoadError(dir, isSelfDescribing ? message : `${what}: ${message}`);
  }
}

/** Rows by the popularity field, descending (a product without a number there comes after), then catalog order. */
export function popularityOrder(products: readonly Product[], field: string | undefined): Uint32Array {
  const rows = Uint32Array.from(products.keys());
  if (field === undefined) return rows;
  const value = (row: number): number => {
    const v = products[row]?.[field];
    return typeof v === 'number' ? v : Number.NEGATIVE_INFINITY;
  };
  return rows.sort((a, b) => value(b) - value(a) || a - b);
}

/** products.jsonl, validated as the build validated the catalog it came from. */
async function readAllProducts(path: string): Promise<Product[]> {
  const products: Product[] = [];
  for await (const { product } of readProducts(path)) products.push(product);
  return products;
}

/** Rows checked per read when they are in the page cache. */
const CHECK_BLOCK_ROWS = 1024;

function checkNormalised(dir: string, rowsOf: VectorRows, rows: number, dimensions: number): void {
  const block = rowsOf instanceof PageCacheRows ? new Float32Array(CHECK_BLOCK_ROWS * dimensions) : undefined;
  let data = rowsOf instanceof PageCacheRows ? undefined : rowsOf;
  let first = 0;
  for (let row = 0; row < rows; row += 1) {
    if (rowsOf instanceof PageCacheRows && row % CHECK_BLOCK_ROWS === 0) {
      data = rowsOf.read(row, Math.min(rows, row + CHECK_BLOCK_ROWS), block as Float32Array);
      first = row;
    }
    const norm = vectorNorm(data as Float32Array, (row - first) * dimensions, dimensions);
    if (!isUnitLength(norm)) {
      throw new IndexLoadError(
        dir,
        `${INDEX_FILES.embeddings} row ${row} has length ${norm.toFixed(4)}, expected unit-length rows (the build must normalise)`,
      );
    }
  }
}
