import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILES } from '../format/files.js';
import { describeFile, lexicalSectionSchema, type Manifest } from '../format/manifest.js';
import type { Product } from '../format/products.js';
import type { AnnLog } from './open-vector-index.js';
import { LexicalIndex } from './lexical-index.js';

/**
 * The lexical index of a loaded index directory: lexical.bin if the manifest's `lexical` section parses, the file
 * has its size and SHA-256 and was built from the products.jsonl beside it; else (an index from before the lexical
 * index existed, a stale or damaged copy) it is built here from the products, with a warning that says why — a
 * slower start, never a wrong answer. As for the vector graph (open-vector-index.ts).
 */
export interface OpenedLexicalIndex {
  readonly index: LexicalIndex;
  readonly source: 'file' | 'rebuilt';
  readonly reason?: string;
  readonly seconds: number;
}

export async function openLexicalIndex(options: {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly products: readonly Product[];
  readonly log?: AnnLog;
}): Promise<OpenedLexicalIndex> {
  const { dir, manifest, products, log } = options;
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const path = join(dir, INDEX_FILES.lexical);
  const reason = await (async (): Promise<string | LexicalIndex> => {
    if (manifest.lexical === undefined)
      return 'manifest.json has no "lexical" section (an index built before the lexical index was stored)';
    const parsed = lexicalSectionSchema.safeParse(manifest.lexical);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `lexical.${i.path.map(String).join('.')}: ${i.message}`);
      return `manifest.json "lexical" section is not one this version reads (${problems.join('; ')})`;
    }
    const section = parsed.data;
    if (section.productsSha256 !== manifest.files[INDEX_FILES.products].sha256)
      return 'stale: it was built from another products.jsonl than the one beside it';
    let bytes: number;
    try {
      bytes = (await stat(path)).size;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})`;
    }
    if (bytes !== section.bytes)
      return `has ${bytes} bytes, manifest.json says ${section.bytes} (truncated or replaced)`;
    const { sha256 } = await describeFile(path);
    if (sha256 !== section.sha256) return `SHA-256 ${sha256} does not match manifest.json (${section.sha256})`;
    try {
      const index = LexicalIndex.fromBytes(await readFile(path));
      if (index.documents !== products.length)
        return `indexes ${index.documents} products, products.jsonl has ${products.length}`;
      return index;
    } catch (err) {
      return `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    }
  })();
  if (reason instanceof LexicalIndex) {
    log?.info({ file: path, terms: reason.termCount, seconds: seconds() }, 'lexical index loaded');
    return { index: reason, source: 'file', seconds: seconds() };
  }
  log?.warn(
    { file: path, reason },
    'lexical index file unusable; building it in memory from products.jsonl (rerun the index build to store one)',
  );
  const index = LexicalIndex.build(products);
  log?.info({ terms: index.termCount, seconds: seconds() }, 'lexical index built');
  return { index, source: 'rebuilt', reason, seconds: seconds() };
}
