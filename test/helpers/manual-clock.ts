/**
 * A Clock for unit tests that only moves when told to: `set` jumps to an instant without running timers (a
 * reconcile at a chosen time), `advance` moves forward and runs each timer that comes due, in order, letting the
 * promise chains it starts settle before the next. Nothing here waits on real time.
 */
import type { Clock } from '../../operator/clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Lets every promise chain that is ready run: fakes answer on the microtask queue, which drains before this. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  constructor(iso = '2026-01-05T09:00:00Z') {
    this.t = Date.parse(iso);
  }

  now(): Date {
    return new Date(this.t);
  }

  /** Jumps to an instant; timers do not run (use `advance` for that). */
  set(iso: string): void {
    this.t = Date.parse(iso);
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Timers armed and neither run nor cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves `ms` forward, running due timers in time order (then in the order they were set). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.delete(due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    await settle();
  }
}
