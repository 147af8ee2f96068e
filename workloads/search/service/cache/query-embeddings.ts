import type { Embedder } from '../../embedder/embedder.js';
import type { CacheOutcome, CacheSession, FailOpenCache } from './fail-open-cache.js';
import { embeddingKey } from './search-cache.js';
import { normalizeQuery } from '../../query/normalize.js';

/**
 * Query text → vector, through the cache: look the normalised text up, embed what is missing, write the new
 * vectors back without waiting.
 *
 * Cache misses are batched. A sentence encoder costs tens of milliseconds per call however few texts it gets (a
 * BERT-base reads all its weights for every call), so concurrent misses share calls:
 *   - misses that arrive in the same turn of the event loop go into one model call;
 *   - misses that arrive while a call is running wait and go into the next call together;
 *   - one call takes at most `maxBatch` texts; the rest wait for the call after it;
 *   - one text is embedded once however many requests want it at the same time ("single flight");
 *   - a call that fails fails the requests whose texts were in it, and no others; their texts are not cached, so
 *     the next request for them tries again.
 * One model call runs at a time: an in-process model already uses every core it is given for one call (and
 * onnxruntime-node runs it on the event loop's thread).
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

export interface QueryEmbeddingsOptions {
  /**
   * The most texts in one model call. Larger batches give more texts per second and make each text in them
   * wait for the whole batch. The local embedder's own batch size is 32 too.
   * @default 32
   */
  readonly maxBatch?: number;
}

export const DEFAULT_EMBED_BATCH = 32;

/** What QueryEmbeddings needs of the cache: the write; reads go through the request's session. */
type EmbeddingWriter = Pick<FailOpenCache, 'setEmbedding'>;
type EmbeddingReader = Pick<CacheSession, 'getEmbeddings'>;

interface Waiting {
  readonly text: string;
  readonly key: string;
  readonly promise: Promise<Float32Array>;
  readonly resolve: (vector: Float32Array) => void;
  readonly reject: (err: unknown) => void;
}

export class QueryEmbeddings {
  /** Every text queued or in the running call, by cache key: what single flight joins. */
  private readonly inFlight = new Map<string, Waiting>();
  private queue: Waiting[] = [];
  private isRunning = false;
  private isScheduled = false;
  readonly maxBatch: number;

  constructor(
    private readonly embedder: Embedder,
    private readonly cache: EmbeddingWriter,
    private readonly ttlSeconds: number,
    /** Called with the seconds each model call took and how many texts it embedded, for metrics. */
    private readonly onEmbed: (seconds: number, texts: number) => void = () => undefined,
    options: QueryEmbeddingsOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? DEFAULT_EMBED_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1)
      throw new RangeError(`QueryEmbeddings: maxBatch must be a positive integer (got ${this.maxBatch})`);
  }

  async embed(texts: readonly string[], session: EmbeddingReader, options: EmbedOptions = {}): Promise<EmbeddedTexts> {
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
    const embedded = await Promise.all(wanted.map((i) => this.vectorFor(normalized[i] as string, keys[i] as string)));
    wanted.forEach((i, j) => {
      vectors[i] = embedded[j];
    });

    const outcome: CacheOutcome = cached.outcome === 'off' ? 'off' : missing.length === 0 ? 'hit' : 'miss';
    return { vectors, outcome };
  }

  /** The text's vector from the next model call, or from the queued or running one that already has it. */
  private vectorFor(text: string, key: string): Promise<Float32Array> {
    const known = this.inFlight.get(key);
    if (known) return known.promise;
    let resolve: (vector: Float32Array) => void = () => undefined;
    let reject: (err: unknown) => void = () => undefined;
    const promise = new Promise<Float32Array>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const waiting: Waiting = { text, key, promise, resolve, reject };
    this.inFlight.set(key, waiting);
    this.queue.push(waiting);
    this.schedule();
    return promise;
  }

  /**
   * Starts the next call on the following turn of the event loop (setImmediate), so every miss of this turn is
   * in it; while a call runs, nothing starts, and its end schedules the next. Waiting a turn after a call also
   * lets the requests that arrived while a synchronous model held the thread be read first and join.
   */
  private schedule(): void {
    if (this.isRunning || this.isScheduled || this.queue.length === 0) return;
    this.isScheduled = true;
    setImmediate(() => {
      this.isScheduled = false;
      void this.runNext();
    });
  }

  private async runNext(): Promise<void> {
    if (this.isRunning || this.queue.length === 0) return;
    const batch = this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.slice(batch.length);
    this.isRunning = true;
    try {
      const vectors = await this.runModel(batch.map((waiting) => waiting.text));
      if (vectors.length !== batch.length)
        throw new Error(`the embedder returned ${vectors.length} vectors for ${batch.length} texts`);
      batch.forEach((waiting, i) => {
        const vector = vectors[i] as Float32Array;
        this.cache.setEmbedding(waiting.key, vector, this.ttlSeconds);
        waiting.resolve(vector);
      });
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
    } finally {
      for (const waiting of batch) if (this.inFlight.get(waiting.key) === waiting) this.inFlight.delete(waiting.key);
      this.isRunning = false;
      this.schedule();
    }
  }

  private async runModel(texts: readonly string[]): Promise<Float32Array[]> {
    const started = process.hrtime.bigint();
    const vectors = await this.embedder.embed(texts);
    this.onEmbed(Number(process.hrtime.bigint() - started) / 1e9, texts.length);
    return vectors;
  }
}
