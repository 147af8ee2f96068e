import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoRules, generateCatalog } from '../../../tools/search-demo/generate-catalog.js';
import { writeDemoCatalog } from '../../../tools/search-demo/write-demo-catalog.js';
import { loadRules } from '../../../workloads/search/query/rules.js';
import { useTempDir } from '../../helpers/temp-dir.js';

describe('tools/search-demo/write-demo-catalog', () => {
  const tempDir = useTempDir('demo-catalog');

  describe('writeDemoCatalog', () => {
    it('writes the generated products as JSON Lines and the demo rules, and nothing else', async () => {
      const out = join(tempDir(), 'demo');
      const result = await writeDemoCatalog({ outDir: out, count: 300, seed: 9 });
      assert.deepEqual(result, {
        catalogPath: join(out, 'catalog.jsonl'),
        rulesPath: join(out, 'filters.json'),
        count: 300,
      });
      assert.deepEqual(readdirSync(out).sort(), ['catalog.jsonl', 'filters.json']);
      const lines = readFileSync(result.catalogPath, 'utf8').split('\n');
      assert.equal(lines.pop(), '');
      assert.deepEqual(
        lines.map((line): unknown => JSON.parse(line)),
        JSON.parse(JSON.stringify([...generateCatalog({ count: 300, seed: 9 })])),
      );
      assert.deepEqual(loadRules(result.rulesPath).rules, demoRules());
    });
  });
});
