import type { Clock } from '../clock.js';

/**
 * A keyed work queue: a key added many times before it runs is reconciled once; the same key never runs
 * twice at once (a change during its run queues it again); delayed adds keep only the earliest timer.
 */
export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; cancel: () => void }>();
  private readonly idleWaiters: Array<() => void> = [];
  private active = 0;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly handler: (key: string) => Promise<void>,
    private readonly workers = 4,
  ) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Adds the key after `ms`; an earlier pending timer for the key wins over a later one. */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    const at = this.clock.now().getTime() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.timers.delete(key);
      this.add(key);
    });
    this.timers.set(key, { at, cancel });
  }

  /** Stops taking work and resolves when what is running now has finished (its writes complete). */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const { cancel } of this.timers.values()) cancel();
    this.timers.clear();
    this.waiting.length = 0;
    this.queued.clear();
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.closed && this.active < this.workers && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      void this.handler(key).finally(() => {
        this.running.delete(key);
        this.active--;
        if (this.dirty.delete(key)) this.add(key);
        if (this.active === 0 && this.closed) for (const resolve of this.idleWaiters.splice(0)) resolve();
        this.pump();
      });
    }
  }
}
