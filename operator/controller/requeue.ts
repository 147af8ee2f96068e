/** When a reconcile asks to run again after something went wrong, and the arithmetic of "the earliest of these". */

/**
 * After a conflict (someone else wrote the object since the cache saw it): the watch delivers the new version within
 * moments, and the next reconcile decides again on it.
 */
export const RETRY_AFTER_CONFLICT_MS = 1_000;

/**
 * After any other failure: a patch the API server refused (5xx, 429, a timeout, 403) or a reconcile that threw.
 * These mostly mean an API server that is overloaded or unavailable, so the retry must not add to its load: at
 * 10 s a failing namespace costs at most one request per workload every 10 s, while the namespace still follows
 * its schedule within 10 s of the API server recovering, well inside the minute resolution of weekly timespans.
 */
export const RETRY_AFTER_ERROR_MS = 10_000;

/** The earliest of the finite times given (ms since the epoch), or null when there is none. */
export function earliest(...times: Array<number | null | undefined>): number | null {
  const valid = times.filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return valid.length === 0 ? null : Math.min(...valid);
}
