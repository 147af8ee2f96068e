import type { Embedder } from '../../workloads/search/embedder/embedder.js';

/**
 * The cheapest embedder an index build accepts: 4-dimensional unit vectors that depend only on the text's length
 * (or on `vector`), and `failOnCall` makes the n-th embed() call throw, to test a build that fails part way.
 */
export function fakeEmbedder(
  options: { failOnCall?: number; vector?: (text: string) => number[] } = {},
): Embedder & { calls: number; texts: string[] } {
  const fake = {
    modelId: 'fake@000000000000',
    dimensions: 4,
    calls: 0,
    /** Every text embedded, in order. */
    texts: [] as string[],
    async embed(texts: readonly string[]): Promise<Float32Array[]> {
      fake.calls += 1;
      fake.texts.push(...texts);
      if (fake.calls === options.failOnCall) throw new Error('embedder crashed mid-build');
      return texts.map((text) =>
        Float32Array.from(options.vector?.(text) ?? [0.5, 0.5, 0.5, text.length % 2 === 0 ? 0.5 : -0.5]),
      );
    },
  };
  return fake;
}
