/**
 * Work to finish once the whole mocha run is over, for things a suite starts once per run and shares (the local
 * control plane). The root hook (test/hooks.ts) imports only this file, so a run that starts nothing loads nothing
 * else: the code that starts such a thing registers its stop here when, and only when, it starts it.
 */

type Teardown = () => Promise<void>;

const teardowns: Teardown[] = [];

/** Runs `stop` after the last test of this run (last registered, first run). */
export function atRunEnd(stop: Teardown): void {
  teardowns.push(stop);
}

/** Runs every registered stop, each once, even when one fails; then reports every failure together. */
export async function runTeardowns(): Promise<void> {
  const errors: unknown[] = [];
  while (teardowns.length > 0) {
    const stop = teardowns.pop()!;
    try {
      await stop();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} run teardowns failed`);
}
