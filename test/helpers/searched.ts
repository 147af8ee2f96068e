import type { QueryObservation } from '../../workloads/search/service/cache/search-cache.js';

/** Stores that count a query at once: one client is enough and a first search needs no age. */
export const COUNT_AT_ONCE = { minClients: 1, minAgeMs: 0 } as const;

/** One flush's worth of searches for `query` at `at` (by default one search by one client). */
export function searched(
  query: string,
  at: number,
  options: { readonly count?: number; readonly clients?: readonly string[]; readonly firstAt?: number } = {},
): QueryObservation {
  return {
    query,
    count: options.count ?? 1,
    clients: options.clients ?? ['client-a'],
    firstAt: options.firstAt ?? at,
    lastAt: at,
  };
}
