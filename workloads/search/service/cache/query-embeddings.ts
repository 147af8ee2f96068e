import type { Embedder } from '../../embedder/embedder.js';
import type { CacheOutcome, CacheSession, FailOpenCache } from './fail-open-cache.js';
import { embeddingKey } from './search-cache.js';
import { normalizeQuery } from '../../query/normalize.js';

/**
 * Query text → vector, through the cache: look the normalised text up, embed what is missing in one batch, write
 * the new vectors back without waiting. Concurrent requests for the same text share one embedding
 * ("single flight"), so a burst of identical queries on a cold cache costs the model one call.
 */
export interface EmbeddedTexts {
  /** One vector per text, in order; `undefined` only for texts left out by `maxNew`. */
  readonly vectors: Array<Float32Array | undefined>;
  /** hit: every text came from the cache · miss: some were embedded · off: the cache did not answer. */
  readonly outcome: CacheOutcome;
}

export interface EmbedOptions {
  /** Embed at most this many texts the cache did not have; the rest come back `undefined`. Default: all. */
  readonly maxNew?: number;
}

export class QueryEmbeddings {
  private readonly inFlight = new Map<string, Promise<Float32Array>>();

  constructor(
    private readonly embedder: Embedder,
    private readonly cache: FailOpenCache,
    private readonly ttlSeconds: number,
    /** Called with the seconds each model call took, for metrics. */
    private readonly onEmbed: (seconds: number, texts: number) => void = () => undefined,
  ) {}

  async embed(texts: readonly string[], session: CacheSession, options: EmbedOptions = {}): Promise<EmbeddedTexts> {
    const normalized = texts.map(normalizeQuery);
    const keys = normalized.map((text) => embeddingKey(this.embedder.modelId, text));
    const cached = await session.getEmbeddings(keys);
    const vectors: Array<Float32Array | undefined> = cached.vectors.map((vector) =>
      // A vector of another length is not ours (a foreign writer, a key collision across a botched deploy): a miss.
      vector && vector.length === this.embedder.dimensions ? vector : undefined,
    );

    const missing: number[] = [];
    vectors.forEach((vector, i) => {
      if (!vector) missing.push(i);
    });
    const wanted = missing.slice(0, options.maxNew ?? missing.length);
    const embedded = await this.embedMissing(
      wanted.map((i) => normalized[i] as string),
      wanted.map((i) => keys[i] as string),
    );
    wanted.forEach((i, j) => {
      vectors[i] = embedded[j];
    });

    const outcome: CacheOutcome = cached.outcome === 'off' ? 'off' : missing.length === 0 ? 'hit' : 'miss';
    return { vectors, outcome };
  }

  private async embedMissing(texts: readonly string[], keys: readonly string[]): Promise<Float32Array[]> {
    const fresh: number[] = [];
    const pending = keys.map((key, i) => {
      const running = this.inFlight.get(key);
      if (running) return running;
      fresh.push(i);
      return undefined;
    });
    if (fresh.length > 0) {
      const batch = this.runModel(fresh.map((i) => texts[i] as string));
      fresh.forEach((i, j) => {
        const key = keys[i] as string;
        const one = batch.then((vectors) => {
          const vector = vectors[j];
          if (!vector) throw new Error(`the embedder returned ${vectors.length} vectors for ${fresh.length} texts`);
          this.cache.setEmbedding(key, vector, this.ttlSeconds);
          return vector;
        });
        const settled = (): void => {
          if (this.inFlight.get(key) === one) this.inFlight.delete(key);
        };
        one.then(settled, settled);
        this.inFlight.set(key, one);
        pending[i] = one;
      });
    }
    return Promise.all(pending as Array<Promise<Float32Array>>);
  }

  private async runModel(texts: readonly string[]): Promise<Float32Array[]> {
    const started = process.hrtime.bigint();
    const vectors = await this.embedder.embed(texts);
    this.onEmbed(Number(process.hrtime.bigint() - started) / 1e9, texts.length);
    return vectors;
  }
}
