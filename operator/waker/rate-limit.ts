/**
 * The waker's two brakes on API traffic, both on an injected clock: a token bucket across all namespaces, and at
 * most one wake attempt per namespace per interval (further page views in the interval reuse its answer).
 */

/** `capacity` tokens at most, refilled continuously at `perMinute`. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly capacity: number,
    private readonly perMinute: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.lastMs = nowMs;
  }

  /** Takes a token if there is one. */
  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perMinute) / 60_000);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One answer per key per interval: the first caller's work is shared by every caller until the interval ends. */
export class PerKeyInterval<T> {
  private readonly last = new Map<string, { atMs: number; result: Promise<T> }>();

  constructor(private readonly intervalMs: number) {}

  /** The answer of an attempt still fresh at `nowMs`, if any. */
  recent(key: string, nowMs: number): Promise<T> | undefined {
    const entry = this.last.get(key);
    return entry && nowMs - entry.atMs < this.intervalMs ? entry.result : undefined;
  }

  record(key: string, nowMs: number, result: Promise<T>): void {
    this.last.set(key, { atMs: nowMs, result });
  }
}
