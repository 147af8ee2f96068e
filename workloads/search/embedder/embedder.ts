import type { ModelIdentity } from './model-dir.js';

/**
 * Turns text into unit-length vectors. The index build embeds the catalog with it and the service embeds
 * queries with the same model; `modelId` and `dimensions` are recorded in the index manifest so a mismatch is
 * caught at start-up instead of returning nonsense.
 */
export interface Embedder {
  /** Identifies the model by its content only (model-dir.ts), part of every cache key. */
  readonly modelId: string;
  /** The files behind `modelId` and a readable name, when the model is a directory (local-model.ts). */
  readonly model?: ModelIdentity;
  readonly dimensions: number;
  /** One L2-normalised vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}
