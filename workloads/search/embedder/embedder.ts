/**
 * Turns text into unit-length vectors. The index build embeds the catalog with it and the service embeds
 * queries with the same model; `modelId` and `dimensions` are recorded in the index manifest so a mismatch is
 * caught at start-up instead of returning nonsense.
 */
export interface Embedder {
  /** Identifies the model (name and a hash of its files), part of every cache key. */
  readonly modelId: string;
  readonly dimensions: number;
  /** One L2-normalised vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}
