import { availableParallelism } from 'node:os';

/**
 * Environment variables the search service reads. The search chart imports these names, so the manifests
 * and the service cannot drift apart.
 */
export const SEARCH_ENV = {
  host: 'SEARCH_HOST',
  port: 'SEARCH_PORT',
  dataDir: 'SEARCH_DATA_DIR',
  modelDir: 'SEARCH_MODEL_DIR',
  valkeyUrl: 'SEARCH_VALKEY_URL',
  valkeyPassword: 'SEARCH_VALKEY_PASSWORD',
  cacheTimeoutMs: 'SEARCH_CACHE_TIMEOUT_MS',
  cacheKeyPrefix: 'SEARCH_CACHE_KEY_PREFIX',
  embeddingTtlSeconds: 'SEARCH_EMBEDDING_TTL_SECONDS',
  popularHalfLifeHours: 'SEARCH_POPULAR_HALF_LIFE_HOURS',
  popularMaxEntries: 'SEARCH_POPULAR_MAX_ENTRIES',
  logLevel: 'SEARCH_LOG_LEVEL',
  vectorIndex: 'SEARCH_VECTOR_INDEX',
  vectorThreads: 'SEARCH_VECTOR_THREADS',
} as const;

export const SEARCH_DEFAULT_PORT = 8080;

/** Defaults, named so the docs, the chart and the tests can quote them. */
export const SEARCH_DEFAULTS = {
  /** Kubernetes probes reach the pod on its IP, so not loopback (fastify's Recommendations, Kubernetes section). */
  host: '0.0.0.0',
  port: SEARCH_DEFAULT_PORT,
  /**
   * The longest a request waits for the cache in total. A Valkey GET on the same network answers in well under
   * 1 ms; 50 ms leaves room for a busy server and still bounds what a sick one costs each request.
   */
  cacheTimeoutMs: 50,
  cacheKeyPrefix: 'roleplane:search:',
  /** A week: a query embedding only changes with the model, and the model id is part of the key. */
  embeddingTtlSeconds: 7 * 24 * 3600,
  /** A search counts half as much for "popular" after this long. */
  popularHalfLifeHours: 24,
  popularMaxEntries: 10_000,
  logLevel: 'info',
  /** The HNSW graph once an exact scan would take over ~1 ms; `exact` / `hnsw` force one or the other. */
  vectorIndex: 'auto',
} as const;

/**
 * Native threads per batched vector search. The CPUs this process may use (os.availableParallelism) — which in a
 * container is the node's count, not the pod's limit, so the chart sets SEARCH_VECTOR_THREADS from the CPU
 * request instead.
 */
export function defaultVectorThreads(): number {
  return Math.max(1, availableParallelism());
}

/** How the service searches vectors (index/ann/ann-file.ts): `auto` uses the graph once a scan costs over ~1 ms. */
export const VECTOR_INDEX_MODES = ['auto', 'exact', 'hnsw'] as const;
export type VectorIndexMode = (typeof VECTOR_INDEX_MODES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type SearchLogLevel = (typeof LOG_LEVELS)[number];

export interface SearchConfig {
  readonly host: string;
  readonly port: number;
  /** The index directory: manifest.json, embeddings.npy, products.jsonl, filters.json. */
  readonly dataDir: string;
  /** The embedder's model directory; when unset, `<dataDir>/model` is used if it exists. */
  readonly modelDir?: string;
  /** `redis://host:port[/db]`; unset means the in-process cache. */
  readonly valkeyUrl?: string;
  readonly valkeyPassword?: string;
  readonly cacheTimeoutMs: number;
  readonly cacheKeyPrefix: string;
  readonly embeddingTtlSeconds: number;
  readonly popularHalfLifeHours: number;
  readonly popularMaxEntries: number;
  readonly logLevel: SearchLogLevel;
  readonly vectorIndex: VectorIndexMode;
  readonly vectorThreads: number;
}

/** Values from flags; they win over the environment. */
export type SearchConfigOverrides = Partial<{ -readonly [K in keyof SearchConfig]: SearchConfig[K] }>;

/** A bad setting; the message names the variable (or flag) and the value received. */
export class SearchConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function readString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readInteger(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SearchConfigError(`${name}: must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function readNumber(env: Env, name: string, min: number): number | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= min)
    throw new SearchConfigError(`${name}: must be a number above ${min} (got ${JSON.stringify(raw)})`);
  return value;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max)
    throw new SearchConfigError(`${name}: must be from ${min} to ${max} (got ${value})`);
  return value;
}

/**
 * The service's settings: flags (`overrides`) over environment (SEARCH_ENV) over defaults, checked once here so a
 * bad value fails start-up with the variable's name rather than a request later.
 */
export function loadSearchConfig(env: Env = process.env, overrides: SearchConfigOverrides = {}): SearchConfig {
  const dataDir = overrides.dataDir ?? readString(env, SEARCH_ENV.dataDir);
  if (!dataDir) throw new SearchConfigError(`${SEARCH_ENV.dataDir} (or --data): the index directory is required`);

  const port = overrides.port ?? readInteger(env, SEARCH_ENV.port, 0, 65_535) ?? SEARCH_DEFAULTS.port;
  checkRange(`port (${SEARCH_ENV.port} or --port)`, port, 0, 65_535);
  if (!Number.isInteger(port))
    throw new SearchConfigError(`port (${SEARCH_ENV.port} or --port): must be an integer (got ${port})`);

  const valkeyUrl = overrides.valkeyUrl ?? readString(env, SEARCH_ENV.valkeyUrl);
  if (valkeyUrl !== undefined) {
    let protocol: string;
    try {
      protocol = new URL(valkeyUrl).protocol;
    } catch {
      throw new SearchConfigError(
        `${SEARCH_ENV.valkeyUrl} (or --valkey): not a URL (got ${JSON.stringify(valkeyUrl)}); expected redis://host:port`,
      );
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:' && protocol !== 'valkey:' && protocol !== 'valkeys:') {
      throw new SearchConfigError(
        `${SEARCH_ENV.valkeyUrl} (or --valkey): expected a redis:// or rediss:// URL (got ${JSON.stringify(valkeyUrl)})`,
      );
    }
  }

  const logLevel = overrides.logLevel ?? readString(env, SEARCH_ENV.logLevel) ?? SEARCH_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new SearchConfigError(
      `${SEARCH_ENV.logLevel}: must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`,
    );
  }

  const cacheTimeoutMs =
    overrides.cacheTimeoutMs ??
    readInteger(env, SEARCH_ENV.cacheTimeoutMs, 1, 10_000) ??
    SEARCH_DEFAULTS.cacheTimeoutMs;
  const embeddingTtlSeconds =
    overrides.embeddingTtlSeconds ??
    readInteger(env, SEARCH_ENV.embeddingTtlSeconds, 1, 365 * 24 * 3600) ??
    SEARCH_DEFAULTS.embeddingTtlSeconds;
  const popularHalfLifeHours =
    overrides.popularHalfLifeHours ??
    readNumber(env, SEARCH_ENV.popularHalfLifeHours, 0) ??
    SEARCH_DEFAULTS.popularHalfLifeHours;
  const popularMaxEntries =
    overrides.popularMaxEntries ??
    readInteger(env, SEARCH_ENV.popularMaxEntries, 1, 10_000_000) ??
    SEARCH_DEFAULTS.popularMaxEntries;
  const modelDir = overrides.modelDir ?? readString(env, SEARCH_ENV.modelDir);
  const valkeyPassword = overrides.valkeyPassword ?? env[SEARCH_ENV.valkeyPassword];

  const vectorIndex = overrides.vectorIndex ?? readString(env, SEARCH_ENV.vectorIndex) ?? SEARCH_DEFAULTS.vectorIndex;
  if (!(VECTOR_INDEX_MODES as readonly string[]).includes(vectorIndex)) {
    throw new SearchConfigError(
      `${SEARCH_ENV.vectorIndex} (or --vector-index): must be one of ${VECTOR_INDEX_MODES.join(', ')} (got ${JSON.stringify(vectorIndex)})`,
    );
  }

  const vectorThreads =
    overrides.vectorThreads ?? readInteger(env, SEARCH_ENV.vectorThreads, 1, 256) ?? defaultVectorThreads();

  return {
    host: overrides.host ?? readString(env, SEARCH_ENV.host) ?? SEARCH_DEFAULTS.host,
    port,
    dataDir,
    ...(modelDir ? { modelDir } : {}),
    ...(valkeyUrl ? { valkeyUrl } : {}),
    ...(valkeyPassword ? { valkeyPassword } : {}),
    cacheTimeoutMs: checkRange(SEARCH_ENV.cacheTimeoutMs, cacheTimeoutMs, 1, 10_000),
    cacheKeyPrefix:
      overrides.cacheKeyPrefix ?? readString(env, SEARCH_ENV.cacheKeyPrefix) ?? SEARCH_DEFAULTS.cacheKeyPrefix,
    embeddingTtlSeconds: checkRange(SEARCH_ENV.embeddingTtlSeconds, embeddingTtlSeconds, 1, 365 * 24 * 3600),
    popularHalfLifeHours: checkRange(SEARCH_ENV.popularHalfLifeHours, popularHalfLifeHours, 0.001, 24 * 365 * 10),
    popularMaxEntries: checkRange(SEARCH_ENV.popularMaxEntries, popularMaxEntries, 1, 10_000_000),
    logLevel: logLevel as SearchLogLevel,
    vectorIndex: vectorIndex as VectorIndexMode,
    vectorThreads: checkRange(SEARCH_ENV.vectorThreads, vectorThreads, 1, 256),
  };
}
