/** The only place that reads the real time; everything else gets a Clock, so tests can move time. */
export interface Clock {
  now(): Date;
  /** Calls `fn` after `ms` milliseconds of this clock; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(ms, fn) {
    // setTimeout's limit is 2^31-1 ms (~24.8 days); longer waits are re-armed by the next reconcile.
    const handle = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    return () => clearTimeout(handle);
  },
};
