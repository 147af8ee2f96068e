import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildIndex } from '../../../../../workloads/search/index/build/build-index.js';
import { readManifest } from '../../../../../workloads/search/index/format/manifest.js';
import { openLexicalIndex } from '../../../../../workloads/search/index/serve/open-lexical-index.js';
import { loadSearchIndex } from '../../../../../workloads/search/index/serve/load-index.js';
import { queryTerms } from '../../../../../workloads/search/index/serve/lexical-index.js';
import { HashEmbedder } from '../../../../helpers/hash-embedder.js';
import { FIXTURE_CATALOG, FIXTURE_RULES } from '../../../../helpers/fixture-index.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';

describe('workloads/search/index/serve/open-lexical-index (lexical.bin, as build/write-lexical writes it)', () => {
  const tempDir = useTempDir('open-lexical-index');
  const build = async (): Promise<string> => {
    const out = join(tempDir(), 'index');
    await buildIndex({
      catalogPath: FIXTURE_CATALOG,
      rulesPath: FIXTURE_RULES.pathname,
      outDir: out,
      embedder: new HashEmbedder(16),
    });
    return out;
  };
  const open = async (dir: string) => {
    const index = await loadSearchIndex(dir, { vectorIndex: 'exact' });
    index.close();
    return index;
  };

  it('is written by the index build and opened as it is', async () => {
    const dir = await build();
    const index = await open(dir);
    assert.equal(index.lexicalSource.source, 'file');
    assert.ok(index.lexical.match(queryTerms('boots')).rows.length > 0);
  });

  const rebuiltBecause = async (dir: string, reason: RegExp): Promise<void> => {
    const manifest = await readManifest(dir);
    const products = (await open(dir)).products;
    const warnings: string[] = [];
    const opened = await openLexicalIndex({
      dir,
      manifest,
      products,
      log: { info: () => undefined, warn: (details) => warnings.push(String((details as { reason: string }).reason)) },
    });
    assert.equal(opened.source, 'rebuilt');
    assert.match(opened.reason ?? '', reason);
    assert.match(warnings[0] ?? '', reason);
    assert.ok(opened.index.match(queryTerms('boots')).rows.length > 0, 'the rebuilt index answers the same');
  };

  it('is rebuilt, saying why, when missing', async () => {
    const dir = await build();
    rmSync(join(dir, 'lexical.bin'));
    await rebuiltBecause(dir, /^missing$/);
  });

  it('is rebuilt when a byte changed (checksum)', async () => {
    const dir = await build();
    const bytes = readFileSync(join(dir, 'lexical.bin'));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(join(dir, 'lexical.bin'), bytes);
    await rebuiltBecause(dir, /^SHA-256 [0-9a-f]{64} does not match manifest\.json/);
  });

  it('is rebuilt when the manifest has no lexical section (an index from before it existed)', async () => {
    const dir = await build();
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.lexical;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await rebuiltBecause(dir, /no "lexical" section/);
  });

  it('is rebuilt when it was built from another products.jsonl (stale)', async () => {
    const dir = await build();
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      lexical: { productsSha256: string };
    };
    manifest.lexical.productsSha256 = '0'.repeat(64);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await rebuiltBecause(dir, /^stale/);
  });
});
