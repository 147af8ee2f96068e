// What the stack's index-build Job indexes: the test fixture catalog (12 products with their rules file) and the
// built-in tiny model, so a stack starts in seconds and the fault table's pages are known products.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TINY_MODEL_DIR } from '../../workloads/search/embedder/tiny-model.js';
import type { IndexInputs } from './stack.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/search/', import.meta.url));

export function fixtureIndexInputs(): IndexInputs {
  return { catalog: `${FIXTURE}catalog.jsonl`, rules: `${FIXTURE}filters.json`, modelDir: TINY_MODEL_DIR };
}

/** The product ids of a JSON Lines catalog, in order. */
export function catalogIds(catalog: string): string[] {
  return readFileSync(catalog, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const id = (JSON.parse(line) as { id?: unknown }).id;
      if (typeof id !== 'string') throw new Error(`${catalog}:${i + 1}: no string "id"`);
      return id;
    });
}
