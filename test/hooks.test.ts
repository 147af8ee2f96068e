import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { useTempDir } from './helpers/temp-dir.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLUSTER_CODE = pathToFileURL(join(REPO, 'tools', 'cluster')).href + '/';

/**
 * Every module URL a fresh `node --import tsx` resolves while importing `entry`. The recording hook is registered
 * after tsx's, so it sees the final URL of every import, TypeScript ones included.
 */
function modulesLoadedBy(entry: string, recordFile: string): string[] {
  const hooks = [
    "import { appendFileSync } from 'node:fs';",
    'export async function resolve(specifier, context, next) {',
    '  const result = await next(specifier, context);',
    `  appendFileSync(${JSON.stringify(recordFile)}, result.url + '\\n');`,
    '  return result;',
    '}',
  ].join('\n');
  const recorder = `import { register } from 'node:module'; register(${JSON.stringify(
    `data:text/javascript,${encodeURIComponent(hooks)}`,
  )});`;
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(recorder)}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(pathToFileURL(join(REPO, entry)).href)});`,
    ],
    { cwd: REPO, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `importing ${entry} failed:\n${result.stderr}`);
  return readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
}

describe('the root hooks (test/hooks.ts)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('hooks');

  it('load no code of tools/cluster, so a run that starts no cluster never loads the launcher', function () {
    const loaded = modulesLoadedBy('test/hooks.ts', join(tmp(), 'loaded.txt'));
    assert.ok(
      loaded.some((url) => url.endsWith('/test/run-teardown.ts')),
      `the recorder saw: ${loaded.join(', ')}`,
    );
    assert.deepEqual(
      loaded.filter((url) => url.startsWith(CLUSTER_CODE)),
      [],
    );
  });

  it('would notice: the helper that starts the shared cluster does load tools/cluster', function () {
    const loaded = modulesLoadedBy('test/integration/cluster.ts', join(tmp(), 'loaded.txt'));
    assert.ok(loaded.some((url) => url.startsWith(CLUSTER_CODE)));
  });
});
