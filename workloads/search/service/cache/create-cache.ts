import type { CacheLogger } from './fail-open-cache.js';
import { MemoryCache } from './memory-cache.js';
import type { PopularitySettings, SearchCache } from './search-cache.js';
import { ValkeyCache } from './valkey-cache.js';
import type { SearchConfig } from '../config.js';

/** The popularity rules both stores apply, from the service's settings. */
export function popularitySettings(
  config: Pick<
    SearchConfig,
    'popularHalfLifeHours' | 'popularMaxEntries' | 'suggestMinClients' | 'suggestMinAgeMinutes'
  >,
): PopularitySettings {
  return {
    halfLifeMs: config.popularHalfLifeHours * 3600 * 1000,
    maxEntries: config.popularMaxEntries,
    minClients: config.suggestMinClients,
    minAgeMs: config.suggestMinAgeMinutes * 60 * 1000,
  };
}

/** The store the settings ask for: Valkey when a URL is set (its client connects in the background), else memory. */
export function createCache(
  config: SearchConfig,
  log: CacheLogger & { child(bindings: object): CacheLogger },
): SearchCache {
  const popularity = popularitySettings(config);
  if (!config.valkeyUrl) return new MemoryCache(popularity);
  return ValkeyCache.connect({
    url: config.valkeyUrl,
    ...(config.valkeyPassword ? { password: config.valkeyPassword } : {}),
    keyPrefix: config.cacheKeyPrefix,
    log: log.child({ cache: 'valkey' }),
    ...popularity,
  });
}
