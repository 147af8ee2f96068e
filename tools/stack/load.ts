/**
 * A bounded, closed-loop HTTP load over loopback: `concurrency` workers each send the next request of a fixed mix
 * as soon as their last one finished, for a fixed time. Every request is recorded with its outcome, so the fault
 * table counts what visitors saw, not what a server says about itself.
 */
import { performance } from 'node:perf_hooks';

export interface Target {
  /** What the request stands for in the table, e.g. `cached page` or `uncached page`. */
  readonly kind: string;
  readonly url: () => string;
}

export interface Sample {
  readonly kind: string;
  readonly status: number; // 0 when no response arrived (refused, reset, timed out)
  readonly ms: number;
  /** nginx's X-Cache-Status (HIT, STALE, UPDATING, MISS, …), when the response went through the page cache. */
  readonly cache?: string;
  readonly error?: string;
}

export interface LoadOptions {
  readonly targets: readonly Target[];
  readonly seconds: number;
  readonly concurrency: number;
  /** A request that has had no answer by then counts as failed (a hang is a failure a visitor sees). */
  readonly requestTimeoutMs: number;
}

async function once(target: Target, timeoutMs: number): Promise<Sample> {
  const started = performance.now();
  try {
    const response = await fetch(target.url(), { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    const cache = response.headers.get('x-cache-status') ?? undefined;
    return {
      kind: target.kind,
      status: response.status,
      ms: performance.now() - started,
      ...(cache ? { cache } : {}),
    };
  } catch (error) {
    return { kind: target.kind, status: 0, ms: performance.now() - started, error: (error as Error).message };
  }
}

export async function runLoad(options: LoadOptions): Promise<Sample[]> {
  if (options.targets.length === 0) throw new Error('load: no targets');
  const samples: Sample[] = [];
  const until = performance.now() + options.seconds * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const target = options.targets[next++ % options.targets.length] as Target;
      samples.push(await once(target, options.requestTimeoutMs));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return samples;
}

export interface Summary {
  readonly requests: number;
  readonly ok: number;
  /** Answered from the page cache (HIT, STALE, UPDATING). */
  readonly fromCache: number;
  /** Of those, stored copies past their freshness (STALE, UPDATING): the app could not give a new one. */
  readonly stale: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** 2xx and 3xx are successes; a 4xx or 5xx, or no response, is a failure the visitor sees. */
export function summarize(samples: readonly Sample[]): Summary {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const ok = samples.filter((s) => s.status >= 200 && s.status < 400).length;
  const fromCache = samples.filter((s) => s.cache === 'HIT' || s.cache === 'STALE' || s.cache === 'UPDATING').length;
  const stale = samples.filter((s) => s.cache === 'STALE' || s.cache === 'UPDATING').length;
  return {
    requests: samples.length,
    ok,
    fromCache,
    stale,
    failed: samples.length - ok,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms[ms.length - 1] ?? 0,
  };
}
