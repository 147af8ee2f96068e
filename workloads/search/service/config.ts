import { availableParallelism } from 'node:os';
import { VECTOR_INDEX_MODES } from '../index/serve/vector-index-mode.js';
import { EMBEDDINGS_RESIDENCES } from '../index/serve/embeddings-residence.js';

/**
 * Every setting of the search service in one table: its environment variable, its `roleplane search serve` flag if
 * it has one, its default, and how a value is read and checked. The CLI builds the command's flags from it and the
 * search chart imports SEARCH_ENV from it, so the manifests, the CLI and the service cannot drift apart. A new
 * setting is one entry here plus the code that uses it.
 *
 * Precedence: a flag over its variable over the default. Everything is checked once, at start-up, and a bad value
 * fails with the variable's (or flag's) name and the value received rather than a request failing later.
 */

/** One row of the settings table. */
export interface Setting<T> {
  /** The environment variable (the chart sets these). */
  readonly env: string;
  /** `--name <value>` of `roleplane search serve`, for settings worth a flag. */
  readonly flag?: string;
  /** One line for --help and the docs. */
  readonly help: string;
  /** Reads a value; throws `SettingError` with the reason (the caller adds the name and the value). */
  readonly parse: (raw: string) => T;
  /** Used when neither flag nor variable is set; a setting with no default and not `required` is optional. */
  readonly default?: T | (() => T);
  readonly required?: boolean;
  /** Kept exactly as given (a password may start or end with spaces); other values are trimmed. */
  readonly isVerbatim?: boolean;
}

/** Why a value was refused, without its name: the loader adds `SEARCH_X` or `--x` and the value. */
class SettingError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type SearchLogLevel = (typeof LOG_LEVELS)[number];

const text = (raw: string): string => raw;

function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new SettingError(`must be an integer from ${min} to ${max}`);
    return value;
  };
}

function positiveNumber(max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > max)
      throw new SettingError(`must be a number above 0, at most ${max}`);
    return value;
  };
}

function oneOf<T extends string>(values: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new SettingError(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
}

function redisUrl(raw: string): string {
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new SettingError('not a URL; expected redis://host:port');
  }
  if (!['redis:', 'rediss:', 'valkey:', 'valkeys:'].includes(protocol))
    throw new SettingError('expected a redis:// or rediss:// URL');
  return raw;
}

export const SEARCH_DEFAULT_PORT = 8080;

export const SEARCH_SETTINGS = {
  dataDir: {
    env: 'SEARCH_DATA_DIR',
    flag: '--data <dir>',
    help: 'the index directory written by `search index` (manifest.json, embeddings.npy, products.jsonl, filters.json)',
    parse: text,
    required: true,
  },
  host: {
    env: 'SEARCH_HOST',
    flag: '--host <host>',
    // Kubernetes probes reach the pod on its IP, so not loopback (fastify's Recommendations, Kubernetes section).
    help: 'address to listen on',
    parse: text,
    default: '0.0.0.0',
  },
  port: {
    env: 'SEARCH_PORT',
    flag: '--port <port>',
    help: 'port to listen on (0: any free port)',
    parse: integer(0, 65_535),
    default: SEARCH_DEFAULT_PORT,
  },
  modelDir: {
    env: 'SEARCH_MODEL_DIR',
    flag: '--model <dir>',
    help: "the embedder's model directory (default: <data>/model if it exists, else the built-in tiny model; the flag wins over <data>/model, the variable does not)",
    parse: text,
  },
  valkeyUrl: {
    env: 'SEARCH_VALKEY_URL',
    flag: '--valkey <url>',
    help: 'Valkey/Redis URL (redis://host:port[/db]) for the shared cache (default: an in-process cache)',
    parse: redisUrl,
  },
  valkeyPassword: {
    env: 'SEARCH_VALKEY_PASSWORD',
    help: 'Valkey password (the chart reads it from a Secret)',
    parse: text,
    isVerbatim: true,
  },
  cacheTimeoutMs: {
    env: 'SEARCH_CACHE_TIMEOUT_MS',
    // A Valkey GET on the same network answers in well under 1 ms; 50 ms leaves room for a busy server and still
    // bounds what a sick one costs each request.
    help: 'the longest one request waits for the cache, all its reads together',
    parse: integer(1, 10_000),
    default: 50,
  },
  cacheKeyPrefix: {
    env: 'SEARCH_CACHE_KEY_PREFIX',
    help: 'prefix of every cache key (several indexes can share one Valkey)',
    parse: text,
    default: 'roleplane:search:',
  },
  embeddingTtlSeconds: {
    env: 'SEARCH_EMBEDDING_TTL_SECONDS',
    // A query embedding only changes with the model, and the model id is part of the key.
    help: 'how long a cached query embedding lives',
    parse: integer(1, 365 * 24 * 3600),
    default: 7 * 24 * 3600,
  },
  popularHalfLifeHours: {
    env: 'SEARCH_POPULAR_HALF_LIFE_HOURS',
    help: 'a search counts half as much for "popular" after this long',
    parse: positiveNumber(24 * 365 * 10),
    default: 24,
  },
  popularMaxEntries: {
    env: 'SEARCH_POPULAR_MAX_ENTRIES',
    help: 'popular queries kept (the least popular beyond this are dropped)',
    parse: integer(1, 10_000_000),
    default: 10_000,
  },
  suggestMinClients: {
    env: 'SEARCH_SUGGEST_MIN_CLIENTS',
    help: 'distinct clients that must search a query before autocomplete and related searches show it',
    parse: integer(1, 1000),
    default: 3,
  },
  suggestMinAgeMinutes: {
    env: 'SEARCH_SUGGEST_MIN_AGE_MINUTES',
    help: "minutes between a query's first search and the moment it may be shown as a suggestion",
    parse: integer(0, 7 * 24 * 60),
    default: 60,
  },
  suggestMaxLength: {
    env: 'SEARCH_SUGGEST_MAX_LENGTH',
    help: 'longest query (characters) that may become a suggestion',
    parse: integer(8, 256),
    default: 64,
  },
  suggestBlocklist: {
    env: 'SEARCH_SUGGEST_BLOCKLIST',
    help: 'file of terms never suggested, one per line (# comments); re-read when it changes',
    parse: text,
  },
  clientIdHeader: {
    env: 'SEARCH_CLIENT_ID_HEADER',
    help: 'request header with the shopper id the storefront sends, for counting distinct clients (else X-Forwarded-For, else the peer address)',
    parse: (raw: string) => {
      if (!/^[A-Za-z0-9-]+$/.test(raw)) throw new SettingError('must be an HTTP header name');
      return raw.toLowerCase();
    },
    default: 'x-client-id',
  },
  popularFlushMs: {
    env: 'SEARCH_POPULAR_FLUSH_MS',
    help: 'how often counted searches are sent to the cache in one call (0: each search at once)',
    parse: integer(0, 60_000),
    default: 1000,
  },
  logLevel: {
    env: 'SEARCH_LOG_LEVEL',
    flag: '--log-level <level>',
    help: `pino log level (${LOG_LEVELS.join(', ')})`,
    parse: oneOf(LOG_LEVELS),
    default: 'info',
  },
  vectorIndex: {
    env: 'SEARCH_VECTOR_INDEX',
    flag: '--vector-index <mode>',
    help: 'auto (the HNSW graph once an exact scan costs over ~1 ms), exact or hnsw',
    parse: oneOf(VECTOR_INDEX_MODES),
    default: 'auto',
  },
  embeddingsIn: {
    env: 'SEARCH_EMBEDDINGS_IN',
    flag: '--embeddings-in <where>',
    // npm run bench:memory measures both: what each process holds, and what page-cache reads cost a search.
    help: 'where the float32 product vectors live: memory (read into this process) or page-cache (read per search from embeddings.npy; shared by the processes of a node)',
    parse: oneOf(EMBEDDINGS_RESIDENCES),
    default: 'memory',
  },
  vectorThreads: {
    env: 'SEARCH_VECTOR_THREADS',
    // os.availableParallelism is the node's CPU count inside a container, not the pod's share: the chart sets the
    // variable from the pod's CPU request instead.
    help: 'native threads per batched vector search (default: the CPUs this process may use)',
    parse: integer(1, 256),
    default: () => Math.max(1, availableParallelism()),
  },
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof SEARCH_SETTINGS;
/** Every value a setting takes is a string or a number. */
export type SearchSetting = Setting<string | number>;
export type SearchSettingName = keyof Settings;
type ValueOf<K extends SearchSettingName> = ReturnType<Settings[K]['parse']>;
type AlwaysSet = {
  [K in SearchSettingName]: Settings[K] extends { default: unknown } | { required: true } ? K : never;
}[SearchSettingName];

/** The service's settings, read and checked. Settings with neither a default nor `required` may be absent. */
export type SearchConfig = { readonly [K in AlwaysSet]: ValueOf<K> } & {
  readonly [K in Exclude<SearchSettingName, AlwaysSet>]?: ValueOf<K>;
};

/** Each setting's environment variable: the names the search chart sets. */
export const SEARCH_ENV = Object.fromEntries(
  Object.entries(SEARCH_SETTINGS).map(([name, setting]) => [name, setting.env]),
) as { readonly [K in SearchSettingName]: Settings[K]['env'] };

/** Flag values as the command line gives them (strings), by setting name. */
export type SearchFlags = Partial<Record<SearchSettingName, string>>;

/** A bad setting; the message names the variable (or flag) and the value received. */
export class SearchConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The flag's long name (`--vector-index`), or undefined. */
export function flagName(setting: { readonly flag?: string }): string | undefined {
  return setting.flag?.split(' ')[0];
}

/**
 * Reads one setting: its flag over its variable over its default; undefined for an unset optional one. Commands
 * that need only a few settings (`search suggestions`) read just those.
 */
export function readSetting<K extends SearchSettingName>(
  name: K,
  env: Env = process.env,
  flags: SearchFlags = {},
): SearchConfig[K] {
  const setting: Setting<unknown> = SEARCH_SETTINGS[name];
  const flag = flagName(setting);
  const fromFlag = flags[name];
  const source =
    fromFlag !== undefined ? { raw: fromFlag, label: flag ?? name } : { raw: env[setting.env], label: setting.env };
  const raw = setting.isVerbatim ? source.raw : source.raw?.trim();
  if (raw === undefined || raw === '') {
    if (setting.default !== undefined) {
      return (
        typeof setting.default === 'function' ? (setting.default as () => unknown)() : setting.default
      ) as SearchConfig[K];
    }
    if (setting.required)
      throw new SearchConfigError(`${setting.env}${flag ? ` (or ${flag})` : ''}: required — ${setting.help}`);
    return undefined as SearchConfig[K];
  }
  try {
    return setting.parse(raw) as SearchConfig[K];
  } catch (err) {
    if (!(err instanceof SettingError)) throw err;
    throw new SearchConfigError(`${source.label}: ${err.message} (got ${JSON.stringify(raw)})`);
  }
}

/** Reads every setting: `flags` over `env` over the defaults. */
export function loadSearchConfig(env: Env = process.env, flags: SearchFlags = {}): SearchConfig {
  const config: Record<string, unknown> = {};
  for (const name of Object.keys(SEARCH_SETTINGS) as SearchSettingName[]) {
    const value = readSetting(name, env, flags);
    if (value !== undefined) config[name] = value;
  }
  return config as SearchConfig;
}
