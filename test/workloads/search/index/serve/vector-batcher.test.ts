import assert from 'node:assert/strict';
import { HnswVectorIndex } from '../../../../../workloads/search/index/serve/ann/hnsw-index.js';
import { VectorSearchBatcher } from '../../../../../workloads/search/index/serve/vector-batcher.js';
import {
  ExactVectorIndex,
  type Hit,
  type VectorIndex,
} from '../../../../../workloads/search/index/serve/vector-index.js';
import { clusteredVectors } from '../../../../helpers/clustered-vectors.js';

const DIMS = 32;

describe('workloads/search/index/serve/vector-batcher', () => {
  const data = clusteredVectors(3000, DIMS, { seed: 5 });
  const queries = Array.from({ length: 40 }, (_, q) => clusteredVectors(1, DIMS, { seed: 100 + q }));
  let graph: HnswVectorIndex;
  before(async () => {
    graph = await HnswVectorIndex.build(data, DIMS);
  });

  it('answers searches in flight together with one batch, each with its own answer', async () => {
    const sizes: number[] = [];
    const batcher = new VectorSearchBatcher(graph, { onBatch: (size) => sizes.push(size) });
    const results = await Promise.all(queries.map((q) => batcher.search(q, 10)));
    assert.deepEqual(
      results,
      queries.map((q) => graph.search(q, 10)),
    );
    assert.deepEqual(sizes, [40]);
  });

  it('splits by k and by the batch limit', async () => {
    const sizes: number[] = [];
    const batcher = new VectorSearchBatcher(graph, { maxBatch: 16, onBatch: (size) => sizes.push(size) });
    const results = await Promise.all(queries.map((q, i) => batcher.search(q, i % 4 === 0 ? 3 : 10)));
    results.forEach((hits, i) =>
      assert.deepEqual(hits, graph.search(queries[i] as Float32Array, i % 4 === 0 ? 3 : 10)),
    );
    assert.deepEqual(
      [...sizes].sort((a, b) => a - b),
      [10, 14, 16],
    );
  });

  it('answers a lone search, and searches of later turns, in batches of their own', async () => {
    const sizes: number[] = [];
    const batcher = new VectorSearchBatcher(graph, { onBatch: (size) => sizes.push(size) });
    assert.deepEqual(await batcher.search(queries[0] as Float32Array, 5), graph.search(queries[0] as Float32Array, 5));
    await Promise.all([batcher.search(queries[1] as Float32Array, 5), batcher.search(queries[2] as Float32Array, 5)]);
    assert.deepEqual(sizes, [1, 2]);
  });

  it('answers filtered searches directly, and an index without a batch path directly', async () => {
    const sizes: number[] = [];
    const rows = Uint32Array.from([1, 2, 3, 500, 2999]);
    const batcher = new VectorSearchBatcher(graph, { onBatch: (size) => sizes.push(size) });
    assert.deepEqual(
      await batcher.search(queries[0] as Float32Array, 3, rows),
      graph.search(queries[0] as Float32Array, 3, rows),
    );
    const exact = new ExactVectorIndex(data, DIMS);
    const direct = new VectorSearchBatcher(exact, { onBatch: (size) => sizes.push(size) });
    assert.deepEqual(await direct.search(queries[0] as Float32Array, 3), exact.search(queries[0] as Float32Array, 3));
    assert.deepEqual(sizes, []);
  });

  it('fails a malformed query alone, and a failing batch fails each of its searches with the error', async () => {
    const batcher = new VectorSearchBatcher(graph);
    const [bad, good] = await Promise.allSettled([
      batcher.search(new Float32Array(DIMS + 1), 5),
      batcher.search(queries[0] as Float32Array, 5),
    ]);
    assert.equal(bad.status, 'rejected');
    assert.match(String(bad.reason), /query has 33 dimensions, the index 32/);
    assert.equal(good.status, 'fulfilled');

    const broken: VectorIndex = {
      count: 1,
      dimensions: DIMS,
      vector: () => new Float32Array(DIMS),
      search: (): Hit[] => [],
      searchBatch: (): Hit[][] => {
        throw new Error('native search failed');
      },
    };
    const failing = new VectorSearchBatcher(broken);
    const settled = await Promise.allSettled(queries.slice(0, 3).map((q) => failing.search(q, 5)));
    for (const outcome of settled) {
      assert.equal(outcome.status, 'rejected');
      assert.match(String(outcome.reason), /native search failed/);
    }
  });

  it('refuses a batch limit that is not a positive integer', () => {
    assert.throws(
      () => new VectorSearchBatcher(graph, { maxBatch: 0 }),
      /maxBatch must be a positive integer \(got 0\)/,
    );
  });
});
