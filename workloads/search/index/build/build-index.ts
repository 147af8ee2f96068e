import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Embedder } from '../../embedder/embedder.js';
import { loadRules } from '../../query/rules.js';
import { productText } from './product-text.js';
import { ProductsFileError, readLines, readProducts, type Product } from '../format/products.js';
import { INDEX_FILES } from '../format/files.js';
import { describeFile, INDEX_FORMAT_VERSION, type Manifest, type ModelSection } from '../format/manifest.js';
import { embedQueryProbes } from './query-probes.js';
import { writeGraphFile } from './write-graph.js';
import { writeLexicalFile } from './write-lexical.js';
import type { HnswParams } from '../serve/ann/hnsw-index.js';
import { createNpyWriter, readNpy } from '../format/npy.js';
import { openProductEmbeddings, type ProductEmbeddingsFile } from './product-embeddings.js';
import { isUnitLength, vectorNorm } from '../format/unit-length.js';

/**
 * The index build: catalog JSON Lines + rules file → an index directory the search service mounts.
 *
 *   embeddings.npy   float32 [N, D], row i = product i (unit-length rows)
 *   products.jsonl   the N products, normalised (see catalog.ts), in catalog order
 *   filters.json     the validated rules
 *   vectors.usearch  the HNSW graph over the embeddings (write-graph.ts), so the service need not build it
 *   lexical.bin      the BM25F index over titles, attributes and descriptions (write-lexical.ts)
 *   manifest.json    model id, dimensions, count, size and SHA-256 of every file (written last)
 *
 * Two passes over the catalog, so memory stays flat whatever its size: the first validates every line and
 * writes products.jsonl (a bad line fails in seconds, before any embedding); the second embeds products.jsonl
 * in batches straight into the .npy file. All of it happens in a fresh directory beside `outDir`, which then
 * replaces `outDir`; a failure or a crash at any point before that leaves the previous index untouched.
 *
 * With `productEmbeddingsPath` the products are not embedded: their vectors come from a .npy matrix computed
 * elsewhere (row i = product i; product-embeddings.ts checks it against the catalog and the query model), and the
 * embedder only vouches for the query side: its id and dimensions go into the manifest as usual, so the service
 * checks the model it embeds queries with exactly as for an index it embedded itself.
 */

export interface BuildProgress {
  /** `embed`: products embedded so far; `graph`: rows added to the vector graph so far. */
  readonly stage: 'embed' | 'graph';
  readonly done: number;
  readonly total: number;
}

export interface BuildIndexOptions {
  readonly catalogPath: string;
  readonly rulesPath: string;
  /** The index directory; created, or replaced if it already holds an index (or is empty). */
  readonly outDir: string;
  readonly embedder: Embedder;
  /** Products per `embedder.embed` call (the embedder may split further). @default 256 */
  readonly batchSize?: number;
  /** Called with done = 0 once the catalog is validated, then after every batch; then while the graph is built. */
  readonly onProgress?: (progress: BuildProgress) => void;
  /** For manifest.createdAt. @default - the current time */
  readonly now?: () => Date;
  /** Graph parameters (tests use small ones). @default defaultHnswParams(rows) */
  readonly graphParams?: HnswParams;
  /**
   * Threads inserting into the graph. More than one gives a different graph each build (insertion order races), so
   * tests that depend on which graph the build keeps use 1. @default 0 - every core
   */
  readonly graphThreads?: number;
  /**
   * A float .npy matrix of the products' embeddings (row i = the catalog's i-th product), used instead of
   * embedding the products with `embedder`. @default - the products are embedded with `embedder`
   */
  readonly productEmbeddingsPath?: string;
}

/** `outDir` cannot be written or replaced; the message starts with the directory. */
export class IndexOutputError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'IndexOutputError';
  }
}

export const DEFAULT_BUILD_BATCH_SIZE = 256;
/** products.jsonl is written in chunks of about this size. */
const WRITE_CHUNK_CHARS = 1 << 20;

/**
 * Refuses to replace anything that does not look like an index: `--out ~` must not move someone's home
 * directory aside. An existing directory is replaced only when it is empty or has a manifest.json.
 */
async function checkReplaceable(outDir: string): Promise<boolean> {
  let info;
  try {
    info = await stat(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new IndexOutputError(outDir, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!info.isDirectory()) throw new IndexOutputError(outDir, 'exists and is not a directory');
  const entries = await readdir(outDir);
  if (entries.length > 0 && !entries.includes(INDEX_FILES.manifest)) {
    throw new IndexOutputError(
      outDir,
      `exists and is not an index directory (no ${INDEX_FILES.manifest}); refusing to replace it — pick a new or empty directory`,
    );
  }
  return true;
}

/** Buffered appends to a file opened for writing; `close` flushes, fsyncs and closes. */
class LineWriter {
  private buffer = '';
  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<LineWriter> {
    return new LineWriter(await open(path, 'wx', 0o644));
  }

  async writeLine(text: string): Promise<void> {
    this.buffer += `${text}\n`;
    if (this.buffer.length >= WRITE_CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = '';
    await this.handle.write(chunk, null, 'utf8');
  }

  async close(): Promise<void> {
    try {
      await this.flush();
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

async function writeSyncedFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Best effort: makes renames in `dir` durable; some filesystems refuse fsync on a directory. */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}

/** Pass 1: validates the whole catalog and writes the normalised products. Returns how many. */
async function writeProducts(catalogPath: string, path: string): Promise<number> {
  const writer = await LineWriter.create(path);
  let count = 0;
  try {
    for await (const { product } of readProducts(catalogPath)) {
      await writer.writeLine(JSON.stringify(product));
      count += 1;
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.close();
  if (count === 0) throw new ProductsFileError(catalogPath, 0, 'has no products (every line is blank)');
  return count;
}

/** Checks one batch's vectors before they reach the file: count, width, finite values, unit length. */
function packBatch(vectors: readonly Float32Array[], batch: readonly Product[], dims: number): Float32Array {
  if (vectors.length !== batch.length)
    throw new Error(`embedder returned ${vectors.length} vectors for ${batch.length} texts`);
  const block = new Float32Array(batch.length * dims);
  vectors.forEach((vector, i) => {
    const id = (batch[i] as Product).id;
    if (vector.length !== dims)
      throw new Error(
        `embedder returned ${vector.length} dimensions for product ${JSON.stringify(id)}, expected ${dims}`,
      );
    const norm = vectorNorm(vector);
    if (!isUnitLength(norm)) {
      throw new Error(
        `embedder returned a vector of length ${norm} for product ${JSON.stringify(id)}; vectors must be unit length`,
      );
    }
    block.set(vector, i * dims);
  });
  return block;
}

/** Pass 2: embeds products.jsonl batch by batch into embeddings.npy. */
async function writeEmbeddings(options: {
  productsPath: string;
  npyPath: string;
  count: number;
  embedder: Embedder;
  textFields: readonly string[];
  batchSize: number;
  onProgress?: (progress: BuildProgress) => void;
}): Promise<void> {
  const { embedder, count, batchSize, textFields } = options;
  const dims = embedder.dimensions;
  const writer = await createNpyWriter(options.npyPath, [count, dims]);
  let done = 0;
  try {
    options.onProgress?.({ stage: 'embed', done, total: count });
    let batch: Product[] = [];
    const flush = async (): Promise<void> => {
      const vectors = await embedder.embed(batch.map((product) => productText(product, textFields)));
      await writer.write(packBatch(vectors, batch, dims));
      done += batch.length;
      batch = [];
      options.onProgress?.({ stage: 'embed', done, total: count });
    };
    // Our own file from pass 1: every line is a validated product.
    for await (const { text } of readLines(options.productsPath)) {
      batch.push(JSON.parse(text) as Product);
      if (batch.length === batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Pass 2 with `--embeddings`: the given rows, checked and normalised block by block, into embeddings.npy. */
async function copyEmbeddings(options: {
  input: ProductEmbeddingsFile;
  npyPath: string;
  count: number;
  batchSize: number;
  onProgress?: (progress: BuildProgress) => void;
}): Promise<void> {
  const { input, count, batchSize } = options;
  const writer = await createNpyWriter(options.npyPath, [count, input.dimensions]);
  try {
    options.onProgress?.({ stage: 'embed', done: 0, total: count });
    for (let from = 0; from < count; from += batchSize) {
      const rows = Math.min(batchSize, count - from);
      await writer.write(await input.readUnitRows(from, rows));
      options.onProgress?.({ stage: 'embed', done: from + rows, total: count });
    }
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Moves the finished build into place; the old index, if any, is moved aside first and deleted after. */
async function swapInto(buildDir: string, outDir: string, hasOld: boolean): Promise<void> {
  const parent = dirname(outDir);
  if (!hasOld) {
    await rename(buildDir, outDir);
  } else {
    // rename(2) cannot replace a non-empty directory, so two renames; between them outDir is briefly absent
    // (a crash exactly there leaves the old index at .<name>.old-*, next to it).
    const oldDir = join(parent, `.${basename(outDir)}.old-${randomBytes(4).toString('hex')}`);
    await rename(outDir, oldDir);
    try {
      await rename(buildDir, outDir);
    } catch (err) {
      await rename(oldDir, outDir).catch(() => undefined);
      throw err;
    }
    await rm(oldDir, { recursive: true, force: true });
  }
  await fsyncDirectory(parent);
}

export async function buildIndex(options: BuildIndexOptions): Promise<Manifest> {
  const batchSize = options.batchSize ?? DEFAULT_BUILD_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`buildIndex: batchSize must be a positive integer (got ${batchSize})`);
  const { embedder } = options;
  if (!Number.isInteger(embedder.dimensions) || embedder.dimensions < 1) {
    throw new RangeError(`buildIndex: embedder ${embedder.modelId} reports ${embedder.dimensions} dimensions`);
  }
  const outDir = resolve(options.outDir);
  const rules = loadRules(options.rulesPath);
  const hasOld = await checkReplaceable(outDir);
  // Its header is checked against the query model before the catalog is read; its rows once the catalog is counted.
  const input = options.productEmbeddingsPath
    ? await openProductEmbeddings(options.productEmbeddingsPath, embedder)
    : undefined;

  const parent = dirname(outDir);
  await mkdir(parent, { recursive: true });
  // Beside outDir, so the final rename stays on one filesystem; a dot name keeps it out of casual listings.
  let buildDir: string;
  try {
    buildDir = await mkdtemp(join(parent, `.${basename(outDir)}.building-`));
  } catch (err) {
    await input?.close();
    throw err;
  }
  try {
    // mkdtemp makes it 0700; the service may run as another user than the build Job.
    await chmod(buildDir, 0o755);
    const productsPath = join(buildDir, INDEX_FILES.products);
    const count = await writeProducts(options.catalogPath, productsPath);
    const npyPath = join(buildDir, INDEX_FILES.embeddings);
    const onProgress = options.onProgress ? { onProgress: options.onProgress } : {};
    if (input) {
      input.checkRows(count, options.catalogPath);
      await copyEmbeddings({ input, npyPath, count, batchSize, ...onProgress });
    } else {
      await writeEmbeddings({
        productsPath,
        npyPath,
        count,
        embedder,
        textFields: Object.keys(rules.rules.fields),
        batchSize,
        ...onProgress,
      });
    }
    // The validated rules, as the service will read them.
    await writeSyncedFile(join(buildDir, INDEX_FILES.rules), `${JSON.stringify(rules.rules, null, 2)}\n`);

    const embeddings = await describeFile(join(buildDir, INDEX_FILES.embeddings));
    // Read back from the file just written: the graph is built from exactly the bytes the service will load.
    const { data } = await readNpy(join(buildDir, INDEX_FILES.embeddings));
    const products = await readBuiltProducts(productsPath);
    const ann = await writeGraphFile(buildDir, data, embedder.dimensions, embeddings.sha256, {
      ...(options.graphParams ? { params: options.graphParams } : {}),
      ...(options.graphThreads !== undefined ? { threads: options.graphThreads } : {}),
      queryProbes: await embedQueryProbes(embedder, products),
      onProgress: (done, total) => options.onProgress?.({ stage: 'graph', done, total }),
    });

    const productsEntry = await describeFile(productsPath);
    const lexical = await writeLexicalFile(buildDir, products, productsEntry.sha256);

    const manifest: Manifest = {
      formatVersion: INDEX_FORMAT_VERSION,
      modelId: embedder.modelId,
      ...modelSection(embedder),
      dimensions: embedder.dimensions,
      count,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      files: {
        [INDEX_FILES.embeddings]: embeddings,
        [INDEX_FILES.products]: productsEntry,
        [INDEX_FILES.rules]: await describeFile(join(buildDir, INDEX_FILES.rules)),
      },
      ...(input ? { productEmbeddings: await input.describe() } : {}),
      ann,
      lexical,
    };
    // Last, so a directory with a manifest is a complete one.
    await writeSyncedFile(join(buildDir, INDEX_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    await fsyncDirectory(buildDir);
    await swapInto(buildDir, outDir, hasOld);
    return manifest;
  } catch (err) {
    await rm(buildDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  } finally {
    await input?.close();
  }
}

/** products.jsonl as written by pass 1 (every line a validated product). */
async function readBuiltProducts(path: string): Promise<Product[]> {
  const products: Product[] = [];
  for await (const { text } of readLines(path)) if (text.trim() !== '') products.push(JSON.parse(text) as Product);
  return products;
}

/** The manifest's `model` section: the files behind the model id, so a service with another model can say which differ. */
function modelSection(embedder: Embedder): { model?: ModelSection } {
  const identity = embedder.model;
  return identity ? { model: { name: identity.name, files: identity.files } } : {};
}
