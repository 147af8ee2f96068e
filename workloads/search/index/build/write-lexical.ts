import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILES } from '../format/files.js';
import { describeFile, type LexicalSection } from '../format/manifest.js';
import type { Product } from '../format/products.js';
import { LEXICAL_FORMAT_VERSION, LexicalIndex } from '../serve/lexical-index.js';

/**
 * Builds the lexical index of `products` and writes it to `<dir>/lexical.bin` through a temporary name, so a reader
 * never sees half a file. Returns the manifest section that vouches for it.
 */
export async function writeLexicalFile(
  dir: string,
  products: readonly Product[],
  productsSha256: string,
): Promise<LexicalSection> {
  const index = LexicalIndex.build(products);
  const bytes = index.toBytes();
  const path = join(dir, INDEX_FILES.lexical);
  const partial = `${path}.partial-${process.pid}`;
  try {
    const handle = await open(partial, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw err;
  }
  const { sha256, bytes: size } = await describeFile(path);
  return {
    file: INDEX_FILES.lexical,
    sha256,
    bytes: size,
    formatVersion: LEXICAL_FORMAT_VERSION,
    terms: index.termCount,
    postings: index.postingCount,
    productsSha256,
  };
}
