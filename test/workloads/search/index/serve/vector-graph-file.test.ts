import assert from 'node:assert/strict';
import { cp, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkAnnFile } from '../../../../../workloads/search/index/serve/open-vector-index.js';
import { buildIndex } from '../../../../../workloads/search/index/build/build-index.js';
import { loadSearchIndex, type SearchIndex } from '../../../../../workloads/search/index/serve/load-index.js';
import { describeFile, readManifest } from '../../../../../workloads/search/index/format/manifest.js';
import { readNpy, writeNpy } from '../../../../../workloads/search/index/format/npy.js';
import { HashEmbedder } from '../../../../helpers/hash-embedder.js';
import { FIXTURE_RULES, generateProducts, productText } from '../../../../helpers/fixture-index.js';
import { recordingAnnLog } from '../../../../helpers/recording-ann-log.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';
import { INDEX_FILES } from '../../../../../workloads/search/index/format/files.js';

const PRODUCTS = 800;

describe('workloads/search/index/serve/open-vector-index (the stored vector graph, as build/write-graph writes it)', () => {
  const embedder = new HashEmbedder(32);
  const scratchDir = useTempDir('vector-graph', 'all');
  const caseDir = useTempDir('vector-graph-case');
  let pristine: string;
  let dir: string;
  let exact: SearchIndex;
  // Short queries and 40 descriptions of products that are not in the catalog (another seed): 450 results, so a
  // graph built in memory on several threads (a different one each time) is judged on enough answers that its
  // recall estimate is not at the mercy of two or three misses.
  const queries = [
    ...['red leather boots', 'navy wool hoodie', 'vintage glass mug', 'cotton t-shirt', 'suede sneakers'],
    ...generateProducts(40, 99).map(productText),
  ];

  before(async function () {
    this.timeout(60_000);
    const scratch = scratchDir();
    const catalog = join(scratch, 'catalog.jsonl');
    await writeFile(
      catalog,
      generateProducts(PRODUCTS)
        .map((p) => `${JSON.stringify({ ...p, description: productText(p) })}\n`)
        .join(''),
    );
    pristine = join(scratch, 'pristine');
    await buildIndex({ catalogPath: catalog, rulesPath: FIXTURE_RULES.pathname, outDir: pristine, embedder });
    exact = await loadSearchIndex(pristine, { vectorIndex: 'exact' });
  });
  beforeEach(async () => {
    dir = join(caseDir(), 'index');
    await cp(pristine, dir, { recursive: true });
  });

  const editManifest = async (edit: (manifest: Record<string, unknown>) => void): Promise<void> => {
    const path = join(dir, INDEX_FILES.manifest);
    const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    edit(manifest);
    await writeFile(path, JSON.stringify(manifest));
  };

  /**
   * The graph answers like the exact scan on this small index: recall ≥ 0.9 over the sample queries, tie-aware (the
   * hashed test embedder gives many products the same score, and any of them is a right answer; counting row ids
   * instead made this depend on which of the tied rows a graph built on several threads happened to reach).
   */
  const assertAnswersLikeExact = async (index: SearchIndex, reference = exact): Promise<void> => {
    let hit = 0;
    let total = 0;
    for (const q of queries) {
      const [vector] = await embedder.embed([q]);
      const want = reference.vectors.search(vector as Float32Array, 10);
      const tenth = want.at(-1)?.score ?? Number.NEGATIVE_INFINITY;
      for (const h of index.vectors.search(vector as Float32Array, 10)) if (h.score >= tenth - 1e-6) hit += 1;
      total += want.length;
    }
    assert.ok(hit / total >= 0.9, `recall ${hit / total} over ${total} results`);
  };

  it('is written by the index build and opened as it is, without rebuilding', async () => {
    const log = recordingAnnLog();
    const index = await loadSearchIndex(dir, { vectorIndex: 'hnsw', log });
    assert.equal(index.vectorSource.source, 'file');
    assert.deepEqual(log.warnings, []);
    await assertAnswersLikeExact(index);
  });

  it('is not used for a small index in auto mode (an exact scan costs under ~1 ms)', async () => {
    const index = await loadSearchIndex(dir);
    assert.equal(index.vectorSource.source, 'exact');
  });

  const rebuildsBecause = async (reason: RegExp, reference = exact): Promise<void> => {
    const log = recordingAnnLog();
    const index = await loadSearchIndex(dir, { vectorIndex: 'hnsw', log });
    assert.equal(index.vectorSource.source, 'rebuilt');
    assert.match(index.vectorSource.reason ?? '', reason);
    assert.equal(log.warnings.length, 1);
    assert.match(log.warnings[0]?.message ?? '', /building the graph in memory/);
    assert.match(String((log.warnings[0]?.details as { reason?: string }).reason), reason);
    await assertAnswersLikeExact(index, reference);
  };

  it('is rebuilt when missing', async () => {
    await unlink(join(dir, INDEX_FILES.graph));
    await rebuildsBecause(/^missing$/);
  });

  it('is rebuilt when a byte changed (checksum)', async () => {
    const path = join(dir, INDEX_FILES.graph);
    const bytes = await readFile(path);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 0xff;
    await writeFile(path, bytes);
    await rebuildsBecause(/^SHA-256 [0-9a-f]{64} does not match manifest\.json/);
  });

  it('is rebuilt when truncated (size first, before hashing)', async () => {
    const path = join(dir, INDEX_FILES.graph);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, 1000));
    await rebuildsBecause(/^has 1000 bytes, manifest\.json says \d+ \(truncated or replaced\)$/);
  });

  it('is rebuilt when it was built from other embeddings (stale), even with its own checksum intact', async () => {
    // A new embeddings.npy (rows reversed) and a manifest that vouches for it, but the old graph section.
    const npy = join(dir, 'embeddings.npy');
    const { data, shape } = await readNpy(npy);
    const reversed = new Float32Array(data.length);
    for (let row = 0; row < shape[0]; row += 1)
      reversed.set(data.subarray(row * shape[1], (row + 1) * shape[1]), (shape[0] - 1 - row) * shape[1]);
    await writeNpy(npy, reversed, shape);
    const described = await describeFile(npy);
    await editManifest((m) => {
      (m.files as Record<string, unknown>)['embeddings.npy'] = described;
    });
    // The rebuilt graph answers for the new rows, not the old graph's.
    await rebuildsBecause(
      /^stale: it was built from another embeddings\.npy/,
      await loadSearchIndex(dir, { vectorIndex: 'exact' }),
    );
  });

  it('is rebuilt when the manifest has no graph section (an index from before it existed)', async () => {
    await editManifest((m) => delete m.ann);
    await rebuildsBecause(/no "ann" section/);
  });

  it('is rebuilt when the section describes a graph this version does not read', async () => {
    await editManifest((m) => {
      (m.ann as Record<string, unknown>).quantization = 'f16';
    });
    await rebuildsBecause(/"ann" section is not one this version reads \(ann\.quantization: /);
  });

  it('is rebuilt, and the process survives, when a non-index file carries a matching checksum', async () => {
    const path = join(dir, INDEX_FILES.graph);
    await writeFile(path, 'not a usearch index at all');
    const described = await describeFile(path);
    await editManifest((m) => Object.assign(m.ann as Record<string, unknown>, described));
    await rebuildsBecause(
      /^usearch could not use it: .*vectors\.usearch: starts with a \d+ × \d+ matrix, expected 800 × 32/,
    );
  });

  it('passes checkAnnFile as the build wrote it', async () => {
    const manifest = await readManifest(dir);
    const checked = await checkAnnFile(dir, manifest);
    assert.ok(checked.ok, checked.ok ? '' : checked.reason);
  });
});
