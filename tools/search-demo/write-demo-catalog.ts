import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_SEED, demoRules, generateCatalog } from './generate-catalog.js';

/**
 * Writes the demo inputs of `roleplane search index`: catalog.jsonl (generated products) and filters.json
 * (demoRules()). Each file is written under a temporary name and renamed, so an interrupted run never leaves a
 * half catalog for the index build to read.
 *
 *   npx tsx tools/search-demo/write-demo-catalog.ts <outDir> [count] [seed]
 */

export interface WriteDemoCatalogOptions {
  readonly outDir: string;
  /** @default 65536 */
  readonly count?: number;
  /** @default 42 */
  readonly seed?: number;
}

export const DEMO_PRODUCT_COUNT = 65_536;
const CHUNK_CHARS = 1 << 20;

async function writeAtomically(
  path: string,
  produce: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const tempPath = `${path}.${process.pid}.tmp`;
  const handle = await open(tempPath, 'w', 0o644);
  try {
    await produce(async (text) => {
      await handle.write(text, null, 'utf8');
    });
    await handle.sync();
    await handle.close();
    await rename(tempPath, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw err;
  }
}

export async function writeDemoCatalog(
  options: WriteDemoCatalogOptions,
): Promise<{ catalogPath: string; rulesPath: string; count: number }> {
  const count = options.count ?? DEMO_PRODUCT_COUNT;
  const seed = options.seed ?? DEMO_SEED;
  await mkdir(options.outDir, { recursive: true });
  const catalogPath = join(options.outDir, 'catalog.jsonl');
  const rulesPath = join(options.outDir, 'filters.json');
  await writeAtomically(catalogPath, async (write) => {
    let buffer = '';
    for (const product of generateCatalog({ count, seed })) {
      buffer += `${JSON.stringify(product)}\n`;
      if (buffer.length >= CHUNK_CHARS) {
        await write(buffer);
        buffer = '';
      }
    }
    await write(buffer);
  });
  await writeAtomically(rulesPath, (write) => write(`${JSON.stringify(demoRules(), null, 2)}\n`));
  return { catalogPath, rulesPath, count };
}
