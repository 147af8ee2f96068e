import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readNpyHeader, writeNpy } from '../../../../../workloads/search/index/format/npy.js';
import { ExactVectorIndex, type Hit, PageCacheRows } from '../../../../../workloads/search/index/serve/vector-index.js';
import { seededRandom } from '../../../../helpers/fixture-index.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';

function randomUnitVectors(count: number, dimensions: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const data = new Float32Array(count * dimensions);
  for (let row = 0; row < count; row += 1) {
    let norm = 0;
    for (let i = 0; i < dimensions; i += 1) {
      // Sum of uniforms: roughly Gaussian, so directions are spread over the sphere.
      const value = random() + random() + random() - 1.5;
      data[row * dimensions + i] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < dimensions; i += 1) data[row * dimensions + i] = (data[row * dimensions + i] as number) / norm;
  }
  return data;
}

/** The obvious algorithm: score every allowed row with a plain loop, sort everything. */
function bruteForce(
  data: Float32Array,
  dimensions: number,
  query: Float32Array,
  k: number,
  allowed: (row: number) => boolean,
): Hit[] {
  const all: Hit[] = [];
  for (let row = 0; row < data.length / dimensions; row += 1) {
    if (!allowed(row)) continue;
    let score = 0;
    for (let i = 0; i < dimensions; i += 1) score += (data[row * dimensions + i] as number) * (query[i] as number);
    all.push({ row, score });
  }
  return all.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);
}

function assertSameHits(actual: Hit[], expected: Hit[]): void {
  assert.deepEqual(
    actual.map((hit) => hit.row),
    expected.map((hit) => hit.row),
  );
  actual.forEach((hit, i) =>
    assert.ok(Math.abs(hit.score - (expected[i] as Hit).score) < 1e-9, `score of row ${hit.row}`),
  );
}

describe('ExactVectorIndex', () => {
  const dimensions = 37; // not a multiple of 4: exercises the tail of the unrolled loop
  const count = 5000;
  const data = randomUnitVectors(count, dimensions, 1);
  const queries = randomUnitVectors(25, dimensions, 2);
  const index = new ExactVectorIndex(data, dimensions);
  const query = (i: number): Float32Array => queries.subarray(i * dimensions, (i + 1) * dimensions);

  it('returns exactly the brute-force top k over all rows, best first', () => {
    for (let q = 0; q < 25; q += 1)
      assertSameHits(
        index.search(query(q), 10, undefined),
        bruteForce(data, dimensions, query(q), 10, () => true),
      );
  });

  it('is exact over a ~1% candidate subset given as rows or as a predicate', () => {
    const random = seededRandom(3);
    const allowed = new Set<number>();
    for (let row = 0; row < count; row += 1) if (random() < 0.01) allowed.add(row);
    assert.ok(allowed.size > 20 && allowed.size < 100, `selectivity ${allowed.size}/${count}`);
    const candidates = Uint32Array.from([...allowed].reverse()); // any order
    for (let q = 0; q < 25; q += 1) {
      const expected = bruteForce(data, dimensions, query(q), 10, (row) => allowed.has(row));
      assertSameHits(index.search(query(q), 10, candidates), expected);
      assertSameHits(
        index.search(query(q), 10, (row) => allowed.has(row)),
        expected,
      );
    }
  });

  it('returns every candidate when k exceeds them, and nothing for k = 0', () => {
    assert.equal(index.search(query(0), 50, [4, 8, 15]).length, 3);
    assert.equal(index.search(query(0), count + 10).length, count);
    assert.deepEqual(index.search(query(0), 0), []);
    assert.deepEqual(index.search(query(0), 5, new Uint32Array(0)), []);
  });

  it('breaks score ties by the lower row', () => {
    const twin = new Float32Array([1, 0, 0, 1, 1, 0, 0, 1]);
    const tied = new ExactVectorIndex(twin, 2);
    assert.deepEqual(
      tied.search(new Float32Array([1, 0]), 2).map((hit) => hit.row),
      [0, 2],
    );
  });

  it('rejects a query of the wrong length and data that is not whole rows', () => {
    assert.throws(() => index.search(new Float32Array(3), 5), /query has 3 dimensions, the index 37/);
    assert.throws(() => new ExactVectorIndex(new Float32Array(10), 3), /not a multiple of 3 dimensions/);
  });

  it('gives a row vector as a view of the matrix', () => {
    assert.deepEqual([...index.vector(7)], [...data.subarray(7 * dimensions, 8 * dimensions)]);
    assert.throws(() => index.vector(count), /outside/);
  });
});

describe('PageCacheRows', () => {
  const dimensions = 37;
  const count = 1300; // over two blocks of 512 rows, and a part of a third
  const data = randomUnitVectors(count, dimensions, 4);
  const queries = randomUnitVectors(10, dimensions, 5);
  const query = (i: number): Float32Array => queries.subarray(i * dimensions, (i + 1) * dimensions);
  const tempDir = useTempDir('page-cache-rows', 'all');
  let rows: PageCacheRows;
  let inMemory: ExactVectorIndex;
  let inPageCache: ExactVectorIndex;

  before(async () => {
    const path = join(tempDir(), 'embeddings.npy');
    await writeNpy(path, data, [count, dimensions]);
    const header = await readNpyHeader(path);
    rows = PageCacheRows.open(path, header.dataOffset, count, dimensions);
    inMemory = new ExactVectorIndex(data, dimensions);
    inPageCache = new ExactVectorIndex(rows, dimensions);
  });
  after(() => rows.close());

  it('gives the same answers as the rows in memory: all rows, a predicate, rows in runs and alone', () => {
    const random = seededRandom(6);
    const listed: number[] = [];
    for (let row = 0; row < count; row += 1) {
      // Runs of consecutive rows (one read each, some longer than a block) and scattered single rows.
      if ((row >= 100 && row < 700) || (row >= 1290 && row < 1300) || random() < 0.05) listed.push(row);
    }
    const allowed = new Set(listed);
    for (let q = 0; q < 10; q += 1) {
      assertSameHits(inPageCache.search(query(q), 10), inMemory.search(query(q), 10));
      assertSameHits(inPageCache.search(query(q), 10, listed), inMemory.search(query(q), 10, listed));
      assertSameHits(
        inPageCache.search(query(q), 10, Uint32Array.from(listed)),
        bruteForce(data, dimensions, query(q), 10, (row) => allowed.has(row)),
      );
      assertSameHits(
        inPageCache.search(query(q), 7, (row) => row % 3 === 0),
        inMemory.search(query(q), 7, (row) => row % 3 === 0),
      );
    }
    assert.equal(inPageCache.search(query(0), count + 5).length, count);
  });

  it('reads a row vector as a copy', () => {
    for (const row of [0, 511, 512, count - 1]) assert.deepEqual(inPageCache.vector(row), inMemory.vector(row));
    assert.throws(() => inPageCache.vector(count), /outside/);
  });

  it('refuses rows of other dimensions than the index', () => {
    assert.throws(() => new ExactVectorIndex(rows, dimensions + 1), /has rows of 37 dimensions, expected 38/);
  });
});
