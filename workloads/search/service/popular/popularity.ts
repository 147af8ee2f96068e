import { createHash } from 'node:crypto';
import type { CacheSession, FailOpenCache } from '../cache/fail-open-cache.js';
import type { PopularQuery, QueryObservation } from '../cache/search-cache.js';
import { Blocklist } from './blocklist.js';
import { DEFAULT_SUGGESTION_LIMITS, type SuggestionTextLimits, unsuggestableReason } from './suggestion-text.js';

/**
 * What shoppers search for, as autocomplete and related searches may show it to other shoppers:
 *
 * - Only plausible shopper text is counted (suggestion-text.ts) and nothing the blocklist names; what was counted
 *   before a term was blocked is filtered out when read.
 * - Searches are counted per client (a key the storefront sends, hashed), and the store promotes a query only
 *   once enough distinct clients searched it over enough time: one client repeating a query a thousand times
 *   promotes nothing (the stores' `minClients` / `minAgeMs`).
 * - Counts are buffered and flushed as one store call every `flushMs` (or sooner when `maxPending` distinct
 *   queries wait): a search costs no cache round trip of its own, so a busy service does not lose popularity
 *   updates to its own load, and a flush that fails loses at most that interval's counts (reported as dropped).
 */

export type PopularityUpdate = 'recorded' | 'dropped' | 'rejected';

export interface PopularityOptions {
  readonly cache: FailOpenCache;
  /** @default Blocklist.empty() */
  readonly blocklist?: Blocklist;
  /** @default DEFAULT_SUGGESTION_LIMITS */
  readonly limits?: SuggestionTextLimits;
  /** Distinct clients worth sending per query and flush: the store needs no more than its threshold. @default 3 */
  readonly minClients?: number;
  /** How often buffered counts go to the store; 0 sends each search at once. @default 1000 */
  readonly flushMs?: number;
  /** Distinct queries buffered before a flush is started early. @default 2000 */
  readonly maxPending?: number;
  /** Called with the number of searches each update covers. */
  readonly onUpdate?: (update: PopularityUpdate, searches: number) => void;
  /** The clock, for tests. @default Date.now */
  readonly now?: () => number;
}

interface Pending {
  count: number;
  readonly clients: Set<string>;
  readonly firstAt: number;
  lastAt: number;
}

/** Longest client identity taken from a header; a longer value is not an identity the storefront set. */
const MAX_IDENTITY_LENGTH = 256;

/**
 * Who searched, for counting distinct clients: the header the storefront sets for each shopper (a session or
 * visitor id, or its hash; the search service is reachable only from the web tier, which sets it), else the first
 * address of X-Forwarded-For, else the peer address.
 */
export function clientIdentity(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  peerAddress: string,
  header: string,
): string {
  const first = (value: string | string[] | undefined): string | undefined =>
    (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  const token = first(headers[header.toLowerCase()]);
  if (token && token.length <= MAX_IDENTITY_LENGTH) return `id:${token}`;
  const forwarded = first(headers['x-forwarded-for']);
  if (forwarded && forwarded.length <= MAX_IDENTITY_LENGTH) return `ip:${forwarded}`;
  return `ip:${peerAddress}`;
}

/** The hashed form of a client identity, as stored (no raw addresses or tokens leave the process). */
export function clientKey(identity: string): string {
  return createHash('sha256').update(`roleplane-search-client:${identity}`).digest('hex').slice(0, 16);
}

export class Popularity {
  readonly blocklist: Blocklist;
  readonly limits: SuggestionTextLimits;
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly minClients: number;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly onUpdate: (update: PopularityUpdate, searches: number) => void;
  private readonly now: () => number;

  constructor(private readonly options: PopularityOptions) {
    this.blocklist = options.blocklist ?? Blocklist.empty();
    this.limits = options.limits ?? DEFAULT_SUGGESTION_LIMITS;
    this.minClients = options.minClients ?? 3;
    this.flushMs = options.flushMs ?? 1000;
    this.maxPending = options.maxPending ?? 2000;
    this.onUpdate = options.onUpdate ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  /** Why `query` (normalised) is never counted nor suggested, or undefined. */
  rejectionReason(query: string): string | undefined {
    const blocked = this.blocklist.match(query);
    return blocked !== undefined ? `blocked term "${blocked}"` : unsuggestableReason(query, this.limits);
  }

  /** Counts one search for `query` (normalised) by `identity` (unhashed). Never waits, never throws. */
  record(query: string, identity: string): void {
    if (this.rejectionReason(query) !== undefined) {
      this.onUpdate('rejected', 1);
      return;
    }
    const at = this.now();
    let entry = this.pending.get(query);
    if (!entry) {
      entry = { count: 0, clients: new Set(), firstAt: at, lastAt: at };
      this.pending.set(query, entry);
    }
    entry.count += 1;
    entry.lastAt = at;
    if (entry.clients.size < this.minClients) entry.clients.add(clientKey(identity));
    if (this.flushMs === 0 || this.pending.size >= this.maxPending) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Sends what is buffered as one store call; resolves when it (and any flush before it) is done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return this.flushing;
    const batch = this.pending;
    this.pending = new Map();
    const observations: QueryObservation[] = [...batch].map(([query, entry]) => ({
      query,
      count: entry.count,
      clients: [...entry.clients],
      firstAt: entry.firstAt,
      lastAt: entry.lastAt,
    }));
    const searches = observations.reduce((sum, o) => sum + o.count, 0);
    // One flush at a time, in order: a store call never races the one before it.
    this.flushing = this.flushing.then(async () => {
      const isStored = await this.options.cache.recordQueries(observations);
      this.onUpdate(isStored ? 'recorded' : 'dropped', searches);
    });
    return this.flushing;
  }

  /**
   * Popular queries for showing: the store's, without any a newer blocklist or stricter limit would refuse.
   * `undefined` when the cache did not answer.
   */
  async popularQueries(
    session: CacheSession,
    options: { readonly prefix?: string; readonly limit: number },
  ): Promise<PopularQuery[] | undefined> {
    const popular = await session.popularQueries(options);
    return popular?.filter(({ query }) => this.rejectionReason(query) === undefined);
  }

  /** Flushes what is buffered (shutdown). */
  async close(): Promise<void> {
    await this.flush();
  }
}
