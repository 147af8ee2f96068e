import { resolve } from 'node:path';
import { type CommandResult, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from '../../command-result.js';
import type { Embedder } from '../../embedder/embedder.js';
import { loadLocalEmbedder } from '../../embedder/local-model.js';
import { ModelDirError } from '../../embedder/model-dir.js';
import { TINY_MODEL_DIR } from '../../embedder/tiny-model.js';
import { RulesError } from '../../query/rules.js';
import type { Manifest } from '../format/manifest.js';
import { FLOAT_DTYPE_NAMES } from '../format/npy.js';
import { ProductsFileError } from '../format/products.js';
import { type BuildProgress, buildIndex, IndexOutputError } from './build-index.js';
import { ProductEmbeddingsError } from './product-embeddings.js';

export interface IndexCommandOptions {
  readonly catalog: string;
  readonly rules: string;
  readonly out: string;
  /** Model directory. @default - the project's tiny model (workloads/search/embedder/tiny) */
  readonly model?: string;
  /**
   * A .npy of the products' vectors (row i = product i), used instead of embedding the catalog; `model` then
   * only embeds queries (and must have the same dimensions). @default - the catalog is embedded with `model`
   */
  readonly embeddings?: string;
  /** Products per embedding call. @default 256 */
  readonly batchSize?: number;
  /** Where the progress line goes, only if it is a TTY. @default process.stderr */
  readonly progressStream?: { readonly isTTY?: boolean; write(text: string): unknown };
  /** Loads the embedder; tests pass a fake. @default loadLocalEmbedder */
  readonly loadEmbedder?: (modelDir: string) => Promise<Embedder>;
}

const PROGRESS_INTERVAL_MS = 100;

/** A progress line redrawn in place at most every 100 ms; nothing at all when the stream is not a terminal. */
function progressLine(
  stream: IndexCommandOptions['progressStream'],
  isGivenVectors: boolean,
): {
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
      const what =
        stage === 'graph' ? 'building the vector graph' : isGivenVectors ? 'reading product vectors' : 'embedding';
      stream.write(`\r\x1b[K${what}: ${done}/${total} products (${percent}%)`);
      isDrawn = true;
    },
    clear() {
      if (isDrawn) stream.write('\r\x1b[K');
    },
  };
}

/** "model tiny (sha256-…), 128 dimensions", plus where the product vectors came from when not from the model. */
function describeVectors(manifest: Manifest): string {
  const model = manifest.model ? `model ${manifest.model.name} (${manifest.modelId})` : `model ${manifest.modelId}`;
  const query = `${model}, ${manifest.dimensions} dimensions`;
  const given = manifest.productEmbeddings;
  if (!given) return query;
  const scaled =
    given.rescaledRows === 0
      ? 'already unit length'
      : `${given.rescaledRows} rows scaled to unit length, norms ${given.minNorm.toPrecision(3)} to ${given.maxNorm.toPrecision(3)}`;
  return `product vectors from ${given.file} (${FLOAT_DTYPE_NAMES[given.dtype]}, ${scaled}); queries: ${query}`;
}

/**
 * `roleplane search index --catalog <jsonl> --rules <json> --out <dir> [--model <dir>] [--embeddings <npy>]`: the
 * index-build Job's command. Only the TTY progress line is written directly; the rest is returned.
 */
export async function runIndexCommand(options: IndexCommandOptions): Promise<CommandResult> {
  const prefix = 'roleplane search index';
  const modelDir = options.model ?? TINY_MODEL_DIR;
  const progress = progressLine(options.progressStream ?? process.stderr, options.embeddings !== undefined);
  const started = Date.now();
  let embedder: Embedder | undefined;
  try {
    embedder = await (options.loadEmbedder ?? loadLocalEmbedder)(modelDir);
    const manifest = await buildIndex({
      catalogPath: options.catalog,
      rulesPath: options.rules,
      outDir: options.out,
      embedder,
      ...(options.embeddings !== undefined ? { productEmbeddingsPath: options.embeddings } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      onProgress: progress.update,
    });
    progress.clear();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return {
      stdout: `indexed ${manifest.count} products into ${resolve(options.out)} (${describeVectors(manifest)}) in ${seconds} s\n`,
      stderr: '',
      exitCode: EXIT_OK,
    };
  } catch (err) {
    progress.clear();
    const message = err instanceof Error ? err.message : String(err);
    const isBadInput =
      err instanceof ProductsFileError ||
      err instanceof RulesError ||
      err instanceof ModelDirError ||
      err instanceof ProductEmbeddingsError ||
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
