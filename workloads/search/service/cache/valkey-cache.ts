import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { CacheLogger } from './fail-open-cache.js';
import {
  CANDIDATE_TTL_MS,
  CacheTimeoutError,
  type PopularQuery,
  type PopularQueryOptions,
  type PopularitySettings,
  type QueryObservation,
  type SearchCache,
} from './search-cache.js';

/**
 * The shared cache on Valkey (or Redis ≥ 6.2: the commands used are GET/SET EX/MGET, sorted sets and EVALSHA).
 *
 * Layout, under `keyPrefix` (default "roleplane:search:"):
 *   emb:<model id>:<sha256 of the normalised text>   raw little-endian float32 bytes, with a TTL
 *   {popular}:scores   sorted set: popular query → forward-decayed score (below)
 *   {popular}:lex      sorted set: the same queries, all with score 0, for prefix lookups with ZRANGEBYLEX
 *   {popular}:epoch    the time (ms) scores are relative to
 *   {popular}:cand:<query>  hash: a query not popular yet — first search, score, distinct clients (c:<key> fields);
 *                      expires a week after its last search
 *   {popular}:removed  set: queries an operator removed (`roleplane search suggestions remove`), never counted again
 * The "{popular}" hash tag keeps the popular-query keys in one slot, as the scripts touching them together require
 * on a cluster-mode server.
 *
 * Decaying counts without a timer ("forward decay", Cormode et al. 2009): a search at time t adds
 * 2^((t − epoch) / halfLife) to its query's score instead of 1. Every score then carries the same factor
 * 2^((now − epoch) / halfLife), so ranking by score ranks by decayed count, and count = score / that factor —
 * exact at any moment, through idle periods too, with one atomic ZINCRBY per search and no periodic rewrite.
 * Increments grow with time, so when the exponent passes 64 the script rebases: it multiplies every score by
 * 2^−k (one ZUNIONSTORE with WEIGHTS) and moves the epoch forward by k half-lives. With a one-day half-life that
 * happens every two months. Past `maxEntries` (plus 10% slack) queries, the least popular are dropped, never the
 * one being counted.
 *
 * Failure behaviour is the client's: no offline queue (a command while disconnected fails at once), no retries
 * of a command, a per-command timeout and reconnection forever with a capped backoff (`valkeyClientOptions`).
 * `FailOpenCache` in front bounds what each request waits and turns every failure into a miss; the client's own
 * timeout is only a backstop for a server that never answers (commands must not pile up behind it).
 */

export interface ValkeyCacheOptions extends PopularitySettings {
  readonly log: CacheLogger;
  /** Default "roleplane:search:". */
  readonly keyPrefix?: string;
  /** The clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

export interface ValkeyConnectOptions extends ValkeyCacheOptions {
  /** redis://[user@]host:port[/db]; rediss:// for TLS. valkey:// is accepted as an alias. */
  readonly url: string;
  readonly password?: string;
  /** Per-command timeout of the client (a backstop: requests wait less, see FailOpenCache). @default 1000 */
  readonly commandTimeoutMs?: number;
}

/** What ioredis rejects a command with when its `commandTimeout` passes. */
const IOREDIS_TIMEOUT_MESSAGE = 'Command timed out';

/** Longest pause between reconnection attempts: short, so a restarted server is used again within a second. */
export const RECONNECT_MAX_DELAY_MS = 1000;
const RECONNECT_FIRST_DELAY_MS = 50;
const CONNECT_TIMEOUT_MS = 1000;
/** Prefix lookups rank at most this many lexically matching queries by popularity. */
const PREFIX_CANDIDATES = 1000;
/** Each search trims at most this many excess queries, bounding the script's work (and Lua's unpack). */
const MAX_TRIM_PER_CALL = 1000;

/**
 * The client's per-command timeout. Not the request's deadline: ioredis's timer fires in the event loop's timer
 * phase, before the reply already waiting in the socket is read, so on a busy process a short one fails commands
 * the server answered in time (measured: 19–38 % of searches at 32 connections ran without the cache with 50 ms).
 */
export const CLIENT_COMMAND_TIMEOUT_MS = 1000;

/**
 * ioredis settings for a cache that must never make a request wait: ioredis's defaults queue commands while
 * disconnected, retry each 20 times and wait 10 s to connect.
 */
export function valkeyClientOptions(options: { commandTimeoutMs?: number; password?: string } = {}): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? CLIENT_COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    keepAlive: 10_000,
    // Reconnect forever (a cache outage must end by itself), backing off 100 ms, 200 ms, … up to 1 s.
    retryStrategy: (attempt: number) =>
      Math.min(RECONNECT_FIRST_DELAY_MS * 2 ** Math.min(attempt, 10), RECONNECT_MAX_DELAY_MS),
    ...(options.password ? { password: options.password } : {}),
  };
}

// KEYS: scores, lex, epoch, removed, then one candidate hash per observation.
// ARGV: now, half-life, max entries, max trimmed, min clients, min age, candidate TTL (ms), then per observation:
// query, count, first seen, last seen, its clients' keys joined by ','.
const RECORD_SCRIPT = `
local now = tonumber(ARGV[1])
local halfLife = tonumber(ARGV[2])
local maxEntries = tonumber(ARGV[3])
local maxTrim = tonumber(ARGV[4])
local minClients = tonumber(ARGV[5])
local minAge = tonumber(ARGV[6])
local candidateTtl = ARGV[7]
local function num(x) return string.format('%.17g', x) end
local epoch = tonumber(redis.call('GET', KEYS[3]))
if not epoch then
  epoch = now
  redis.call('SET', KEYS[3], ARGV[1])
end
if (now - epoch) / halfLife > 64 then
  local shift = math.floor((now - epoch) / halfLife)
  redis.call('ZUNIONSTORE', KEYS[1], 1, KEYS[1], 'WEIGHTS', num(2 ^ (-shift)))
  epoch = epoch + shift * halfLife
  redis.call('SET', KEYS[3], string.format('%.0f', epoch))
end
-- A replica whose clock is behind (or ahead of) the epoch still adds a positive, finite amount.
local function weight(at, since)
  local e = (at - since) / halfLife
  if e < -64 then e = -64 elseif e > 80 then e = 80 end
  return 2 ^ e
end
local counted = {}
for i = 0, (#ARGV - 7) / 5 - 1 do
  local query = ARGV[8 + i * 5]
  local count = tonumber(ARGV[9 + i * 5])
  local firstAt = ARGV[10 + i * 5]
  local lastAt = tonumber(ARGV[11 + i * 5])
  local candidate = KEYS[5 + i]
  if redis.call('SISMEMBER', KEYS[4], query) == 0 then
    if redis.call('ZSCORE', KEYS[1], query) then
      redis.call('ZINCRBY', KEYS[1], num(count * weight(lastAt, epoch)), query)
      counted[query] = true
    else
      -- A candidate keeps its score relative to the epoch it started under, its first search and its clients.
      if redis.call('HSETNX', candidate, 'first', firstAt) == 1 then
        redis.call('HSET', candidate, 'epoch', string.format('%.0f', epoch))
      end
      local candidateEpoch = tonumber(redis.call('HGET', candidate, 'epoch'))
      local score = tonumber(redis.call('HINCRBYFLOAT', candidate, 'score', num(count * weight(lastAt, candidateEpoch))))
      local clients = tonumber(redis.call('HGET', candidate, 'clients') or '0')
      for client in string.gmatch(ARGV[12 + i * 5], '[^,]+') do
        if clients >= minClients then break end
        clients = clients + redis.call('HSETNX', candidate, 'c:' .. client, 1)
      end
      redis.call('HSET', candidate, 'clients', clients)
      local first = tonumber(redis.call('HGET', candidate, 'first'))
      if clients >= minClients and lastAt - first >= minAge then
        redis.call('ZINCRBY', KEYS[1], num(score * weight(candidateEpoch, epoch)), query)
        redis.call('ZADD', KEYS[2], 0, query)
        redis.call('DEL', candidate)
        counted[query] = true
      else
        redis.call('PEXPIRE', candidate, candidateTtl)
      end
    end
  end
end
-- Trim only past a slack, down to the max most popular plus the queries just counted: a new query starts at the
-- bottom and must get the chance to climb, or a full set would evict every newcomer on arrival.
local card = redis.call('ZCARD', KEYS[1])
if card > maxEntries + math.max(1, math.floor(maxEntries * 0.1)) then
  local excess = math.min(card - maxEntries, maxTrim)
  local lowest = redis.call('ZRANGE', KEYS[1], 0, excess * 2)
  local dropped = {}
  for i = 1, #lowest do
    if not counted[lowest[i]] and #dropped < excess then dropped[#dropped + 1] = lowest[i] end
  end
  if #dropped > 0 then
    redis.call('ZREM', KEYS[1], unpack(dropped))
    redis.call('ZREM', KEYS[2], unpack(dropped))
  end
end
return 1
`;

// KEYS: scores, lex, removed, the query's candidate hash. ARGV: query. Returns 1 if it was popular or a candidate.
const REMOVE_SCRIPT = `
redis.call('SADD', KEYS[3], ARGV[1])
local found = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('DEL', KEYS[4])
redis.call('ZREM', KEYS[2], ARGV[1])
if found > 0 then return 1 end
return 0
`;

// KEYS: scores, lex, epoch. ARGV: prefix ('' for all), lex max, limit.
// Returns [epoch or nil, query1, score1, query2, score2, ...]; scores as strings to keep their precision.
const POPULAR_SCRIPT = `
local out = { redis.call('GET', KEYS[3]) }
if ARGV[1] == '' then
  local ranked = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
  for i = 1, #ranked do out[#out + 1] = ranked[i] end
  return out
end
local members = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #members == 0 then return out end
local scores = redis.call('ZMSCORE', KEYS[1], unpack(members))
for i = 1, #members do
  if scores[i] then
    out[#out + 1] = members[i]
    out[#out + 1] = scores[i]
  end
end
return out
`;

interface Script {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): Script {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

const RECORD = script(RECORD_SCRIPT);
const REMOVE = script(REMOVE_SCRIPT);
const POPULAR = script(POPULAR_SCRIPT);

export class ValkeyCache implements SearchCache {
  readonly kind: string = 'valkey';
  private readonly keyPrefix: string;
  private readonly popularKeys: readonly [scores: string, lex: string, epoch: string];
  private readonly now: () => number;
  private readonly detach: () => void;

  /**
   * Uses `client` as given and leaves it open on `close` (like fastify-redis with a client passed in). Create it
   * with `valkeyClientOptions()`, or the fail-open behaviour is only as good as the client's own settings.
   */
  constructor(
    readonly client: Redis,
    private readonly options: ValkeyCacheOptions,
    private readonly ownsClient = false,
  ) {
    this.keyPrefix = options.keyPrefix ?? 'roleplane:search:';
    this.popularKeys = [
      `${this.keyPrefix}{popular}:scores`,
      `${this.keyPrefix}{popular}:lex`,
      `${this.keyPrefix}{popular}:epoch`,
    ];
    this.now = options.now ?? Date.now;
    this.detach = watchConnection(client, options.log);
  }

  /** The client's command timeout, for the error a timeout becomes. */
  private get commandTimeoutMs(): number {
    return this.client.options.commandTimeout ?? CLIENT_COMMAND_TIMEOUT_MS;
  }

  /** Creates its own client (closed again by `close`). Returns at once: the connection is made in the background. */
  static connect(options: ValkeyConnectOptions): ValkeyCache {
    const url = options.url.replace(/^valkey(s?):/, 'redis$1:');
    const client = new Redis(url, valkeyClientOptions(options));
    return new ValkeyCache(client, options, true);
  }

  isAvailable(): boolean {
    return this.client.status === 'ready';
  }

  async getEmbeddings(keys: readonly string[]): Promise<Array<Float32Array | undefined>> {
    const values = await this.call(() => this.client.mgetBuffer(keys.map((key) => this.embeddingKey(key))));
    return values.map((value) => (value ? decodeVector(value) : undefined));
  }

  async setEmbedding(key: string, vector: Float32Array, ttlSeconds: number): Promise<void> {
    // Float32Array is little-endian on every platform Node ships for, matching the documented value format.
    const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    await this.call(() => this.client.set(this.embeddingKey(key), bytes, 'EX', Math.max(1, Math.round(ttlSeconds))));
  }

  async recordQueries(observations: readonly QueryObservation[]): Promise<void> {
    if (observations.length === 0) return;
    const [scores, lex, epoch] = this.popularKeys;
    const { halfLifeMs, maxEntries, minClients, minAgeMs } = this.options;
    await this.evalScript(
      RECORD,
      [scores, lex, epoch, this.removedKey, ...observations.map(({ query }) => this.candidateKey(query))],
      [
        String(Math.round(this.now())),
        String(halfLifeMs),
        String(maxEntries),
        String(MAX_TRIM_PER_CALL),
        String(minClients),
        String(minAgeMs),
        String(CANDIDATE_TTL_MS),
        ...observations.flatMap(({ query, count, firstAt, lastAt, clients }) => [
          query,
          String(count),
          String(Math.round(firstAt)),
          String(Math.round(lastAt)),
          clients.join(','),
        ]),
      ],
    );
  }

  async removeQuery(query: string): Promise<boolean> {
    const [scores, lex] = this.popularKeys;
    const found = await this.evalScript(REMOVE, [scores, lex, this.removedKey, this.candidateKey(query)], [query]);
    return found === 1;
  }

  async restoreQuery(query: string): Promise<boolean> {
    return (await this.call(() => this.client.srem(this.removedKey, query))) === 1;
  }

  async popularQueries({ prefix, limit }: PopularQueryOptions): Promise<PopularQuery[]> {
    const hasPrefix = prefix !== undefined && prefix !== '';
    // The lexical upper bound: the prefix followed by byte 0xff, above any UTF-8 continuation.
    const lexMax = hasPrefix ? Buffer.concat([Buffer.from(`[${prefix}`), Buffer.from([0xff])]) : Buffer.alloc(0);
    const reply = await this.evalScript(
      POPULAR,
      [...this.popularKeys],
      [hasPrefix ? prefix : '', lexMax, String(hasPrefix ? PREFIX_CANDIDATES : limit)],
    );
    if (!Array.isArray(reply)) throw new Error(`unexpected reply to the popular-queries script: ${typeof reply}`);
    const [epochText, ...pairs] = reply as Array<string | null>;
    const epoch = epochText === null || epochText === undefined ? this.now() : Number(epochText);
    const factor = 2 ** ((this.now() - epoch) / this.options.halfLifeMs);
    const found: PopularQuery[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      found.push({ query: String(pairs[i]), count: Number(pairs[i + 1]) / factor });
    }
    return found
      .sort((a, b) => b.count - a.count || (a.query < b.query ? -1 : a.query > b.query ? 1 : 0))
      .slice(0, limit);
  }

  async close(): Promise<void> {
    this.detach();
    if (!this.ownsClient) return;
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      // Not connected: quit would fail (no offline queue); stop the reconnection loop instead.
      this.client.disconnect();
    }
  }

  private embeddingKey(key: string): string {
    return `${this.keyPrefix}emb:${key}`;
  }

  private candidateKey(query: string): string {
    return `${this.keyPrefix}{popular}:cand:${query}`;
  }

  private get removedKey(): string {
    return `${this.keyPrefix}{popular}:removed`;
  }

  /** EVALSHA, loading the script with EVAL the first time a server (or a restarted one) has not seen it. */
  private async evalScript(s: Script, keys: string[], args: Array<string | Buffer>): Promise<unknown> {
    try {
      return await this.call(() => this.client.evalsha(s.sha1, keys.length, ...keys, ...args));
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.call(() => this.client.eval(s.source, keys.length, ...keys, ...args));
    }
  }

  /** One client call, its timeout reported as a timeout (ioredis rejects with a plain Error). */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (err instanceof Error && err.message === IOREDIS_TIMEOUT_MESSAGE) {
        throw new CacheTimeoutError(this.commandTimeoutMs);
      }
      throw err;
    }
  }
}

/** A cached value as a vector; a value that is not whole float32s is treated as a miss. */
function decodeVector(value: Buffer): Float32Array | undefined {
  if (value.byteLength === 0 || value.byteLength % 4 !== 0) return undefined;
  // Copy: a Buffer from the socket may start at an offset that is not a multiple of 4.
  const copy = new Uint8Array(value.byteLength);
  copy.set(value);
  return new Float32Array(copy.buffer);
}

/** Logs connection state changes once each (not every failed reconnect); returns a function removing the listeners. */
function watchConnection(client: Redis, log: CacheLogger): () => void {
  let hasConnected = false;
  let isDown = false;
  let lastError: Error | undefined;
  const onReady = (): void => {
    if (isDown)
      log.info(
        { cache: 'valkey' },
        hasConnected ? 'valkey connected again: cache in use' : 'valkey connected: cache in use',
      );
    hasConnected = true;
    isDown = false;
  };
  const onError = (err: Error): void => {
    // ioredis emits 'error' for every failed attempt; without a listener it prints them all to stderr.
    lastError = err;
  };
  const onClose = (): void => {
    if (isDown) return;
    isDown = true;
    const what = hasConnected ? 'valkey connection lost' : 'valkey unreachable';
    log.warn({ cache: 'valkey', err: lastError }, `${what}: serving without the cache, reconnecting`);
  };
  client.on('ready', onReady);
  client.on('error', onError);
  client.on('close', onClose);
  return () => {
    client.off('ready', onReady);
    client.off('error', onError);
    client.off('close', onClose);
  };
}
