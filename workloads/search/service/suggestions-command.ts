import { once } from 'node:events';
import { type CommandResult, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK } from '../command-result.js';
import { normalizeQuery } from '../query/normalize.js';
import { popularitySettings } from './cache/create-cache.js';
import { ValkeyCache } from './cache/valkey-cache.js';
import { readSetting, SEARCH_ENV, SearchConfigError, type SearchConfig } from './config.js';
import { Blocklist } from './popular/blocklist.js';
import { DEFAULT_SUGGESTION_LIMITS, unsuggestableReason } from './popular/suggestion-text.js';

/**
 * `roleplane search suggestions list|remove|restore|check`: what autocomplete and related searches may show, for
 * an operator. The suggestions of a service with Valkey live in Valkey, so the command talks to the same server
 * with the same settings (SEARCH_VALKEY_URL, SEARCH_VALKEY_PASSWORD, SEARCH_CACHE_KEY_PREFIX, …): inside a search
 * pod it needs no flags. `remove` takes a suggestion down at once and keeps it from coming back; a term that must
 * never be suggested, in any query, belongs in the blocklist file the chart mounts (`check` tries a query against
 * one).
 */

export type SuggestionsAction = 'list' | 'remove' | 'restore' | 'check';

export interface SuggestionsCommandOptions {
  readonly action: SuggestionsAction;
  /** The query for remove, restore and check. */
  readonly query?: string;
  readonly prefix?: string;
  /** @default 50 */
  readonly limit?: number;
  /** Overrides SEARCH_VALKEY_URL. */
  readonly valkey?: string;
  /** For check: a blocklist file. @default SEARCH_SUGGEST_BLOCKLIST */
  readonly blocklist?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for Valkey to accept the connection. @default 5000 */
  readonly connectTimeoutMs?: number;
}

const PREFIX = 'roleplane search suggestions';

/** The settings the command reads (the service's own, from the same variables). */
type CommandSettings = Pick<
  SearchConfig,
  | 'valkeyUrl'
  | 'valkeyPassword'
  | 'cacheKeyPrefix'
  | 'suggestMaxLength'
  | 'suggestBlocklist'
  | 'popularHalfLifeHours'
  | 'popularMaxEntries'
  | 'suggestMinClients'
  | 'suggestMinAgeMinutes'
>;

export async function runSuggestionsCommand(options: SuggestionsCommandOptions): Promise<CommandResult> {
  const env = options.env ?? process.env;
  const fail = (message: string, exitCode = EXIT_BAD_INPUT): CommandResult => ({
    stdout: '',
    stderr: `${PREFIX} ${options.action}: ${message}\n`,
    exitCode,
  });
  const query = normalizeQuery(options.query ?? '');
  if (options.action !== 'list' && query === '') return fail('give the query, e.g. "red boots"');

  let settings: CommandSettings;
  try {
    const flags = options.valkey !== undefined ? { valkeyUrl: options.valkey } : {};
    settings = {
      valkeyUrl: readSetting('valkeyUrl', env, flags),
      valkeyPassword: readSetting('valkeyPassword', env),
      cacheKeyPrefix: readSetting('cacheKeyPrefix', env),
      suggestMaxLength: readSetting('suggestMaxLength', env),
      suggestBlocklist: readSetting(
        'suggestBlocklist',
        env,
        options.blocklist !== undefined ? { suggestBlocklist: options.blocklist } : {},
      ),
      popularHalfLifeHours: readSetting('popularHalfLifeHours', env),
      popularMaxEntries: readSetting('popularMaxEntries', env),
      suggestMinClients: readSetting('suggestMinClients', env),
      suggestMinAgeMinutes: readSetting('suggestMinAgeMinutes', env),
    };
  } catch (err) {
    if (err instanceof SearchConfigError) return fail(err.message);
    throw err;
  }

  if (options.action === 'check') {
    let blocked: string | undefined;
    try {
      blocked = settings.suggestBlocklist ? Blocklist.load(settings.suggestBlocklist).match(query) : undefined;
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    const reason =
      blocked !== undefined
        ? `blocked term "${blocked}"`
        : unsuggestableReason(query, { ...DEFAULT_SUGGESTION_LIMITS, maxLength: settings.suggestMaxLength });
    return {
      stdout: reason === undefined ? `"${query}" may be suggested\n` : `"${query}" is never suggested: ${reason}\n`,
      stderr: '',
      exitCode: EXIT_OK,
    };
  }

  if (!settings.valkeyUrl) {
    return fail(
      `no Valkey: set ${SEARCH_ENV.valkeyUrl} or --valkey (a service without Valkey keeps its suggestions in its own process until it restarts)`,
    );
  }
  const cache = ValkeyCache.connect({
    url: settings.valkeyUrl,
    ...(settings.valkeyPassword ? { password: settings.valkeyPassword } : {}),
    keyPrefix: settings.cacheKeyPrefix,
    log: { info: () => undefined, warn: () => undefined },
    ...popularitySettings(settings),
  });
  try {
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    // `once` rejects on the client's first 'error' (a refused connection); a silent network makes it time out.
    const ready = once(cache.client, 'ready').then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    const timedOut = new Promise<string>((resolve) =>
      setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs).unref(),
    );
    const problem = await Promise.race([ready, timedOut]);
    if (problem !== undefined) return fail(`cannot reach Valkey at ${settings.valkeyUrl}: ${problem}`, EXIT_FAILED);
    switch (options.action) {
      case 'list': {
        const popular = await cache.popularQueries({
          ...(options.prefix ? { prefix: normalizeQuery(options.prefix) } : {}),
          limit: options.limit ?? 50,
        });
        const lines = popular.map(({ query: q, count }) => `${count.toFixed(2)}\t${q}\n`).join('');
        return { stdout: lines, stderr: popular.length === 0 ? 'no suggestions yet\n' : '', exitCode: EXIT_OK };
      }
      case 'remove': {
        const found = await cache.removeQuery(query);
        return {
          stdout: found
            ? `removed "${query}"; it will not be suggested again (restore to undo)\n`
            : `"${query}" was not a suggestion; it will not become one (restore to undo)\n`,
          stderr: '',
          exitCode: EXIT_OK,
        };
      }
      case 'restore': {
        const wasRemoved = await cache.restoreQuery(query);
        return {
          stdout: wasRemoved
            ? `"${query}" may be suggested again once enough shoppers search it\n`
            : `"${query}" was not removed\n`,
          stderr: '',
          exitCode: EXIT_OK,
        };
      }
    }
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), EXIT_FAILED);
  } finally {
    await cache.close();
  }
}
