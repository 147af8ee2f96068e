import { strict as assert } from 'node:assert';
import type { Embedder } from '../../../../../workloads/search/embedder/embedder.js';
import type { CacheOutcome } from '../../../../../workloads/search/service/cache/fail-open-cache.js';
import {
  DEFAULT_EMBED_BATCH,
  QueryEmbeddings,
} from '../../../../../workloads/search/service/cache/query-embeddings.js';

/** A deterministic vector per text, so each request can be checked for its own vector. */
const vectorOf = (text: string): Float32Array => Float32Array.from([text.length, text.charCodeAt(0) || 0, 1]);

interface ModelCall {
  readonly texts: readonly string[];
  /** Answers with each text's own vector, or with `vectors` when given. */
  resolve(vectors?: Float32Array[]): void;
  reject(err: Error): void;
}

/**
 * An embedder whose calls end when the test says so: each embed() call is recorded and stays pending until the
 * test resolves or rejects it. `call(n)` waits for the n-th call (0-based) to be made, so the tests synchronise on
 * what the code does, never on time.
 */
class ControlledEmbedder implements Embedder {
  readonly modelId = 'controlled@000000000000';
  readonly dimensions = 3;
  readonly calls: ModelCall[] = [];
  private readonly waiting: Array<{ index: number; resolve: (call: ModelCall) => void }> = [];

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      const call: ModelCall = {
        texts: [...texts],
        resolve: (vectors) => resolve(vectors ?? texts.map(vectorOf)),
        reject,
      };
      this.calls.push(call);
      const index = this.calls.length - 1;
      for (const waiter of this.waiting.filter((w) => w.index === index)) waiter.resolve(call);
    });
  }

  call(index: number): Promise<ModelCall> {
    const made = this.calls[index];
    if (made) return Promise.resolve(made);
    return new Promise((resolve) => this.waiting.push({ index, resolve }));
  }
}

/** A cache in a Map; reads answer asynchronously, as every real one does. */
class MapCache {
  readonly entries = new Map<string, Float32Array>();

  setEmbedding(key: string, vector: Float32Array): void {
    this.entries.set(key, vector);
  }

  session(): {
    getEmbeddings(
      keys: readonly string[],
    ): Promise<{ vectors: Array<Float32Array | undefined>; outcome: CacheOutcome }>;
  } {
    return {
      getEmbeddings: async (keys) => {
        await Promise.resolve();
        const vectors = keys.map((key) => this.entries.get(key));
        return { vectors, outcome: vectors.every(Boolean) ? 'hit' : 'miss' };
      },
    };
  }
}

/** A turn of the event loop passes (what separates requests that arrive one after another). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setUp(maxBatch?: number): { embedder: ControlledEmbedder; cache: MapCache; embeddings: QueryEmbeddings } {
  const embedder = new ControlledEmbedder();
  const cache = new MapCache();
  const options = maxBatch === undefined ? {} : { maxBatch };
  return { embedder, cache, embeddings: new QueryEmbeddings(embedder, cache, 60, undefined, options) };
}

describe('QueryEmbeddings', () => {
  it('embeds the misses of one turn of the event loop in one model call, each request getting its own vector', async () => {
    const { embedder, cache, embeddings } = setUp();
    const texts = ['red shoes', 'oak table', 'wool hat', 'navy coat'];
    const requests = texts.map((text) => embeddings.embed([text], cache.session()));
    (await embedder.call(0)).resolve();
    const results = await Promise.all(requests);
    assert.deepEqual(embedder.calls[0]?.texts, texts);
    results.forEach((result, i) => {
      assert.equal(result.outcome, 'miss');
      assert.deepEqual(result.vectors, [vectorOf(texts[i] as string)]);
    });
    assert.equal(embedder.calls.length, 1);

    // Written to the cache: the same texts again are hits and reach no model.
    const again = await embeddings.embed(texts, cache.session());
    assert.equal(again.outcome, 'hit');
    assert.equal(embedder.calls.length, 1);
  });

  it('puts the misses that arrive while a call runs, over several turns, into the next call together', async () => {
    const { embedder, cache, embeddings } = setUp();
    const first = embeddings.embed(['red shoes'], cache.session());
    const running = await embedder.call(0);
    const later: Array<ReturnType<QueryEmbeddings['embed']>> = [];
    for (const text of ['oak table', 'wool hat', 'navy coat']) {
      later.push(embeddings.embed([text], cache.session()));
      await nextTurn();
    }
    assert.equal(embedder.calls.length, 1, 'nothing starts while a call runs');
    running.resolve();
    assert.deepEqual((await first).vectors, [vectorOf('red shoes')]);
    const next = await embedder.call(1);
    assert.deepEqual(next.texts, ['oak table', 'wool hat', 'navy coat']);
    next.resolve();
    const results = await Promise.all(later);
    assert.deepEqual(
      results.map((result) => result.vectors[0]),
      ['oak table', 'wool hat', 'navy coat'].map(vectorOf),
    );
    assert.equal(embedder.calls.length, 2);
  });

  it('embeds a text once for concurrent requests, queued or in the running call (single flight)', async () => {
    const { embedder, cache, embeddings } = setUp();
    const same = [
      embeddings.embed(['red shoes'], cache.session()),
      embeddings.embed(['  Red   SHOES '], cache.session()),
      embeddings.embed(['red shoes', 'red shoes', 'oak table'], cache.session()),
    ];
    const running = await embedder.call(0);
    assert.deepEqual(running.texts, ['red shoes', 'oak table']);
    // Wanted again while its call runs: joins it instead of queueing for another.
    same.push(embeddings.embed(['red shoes'], cache.session()));
    await nextTurn();
    running.resolve();
    const results = await Promise.all(same);
    for (const result of results) assert.deepEqual(result.vectors[0], vectorOf('red shoes'));
    assert.deepEqual(results[2]?.vectors, [vectorOf('red shoes'), vectorOf('red shoes'), vectorOf('oak table')]);
    assert.equal(embedder.calls.length, 1);
  });

  it('fails only the requests whose texts were in the failed call, and tries those texts again later', async () => {
    const { embedder, cache, embeddings } = setUp();
    const failing = [
      embeddings.embed(['red shoes'], cache.session()),
      embeddings.embed(['oak table'], cache.session()),
    ];
    const running = await embedder.call(0);
    const joined = embeddings.embed(['red shoes'], cache.session());
    const queued = embeddings.embed(['wool hat'], cache.session());
    await nextTurn();
    running.reject(new Error('model crashed'));
    for (const request of [...failing, joined]) await assert.rejects(request, /model crashed/);

    const next = await embedder.call(1);
    assert.deepEqual(next.texts, ['wool hat']);
    next.resolve();
    assert.deepEqual((await queued).vectors, [vectorOf('wool hat')]);

    // Not cached and not stuck as in flight: asked again, the text goes to the model again.
    const retry = embeddings.embed(['red shoes'], cache.session());
    const third = await embedder.call(2);
    assert.deepEqual(third.texts, ['red shoes']);
    third.resolve();
    assert.deepEqual((await retry).vectors, [vectorOf('red shoes')]);
  });

  it('fails a call whose embedder returns the wrong number of vectors, and only that call', async () => {
    const { embedder, cache, embeddings } = setUp();
    const requests = [
      embeddings.embed(['red shoes'], cache.session()),
      embeddings.embed(['oak table'], cache.session()),
    ];
    (await embedder.call(0)).resolve([vectorOf('red shoes')]);
    for (const request of requests) await assert.rejects(request, /returned 1 vectors for 2 texts/);
    assert.equal(cache.entries.size, 0);
  });

  it(`takes at most ${DEFAULT_EMBED_BATCH} texts per call by default and the rest in the calls after it`, async () => {
    const { embedder, cache, embeddings } = setUp();
    const texts = Array.from({ length: 70 }, (_, i) => `query ${i}`);
    const requests = texts.map((text) => embeddings.embed([text], cache.session()));
    for (let i = 0; i < 3; i += 1) (await embedder.call(i)).resolve();
    const results = await Promise.all(requests);
    assert.deepEqual(
      embedder.calls.map((call) => call.texts.length),
      [32, 32, 6],
    );
    assert.deepEqual(
      embedder.calls.flatMap((call) => call.texts),
      texts,
      'first come, first embedded',
    );
    results.forEach((result, i) => assert.deepEqual(result.vectors, [vectorOf(texts[i] as string)]));
  });

  it('honours a smaller maxBatch, and one text per call with maxBatch 1', async () => {
    for (const [maxBatch, sizes] of [
      [4, [4, 4, 2]],
      [1, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    ] as const) {
      const { embedder, cache, embeddings } = setUp(maxBatch);
      const requests = Array.from({ length: 10 }, (_, i) => embeddings.embed([`query ${i}`], cache.session()));
      for (let i = 0; i < sizes.length; i += 1) (await embedder.call(i)).resolve();
      await Promise.all(requests);
      assert.deepEqual(
        embedder.calls.map((call) => call.texts.length),
        sizes,
      );
    }
    assert.throws(() => setUp(0), /maxBatch must be a positive integer \(got 0\)/);
  });

  it('sends only the misses within maxNew to the model; hits come from the cache', async () => {
    const { embedder, cache, embeddings } = setUp();
    const warm = embeddings.embed(['oak table'], cache.session());
    (await embedder.call(0)).resolve();
    await warm;
    const request = embeddings.embed(['red shoes', 'oak table', 'wool hat'], cache.session(), { maxNew: 1 });
    const call = await embedder.call(1);
    assert.deepEqual(call.texts, ['red shoes']);
    call.resolve();
    const { vectors, outcome } = await request;
    assert.equal(outcome, 'miss');
    assert.deepEqual(vectors, [vectorOf('red shoes'), vectorOf('oak table'), undefined]);
  });

  it('reports each model call once, with its number of texts', async () => {
    const embedder = new ControlledEmbedder();
    const cache = new MapCache();
    const reported: number[] = [];
    const embeddings = new QueryEmbeddings(embedder, cache, 60, (seconds, texts) => {
      assert.ok(seconds >= 0);
      reported.push(texts);
    });
    const requests = ['a', 'b', 'c'].map((text) => embeddings.embed([text], cache.session()));
    (await embedder.call(0)).resolve();
    await Promise.all(requests);
    assert.deepEqual(reported, [3]);
  });
});
