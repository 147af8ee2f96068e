/**
 * `roleplane search serve [--data <dir>] [--port <n>] …` (flags and variables in config.ts): the only place that
 * reads the environment, creates the logger, the cache client and the model, listens and handles signals.
 * Everything else is in buildApp (app.ts), which tests drive without a network.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { buildApp } from './app.js';
import { createCache } from './cache/create-cache.js';
import { type Blocklist, loadBlocklist } from './popular/blocklist.js';
import { loadSearchConfig, SearchConfigError, type SearchConfig, type SearchFlags } from './config.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from '../command-result.js';
import type { Embedder } from '../embedder/embedder.js';
import { assertEmbedderMatchesIndex, loadSearchIndex } from '../index/serve/load-index.js';
import { TINY_MODEL_DIR } from '../embedder/tiny-model.js';
import { INDEX_MODEL_DIR } from '../index/format/files.js';

/** Seams for tests; production passes none. */
export interface SearchServeDeps {
  /** Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: the local transformers.js model (embedder/local-model.ts), imported only when serving. */
  readonly loadEmbedder?: (modelDir: string) => Promise<Embedder>;
  /** Aborting it stops the server like SIGTERM does. */
  readonly signal?: AbortSignal;
  readonly log?: Logger;
  /** Called once listening, with the address (tests use an ephemeral port). */
  readonly onListening?: (address: string) => void;
}

/**
 * Runs until SIGTERM/SIGINT (or `deps.signal`); resolves with the exit code: EXIT_BAD_INPUT for a bad flag or
 * variable, EXIT_FAILED when the index or model fails to load or the port cannot be bound. Never calls process.exit.
 */
export async function runSearchServe(flags: SearchFlags, deps: SearchServeDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  let config: SearchConfig;
  try {
    config = loadSearchConfig(env, flags);
  } catch (err) {
    if (!(err instanceof SearchConfigError)) throw err;
    process.stderr.write(`roleplane search serve: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const log = deps.log ?? pino({ level: config.logLevel, base: { component: 'roleplane-search' } });
  let blocklist: Blocklist | undefined;
  try {
    blocklist = config.suggestBlocklist ? loadBlocklist(config.suggestBlocklist, log) : undefined;
  } catch (err) {
    process.stderr.write(`roleplane search serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_BAD_INPUT;
  }

  const modelDir = resolveModelDir(flags, config);

  const cache = createCache(config, log);
  const loadEmbedder = deps.loadEmbedder ?? loadLocalModel;
  const embedder = loadEmbedder(modelDir);
  const index = loadSearchIndex(config.dataDir, {
    vectorIndex: config.vectorIndex,
    embeddingsIn: config.embeddingsIn,
    log: log.child({ stage: 'index' }),
  });
  // One promise for "loaded and consistent": the app checks the same thing to become ready; here it decides
  // whether the process lives. Handlers are attached now so an early failure is never an unhandled rejection.
  const loaded = Promise.all([index, embedder]).then(([i, e]) => assertEmbedderMatchesIndex(i, e));
  const loadFailure = loaded.then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = buildApp({ config, index, embedder, cache, log, registry, ...(blocklist ? { blocklist } : {}) });

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping: finishing requests in flight');
    stop.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const onAbort = (): void => stop.abort();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  if (deps.signal?.aborted) stop.abort();

  let code = EXIT_OK;
  try {
    const address = await app.listen({ host: config.host, port: config.port });
    log.info(
      { address, dataDir: config.dataDir, modelDir, cache: cache.kind, embeddingsIn: config.embeddingsIn },
      'listening; loading the index',
    );
    deps.onListening?.(address);
    const stopped = new Promise<'stopped'>((resolve) => {
      if (stop.signal.aborted) resolve('stopped');
      else stop.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    const outcome = await Promise.race([
      stopped,
      loadFailure.then((err) => err ?? new Promise<never>(() => undefined)),
    ]);
    if (outcome instanceof Error) {
      log.fatal({ err: outcome, dataDir: config.dataDir, modelDir }, `cannot serve: ${outcome.message}`);
      code = EXIT_FAILED;
    }
  } catch (err) {
    log.fatal(
      { err },
      `cannot listen on ${config.host}:${config.port}: ${err instanceof Error ? err.message : String(err)}`,
    );
    code = EXIT_FAILED;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    deps.signal?.removeEventListener('abort', onAbort);
    // Closing the app waits for requests in flight, then closes the cache (and the Valkey client it created).
    await app.close().catch((err: unknown) => log.error({ err }, 'error while closing the server'));
    const loadedEmbedder = await embedder.catch(() => undefined);
    await loadedEmbedder?.close?.().catch((err: unknown) => log.error({ err }, 'error while closing the embedder'));
    (await index.catch(() => undefined))?.close();
    log.info({ code }, 'stopped');
  }
  return code;
}

/**
 * --model, else the model shipped inside the index (`<data>/model`: built together, so they match), else
 * SEARCH_MODEL_DIR, else the project's tiny model — the default of `roleplane search index` too.
 */
function resolveModelDir(flags: SearchFlags, config: SearchConfig): string {
  if (flags.modelDir) return flags.modelDir;
  const shipped = join(config.dataDir, INDEX_MODEL_DIR);
  if (existsSync(shipped)) return shipped;
  if (config.modelDir) return config.modelDir;
  return TINY_MODEL_DIR;
}

/** Imported lazily: @xenova/transformers and onnxruntime are heavy and only the server needs them. */
async function loadLocalModel(modelDir: string): Promise<Embedder> {
  const { loadLocalEmbedder } = await import('../embedder/local-model.js');
  return loadLocalEmbedder(modelDir);
}
