/**
 * The one polling loop of the tests: for state that has no event to wait on (a server's port opening, a watch
 * catching up). Bounds are generous on purpose — a loaded 2-core machine must not fail them — and the error says
 * what was awaited and the last thing the probe threw.
 */

/** Polls `probe` until it returns a value other than undefined, and returns that value. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  const detail = last instanceof Error ? `: ${last.message}` : last !== undefined ? `: ${JSON.stringify(last)}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

/** Polls `check` until it is true. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
  everyMs = 25,
): Promise<void> {
  await waitFor(what, timeoutMs, async () => ((await check()) ? true : undefined), everyMs);
}
