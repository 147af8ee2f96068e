import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIndex } from '../../../../../workloads/search/index/build/build-index.js';
import {
  ManifestError,
  readManifest,
  verifyIndexFiles,
} from '../../../../../workloads/search/index/format/manifest.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';
import { fakeEmbedder } from '../../../../helpers/fake-embedder.js';
import { FIXTURE_CATALOG, FIXTURE_CATALOG_COUNT, FIXTURE_RULES } from '../../../../helpers/fixture-index.js';

const CATALOG = FIXTURE_CATALOG;
const RULES = FIXTURE_RULES.pathname;
const FIXTURE_COUNT = FIXTURE_CATALOG_COUNT;
const FIXED_NOW = new Date('2026-11-27T12:00:00.000Z');

describe('workloads/search/index/format/manifest', () => {
  const tempDir = useTempDir('manifest');

  describe('readManifest and verifyIndexFiles', () => {
    let index: string;
    beforeEach(async () => {
      index = join(tempDir(), 'index');
      await buildIndex({
        catalogPath: CATALOG,
        rulesPath: RULES,
        outDir: index,
        embedder: fakeEmbedder(),
        now: () => FIXED_NOW,
      });
    });

    it('reads back what the build wrote', async () => {
      const manifest = await readManifest(index);
      assert.equal(manifest.count, FIXTURE_COUNT);
      await verifyIndexFiles(index, manifest);
    });

    it('names the problem of a missing, unparsable or invalid manifest', async () => {
      const path = join(index, 'manifest.json');
      const json = JSON.parse(readFileSync(path, 'utf8')) as { files: Record<string, unknown> };
      writeFileSync(
        path,
        JSON.stringify({
          ...json,
          formatVersion: 2,
          dimensions: 0,
          files: { ...json.files, 'filters.json': { sha256: 'abc', bytes: 1 } },
        }),
      );
      await assert.rejects(readManifest(index), (err: Error) => {
        assert.ok(err instanceof ManifestError);
        assert.match(
          err.message,
          /^.*manifest\.json: invalid manifest: formatVersion: must be 1 \(an index from another version of the build; rebuild it\); dimensions: .*; files\.filters\.json\.sha256: must be 64 lowercase hex digits$/,
        );
        return true;
      });
      writeFileSync(path, '{');
      await assert.rejects(readManifest(index), /manifest\.json: invalid JSON: /);
      rmSync(path);
      await assert.rejects(readManifest(index), /manifest\.json: not found \(is this an index directory\?/);
    });

    it('catches a truncated, altered or missing file', async () => {
      const manifest = await readManifest(index);
      const products = join(index, 'products.jsonl');
      const original = readFileSync(products);
      writeFileSync(products, original.subarray(0, original.length - 1));
      await assert.rejects(
        verifyIndexFiles(index, manifest),
        new RegExp(
          `^ManifestError: ${products}: has ${original.length - 1} bytes, manifest.json says ${original.length} `,
        ),
      );
      const altered = Buffer.from(original);
      altered[2] = altered[2] === 0x41 ? 0x42 : 0x41;
      writeFileSync(products, altered);
      await assert.rejects(
        verifyIndexFiles(index, manifest),
        /products\.jsonl: SHA-256 [0-9a-f]{64} does not match manifest\.json/,
      );
      rmSync(join(index, 'filters.json'));
      await assert.rejects(verifyIndexFiles(index, manifest), /filters\.json: missing \(listed in manifest\.json\)/);
    });
  });
});
