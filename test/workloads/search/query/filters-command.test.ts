import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFiltersCommand } from '../../../../workloads/search/query/filters-command.js';
import { useTempDir } from '../../../helpers/temp-dir.js';

const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'search', 'filters.json');

describe('workloads/search/query/filters-command', () => {
  describe('runFiltersCommand', () => {
    const tempDir = useTempDir('filters-cmd');

    it('prints the extraction as one line of JSON with empty parts omitted', () => {
      const result = runFiltersCommand({ rules: FIXTURE, query: 'Navy blue wool hoodie without leather under $80' });
      assert.deepEqual(result, {
        stdout:
          '{"text":"","filters":{"color":["navy"],"material":["wool"],"category":["hoodie"],"price":{"lte":80}},"exclude":{"material":["leather"]}}\n',
        stderr: '',
        exitCode: 0,
      });
    });

    it('prints only the text when nothing is extracted', () => {
      assert.equal(
        runFiltersCommand({ rules: FIXTURE, query: 'cozy winter coat' }).stdout,
        '{"text":"cozy winter coat"}\n',
      );
    });

    it('rejects an empty query with exit code 2', () => {
      assert.deepEqual(runFiltersCommand({ rules: FIXTURE, query: '   ' }), {
        stdout: '',
        stderr: 'roleplane search filters: query: must not be empty\n',
        exitCode: 2,
      });
    });

    it('rejects a missing rules file with exit code 2, naming it', () => {
      const path = join(tempDir(), 'nope.json');
      const result = runFiltersCommand({ rules: path, query: 'red' });
      assert.equal(result.exitCode, 2);
      assert.equal(result.stderr, `roleplane search filters: ${path}: rules file not found\n`);
    });

    it('rejects an invalid rules file with exit code 2, naming the JSON path', () => {
      const path = join(tempDir(), 'filters.json');
      writeFileSync(path, JSON.stringify({ fields: { color: { red: ['red', ''] } } }));
      const result = runFiltersCommand({ rules: path, query: 'red' });
      assert.equal(result.exitCode, 2);
      assert.equal(
        result.stderr,
        `roleplane search filters: ${path}: fields.color.red[1]: must be a non-empty string (got "")\n`,
      );
    });
  });
});
