import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClusterDir, stopCommandHint } from '../../../tools/cluster/cli.js';

const CHECKOUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('stopCommandHint', () => {
  it('names npm run cluster:down and ./bin/roleplane.js from the root of the checkout', () => {
    assert.equal(
      stopCommandHint(defaultClusterDir(), CHECKOUT),
      'npm run cluster:down (or ./bin/roleplane.js cluster down)',
    );
  });

  it('passes a state directory other than the default on to both commands', () => {
    assert.equal(
      stopCommandHint('/tmp/my-cluster', CHECKOUT),
      'npm run cluster:down -- --dir /tmp/my-cluster (or ./bin/roleplane.js cluster down --dir /tmp/my-cluster)',
    );
  });

  it('gives the CLI path relative to a subdirectory of the checkout', () => {
    assert.equal(
      stopCommandHint(defaultClusterDir(), join(CHECKOUT, 'charts')),
      'npm run cluster:down (or ../bin/roleplane.js cluster down)',
    );
  });

  it('gives the absolute CLI path outside the checkout, where npm run would not find the script', () => {
    assert.equal(stopCommandHint(defaultClusterDir(), '/'), `${join(CHECKOUT, 'bin', 'roleplane.js')} cluster down`);
  });

  it('quotes a state directory the shell would split', () => {
    assert.equal(
      stopCommandHint("/tmp/a b's", '/'),
      `${join(CHECKOUT, 'bin', 'roleplane.js')} cluster down --dir '/tmp/a b'\\''s'`,
    );
  });
});
