import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Embedder } from '../embedder/embedder.js';
import { loadLocalEmbedder } from '../embedder/local-model.js';
import { ModelDirError } from '../embedder/model-dir.js';
import { loadRules, RulesError } from '../filters/rules.js';
import { TINY_MODEL_DIR } from '../models/tiny-model.js';
import { CatalogError, productText, readCatalog, readLines, type CatalogProduct } from './catalog.js';
import { describeFile, INDEX_FORMAT_VERSION, MANIFEST_FILE, type Manifest } from './manifest.js';
import { writeAnnFile } from './ann/ann-file.js';
import type { HnswParams } from './ann/hnsw-index.js';
import { createNpyWriter, readNpy } from './npy.js';

/**
 * The index build: catalog JSON Lines + rules file → an index directory the search service mounts.
 *
 *   embeddings.npy   float32 [N, D], row i = product i (unit-length rows)
 *   products.jsonl   the N products, normalised (see catalog.ts), in catalog order
 *   filters.json     the validated rules
 *   vectors.usearch  the HNSW graph over the embeddings (ann/ann-file.ts), so the service need not build it
 *   manifest.json    model id, dimensions, count, size and SHA-256 of every file (written last)
 *
 * Two passes over the catalog, so memory stays flat whatever its size: the first validates every line and
 * writes products.jsonl (a bad line fails in seconds, before any embedding); the second embeds products.jsonl
 * in batches straight into the .npy file. All of it happens in a fresh directory beside `outDir`, which then
 * replaces `outDir`; a failure or a crash at any point before that leaves the previous index untouched.
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
const PRODUCTS_FILE = 'products.jsonl';
const EMBEDDINGS_FILE = 'embeddings.npy';
const RULES_FILE = 'filters.json';
/** Rows further than this from unit length mean the embedder did not normalise; the service would refuse them. */
const NORM_TOLERANCE = 1e-3;
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
  if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
    throw new IndexOutputError(
      outDir,
      `exists and is not an index directory (no ${MANIFEST_FILE}); refusing to replace it — pick a new or empty directory`,
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
    for await (const { product } of readCatalog(catalogPath)) {
      await writer.writeLine(JSON.stringify(product));
      count += 1;
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.close();
  if (count === 0) throw new CatalogError(catalogPath, 0, 'has no products (every line is blank)');
  return count;
}

/** Checks one batch's vectors before they reach the file: count, width, finite values, unit length. */
function packBatch(vectors: readonly Float32Array[], batch: readonly CatalogProduct[], dims: number): Float32Array {
  if (vectors.length !== batch.length)
    throw new Error(`embedder returned ${vectors.length} vectors for ${batch.length} texts`);
  const block = new Float32Array(batch.length * dims);
  vectors.forEach((vector, i) => {
    const id = (batch[i] as CatalogProduct).id;
    if (vector.length !== dims)
      throw new Error(
        `embedder returned ${vector.length} dimensions for product ${JSON.stringify(id)}, expected ${dims}`,
      );
    let sumOfSquares = 0;
    for (const value of vector) sumOfSquares += value * value;
    if (!Number.isFinite(sumOfSquares) || Math.abs(Math.sqrt(sumOfSquares) - 1) > NORM_TOLERANCE) {
      throw new Error(
        `embedder returned a vector of length ${Math.sqrt(sumOfSquares)} for product ${JSON.stringify(id)}; vectors must be unit length`,
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
    let batch: CatalogProduct[] = [];
    const flush = async (): Promise<void> => {
      const vectors = await embedder.embed(batch.map((product) => productText(product, textFields)));
      await writer.write(packBatch(vectors, batch, dims));
      done += batch.length;
      batch = [];
      options.onProgress?.({ stage: 'embed', done, total: count });
    };
    // Our own file from pass 1: every line is a validated product.
    for await (const { text } of readLines(options.productsPath)) {
      batch.push(JSON.parse(text) as CatalogProduct);
      if (batch.length === batchSize) await flush();
    }
    if (batch.length > 0) await flush();
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

  const parent = dirname(outDir);
  await mkdir(parent, { recursive: true });
  // Beside outDir, so the final rename stays on one filesystem; a dot name keeps it out of casual listings.
  const buildDir = await mkdtemp(join(parent, `.${basename(outDir)}.building-`));
  try {
    // mkdtemp makes it 0700; the service may run as another user than the build Job.
    await chmod(buildDir, 0o755);
    const productsPath = join(buildDir, PRODUCTS_FILE);
    const count = await writeProducts(options.catalogPath, productsPath);
    await writeEmbeddings({
      productsPath,
      npyPath: join(buildDir, EMBEDDINGS_FILE),
      count,
      embedder,
      textFields: Object.keys(rules.rules.fields),
      batchSize,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    // The validated rules, as the service will read them.
    await writeSyncedFile(join(buildDir, RULES_FILE), `${JSON.stringify(rules.rules, null, 2)}\n`);

    const embeddings = await describeFile(join(buildDir, EMBEDDINGS_FILE));
    // Read back from the file just written: the graph is built from exactly the bytes the service will load.
    const { data } = await readNpy(join(buildDir, EMBEDDINGS_FILE));
    const ann = await writeAnnFile(buildDir, data, embedder.dimensions, embeddings.sha256, {
      ...(options.graphParams ? { params: options.graphParams } : {}),
      onProgress: (done, total) => options.onProgress?.({ stage: 'graph', done, total }),
    });

    const manifest: Manifest = {
      formatVersion: INDEX_FORMAT_VERSION,
      modelId: embedder.modelId,
      dimensions: embedder.dimensions,
      count,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      files: {
        'embeddings.npy': embeddings,
        'products.jsonl': await describeFile(productsPath),
        'filters.json': await describeFile(join(buildDir, RULES_FILE)),
      },
      ann,
    };
    // Last, so a directory with a manifest is a complete one.
    await writeSyncedFile(join(buildDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await fsyncDirectory(buildDir);
    await swapInto(buildDir, outDir, hasOld);
    return manifest;
  } catch (err) {
    await rm(buildDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// `roleplane search index`

export interface IndexCommandOptions {
  readonly catalog: string;
  readonly rules: string;
  readonly out: string;
  /** Model directory. @default - the project's tiny model (workloads/search/models/tiny) */
  readonly model?: string;
  /** Products per embedding call. @default 256 */
  readonly batchSize?: number;
  /** Where the progress line goes, only if it is a TTY. @default process.stderr */
  readonly progressStream?: { readonly isTTY?: boolean; write(text: string): unknown };
  /** Loads the embedder; tests pass a fake. @default loadLocalEmbedder */
  readonly loadEmbedder?: (modelDir: string) => Promise<Embedder>;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Bad input (catalog, rules, model directory, output directory), as for `roleplane search filters`. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_FAILED = 1;
const PROGRESS_INTERVAL_MS = 100;

/** A progress line redrawn in place at most every 100 ms; nothing at all when the stream is not a terminal. */
function progressLine(stream: IndexCommandOptions['progressStream']): {
  update: (p: BuildProgress) => void;
  clear: () => void;
} {
  if (!stream?.isTTY) return { update: () => undefined, clear: () => undefined };
  let lastDraw = 0;
  let isDrawn = false;
  return {
    update({ stage, done, total }) {
      const now = Date.now();
      if (done !== total && now - lastDraw < PROGRESS_INTERVAL_MS) return;
      lastDraw = now;
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      const what = stage === 'embed' ? 'embedding' : 'building the vector graph';
      stream.write(`\r\x1b[K${what}: ${done}/${total} products (${percent}%)`);
      isDrawn = true;
    },
    clear() {
      if (isDrawn) stream.write('\r\x1b[K');
    },
  };
}

/**
 * `roleplane search index --catalog <jsonl> --rules <json> --out <dir> [--model <dir>]`. Returns the output and
 * exit code instead of writing and exiting, so the commander wiring stays thin and tests need no subprocess;
 * only the TTY progress line is written directly.
 */
export async function runIndexCommand(options: IndexCommandOptions): Promise<CommandResult> {
  const prefix = 'roleplane search index';
  const modelDir = options.model ?? TINY_MODEL_DIR;
  const progress = progressLine(options.progressStream ?? process.stderr);
  const started = Date.now();
  let embedder: Embedder | undefined;
  try {
    embedder = await (options.loadEmbedder ?? loadLocalEmbedder)(modelDir);
    const manifest = await buildIndex({
      catalogPath: options.catalog,
      rulesPath: options.rules,
      outDir: options.out,
      embedder,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      onProgress: progress.update,
    });
    progress.clear();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return {
      stdout: `indexed ${manifest.count} products into ${resolve(options.out)} (model ${manifest.modelId}, ${manifest.dimensions} dimensions) in ${seconds} s\n`,
      stderr: '',
      exitCode: 0,
    };
  } catch (err) {
    progress.clear();
    const message = err instanceof Error ? err.message : String(err);
    const isBadInput =
      err instanceof CatalogError ||
      err instanceof RulesError ||
      err instanceof ModelDirError ||
      err instanceof IndexOutputError;
    // Anything else (the model failing mid-way, a full disk) is not the user's input but is still reported
    // as a message: the index-build Job's log should say what happened, and the old index is intact.
    return {
      stdout: '',
      stderr: `${prefix}: ${isBadInput ? '' : 'failed: '}${message}\n`,
      exitCode: isBadInput ? EXIT_BAD_INPUT : EXIT_FAILED,
    };
  } finally {
    await embedder?.close?.().catch(() => undefined);
  }
}
