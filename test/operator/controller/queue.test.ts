import { strict as assert } from 'node:assert';
import { WorkQueue } from '../../../operator/controller/queue.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

/**
 * A handler whose runs finish only when the test says so, recording each run and how many of each key run at once.
 */
function controlledHandler() {
  const runs: string[] = [];
  const pending: Array<{ key: string; finish: () => void }> = [];
  const running = new Map<string, number>();
  let mostAtOnce = 0;
  let mostOfOneKeyAtOnce = 0;
  const handler = (key: string) =>
    new Promise<void>((resolve) => {
      runs.push(key);
      running.set(key, (running.get(key) ?? 0) + 1);
      mostOfOneKeyAtOnce = Math.max(mostOfOneKeyAtOnce, running.get(key)!);
      mostAtOnce = Math.max(
        mostAtOnce,
        [...running.values()].reduce((a, b) => a + b, 0),
      );
      pending.push({
        key,
        finish: () => {
          running.set(key, running.get(key)! - 1);
          resolve();
        },
      });
    });
  return {
    handler,
    runs,
    /** Keys running now, in the order they started. */
    running: () => pending.map((p) => p.key),
    /** Finishes the oldest run of `key` and lets the queue react. */
    async finish(key: string) {
      const index = pending.findIndex((p) => p.key === key);
      assert.ok(index >= 0, `${key} is not running (running: ${pending.map((p) => p.key).join(', ')})`);
      pending.splice(index, 1)[0]!.finish();
      await settle();
    },
    /** Finishes runs, including those they lead to, until nothing runs. */
    async drain() {
      while (pending.length > 0) {
        pending.shift()!.finish();
        await settle();
      }
    },
    mostAtOnce: () => mostAtOnce,
    mostOfOneKeyAtOnce: () => mostOfOneKeyAtOnce,
  };
}

describe('WorkQueue', () => {
  describe('add', () => {
    it('runs a key added many times before its turn once', async () => {
      const h = controlledHandler();
      const queue = new WorkQueue(new ManualClock(), h.handler, 1);
      queue.add('busy');
      for (let i = 0; i < 5; i++) queue.add('a');
      assert.deepEqual(h.running(), ['busy'], 'one worker: a waits');
      await h.drain();
      assert.deepEqual(h.runs, ['busy', 'a']);
    });

    it('runs a key changed while it runs once more after it finishes, however often it changed', async () => {
      const h = controlledHandler();
      const queue = new WorkQueue(new ManualClock(), h.handler, 4);
      queue.add('a');
      for (let i = 0; i < 3; i++) queue.add('a');
      assert.deepEqual(h.running(), ['a'], 'the changes wait for the run in progress');
      await h.finish('a');
      assert.deepEqual(h.runs, ['a', 'a'], 'one more run, for all three changes');
      await h.drain();
      assert.deepEqual(h.runs, ['a', 'a']);
    });

    it('does not run a key again when nothing changed while it ran', async () => {
      const h = controlledHandler();
      const queue = new WorkQueue(new ManualClock(), h.handler, 4);
      queue.add('a');
      await h.drain();
      assert.deepEqual(h.runs, ['a']);
      queue.add('a');
      await h.drain();
      assert.deepEqual(h.runs, ['a', 'a'], 'a later add runs it again');
    });

    it('never runs the same key twice at once, even with idle workers', async () => {
      const h = controlledHandler();
      const queue = new WorkQueue(new ManualClock(), h.handler, 4);
      queue.add('a');
      queue.add('a');
      queue.add('b');
      assert.deepEqual(h.running(), ['a', 'b']);
      await h.drain();
      assert.equal(h.mostOfOneKeyAtOnce(), 1);
      assert.deepEqual(h.runs, ['a', 'b', 'a']);
    });

    it('runs at most `workers` keys at once, and the next waiting key when one finishes', async () => {
      const h = controlledHandler();
      const queue = new WorkQueue(new ManualClock(), h.handler, 2);
      for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
      assert.deepEqual(h.running(), ['a', 'b']);
      await h.finish('b');
      assert.deepEqual(h.running(), ['a', 'c'], 'c takes the free worker, in the order added');
      await h.drain();
      assert.deepEqual(h.runs, ['a', 'b', 'c', 'd']);
      assert.equal(h.mostAtOnce(), 2);
    });
  });

  describe('addAfter', () => {
    it('adds the key when its delay has passed on the clock, not before', async () => {
      const h = controlledHandler();
      const clock = new ManualClock();
      const queue = new WorkQueue(clock, h.handler);
      queue.addAfter('a', 1_000);
      await clock.advance(999);
      assert.deepEqual(h.runs, []);
      await clock.advance(1);
      assert.deepEqual(h.runs, ['a']);
    });

    it('keeps the earlier timer when a later one is asked for', async () => {
      const h = controlledHandler();
      const clock = new ManualClock();
      const queue = new WorkQueue(clock, h.handler);
      queue.addAfter('a', 1_000);
      queue.addAfter('a', 60_000);
      assert.equal(clock.pendingTimers, 1, 'one timer per key');
      await clock.advance(1_000);
      assert.deepEqual(h.runs, ['a'], 'the later request did not push the run back');
      await h.drain();
      await clock.advance(120_000);
      assert.deepEqual(h.runs, ['a'], 'and it left no timer of its own');
    });

    it('replaces a later timer with an earlier one', async () => {
      const h = controlledHandler();
      const clock = new ManualClock();
      const queue = new WorkQueue(clock, h.handler);
      queue.addAfter('a', 60_000);
      queue.addAfter('a', 1_000);
      assert.equal(clock.pendingTimers, 1, 'the later timer is cancelled');
      await clock.advance(1_000);
      assert.deepEqual(h.runs, ['a']);
      await h.drain();
      await clock.advance(120_000);
      assert.deepEqual(h.runs, ['a'], 'the cancelled timer never fires');
    });

    it('compares timers by when they fire, not by their delays', async () => {
      const h = controlledHandler();
      const clock = new ManualClock();
      const queue = new WorkQueue(clock, h.handler);
      queue.addAfter('a', 10_000); // fires at +10 s
      await clock.advance(5_000);
      queue.addAfter('a', 8_000); // would fire at +13 s: later, though its delay is shorter
      await clock.advance(5_000);
      assert.deepEqual(h.runs, ['a'], 'ran at +10 s');
      await h.drain();
      await clock.advance(10_000);
      assert.deepEqual(h.runs, ['a']);
    });

    it('takes a new delay once the timer for the key has fired', async () => {
      const h = controlledHandler();
      const clock = new ManualClock();
      const queue = new WorkQueue(clock, h.handler);
      queue.addAfter('a', 1_000);
      await clock.advance(1_000);
      await h.drain();
      queue.addAfter('a', 5_000);
      await clock.advance(5_000);
      assert.deepEqual(h.runs, ['a', 'a']);
    });

    it('keeps timers of different keys apart', async () => {
      const h = controlledHandler();
      const clock = new ManualClock();
      const queue = new WorkQueue(clock, h.handler);
      queue.addAfter('a', 2_000);
      queue.addAfter('b', 1_000);
      await clock.advance(1_000);
      assert.deepEqual(h.runs, ['b']);
      await clock.advance(1_000);
      assert.deepEqual(h.runs, ['b', 'a']);
    });
  });

  describe('shutdown', () => {
    it('resolves only once the running handlers have finished', async () => {
      const h = controlledHandler();
      const queue = new WorkQueue(new ManualClock(), h.handler, 2);
      queue.add('a');
      queue.add('b');
      let done = false;
      const stopped = queue.shutdown().then(() => (done = true));
      await settle();
      assert.equal(done, false, 'a and b still run');
      await h.finish('a');
      assert.equal(done, false, 'b still runs');
      await h.finish('b');
      await stopped;
      assert.equal(done, true);
    });

    it('resolves at once when nothing runs', async () => {
      const queue = new WorkQueue(new ManualClock(), controlledHandler().handler);
      await queue.shutdown();
    });

    it('starts nothing new: not the waiting keys, not a key changed while running, not later adds or timers', async () => {
      const h = controlledHandler();
      const clock = new ManualClock();
      const queue = new WorkQueue(clock, h.handler, 1);
      queue.add('a');
      queue.add('waiting');
      queue.add('a'); // changed while running: would run again
      queue.addAfter('timed', 1_000);
      const stopped = queue.shutdown();
      assert.equal(clock.pendingTimers, 0, 'timers are cancelled');
      queue.add('late');
      queue.addAfter('late-timed', 1);
      await h.finish('a');
      await stopped;
      await clock.advance(10_000);
      assert.deepEqual(h.runs, ['a']);
      assert.equal(clock.pendingTimers, 0);
    });
  });
});
