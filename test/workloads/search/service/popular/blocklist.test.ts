import { strict as assert } from 'node:assert';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Blocklist } from '../../../../../workloads/search/service/popular/blocklist.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';

describe('workloads/search/service/popular/blocklist', () => {
  const tempDir = useTempDir('blocklist');

  it('reads one term per line, ignoring comments and blank lines, normalised', () => {
    assert.deepEqual(Blocklist.parse('# brands we do not sell\nKnockoff\n\n  Cheap   Replica  # bags\nknockoff\n'), [
      'knockoff',
      'cheap replica',
    ]);
  });

  it('blocks queries that contain a term as whole words', () => {
    const path = join(tempDir(), 'blocklist.txt');
    writeFileSync(path, 'knockoff\ncheap replica\n');
    const list = Blocklist.load(path);
    assert.equal(list.match('knockoff bags'), 'knockoff');
    assert.equal(list.match('cheap replica watch'), 'cheap replica');
    assert.equal(list.match('knockoffs'), undefined);
    assert.equal(list.match('cheap watch replica'), undefined);
  });

  it('reads the file again when it changes, and keeps the last terms if it breaks', () => {
    const path = join(tempDir(), 'blocklist.txt');
    writeFileSync(path, 'knockoff\n');
    let now = 0;
    const reloads: Array<[number, string | undefined]> = [];
    const list = Blocklist.load(path, {
      recheckMs: 1000,
      now: () => now,
      onReload: (terms, err) => reloads.push([terms, err?.message]),
    });
    writeFileSync(path, 'knockoff\nreplica\n');
    utimesSync(path, new Date(2030, 0, 1), new Date(2030, 0, 1));
    assert.equal(list.match('replica bags'), undefined, 'not re-read before recheckMs');
    now = 1000;
    assert.equal(list.match('replica bags'), 'replica');
    rmSync(path);
    now = 2000;
    assert.equal(list.match('replica bags'), 'replica', 'a vanished file keeps the terms read before');
    assert.equal(reloads.length, 3);
    assert.match(reloads[2]?.[1] ?? '', /blocklist\.txt: ENOENT/);
  });

  it('fails at start-up naming a file that cannot be read', () => {
    const path = join(tempDir(), 'missing.txt');
    assert.throws(() => Blocklist.load(path), new RegExp(`^Error: suggestion blocklist ${path}: ENOENT`));
  });
});
