import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderValkeyConf } from '../../charts/cache-chart.js';
import { renderNginxConf } from '../../charts/web-nginx-conf.js';
import { testValues } from '../helpers/manifests.js';
import { requireBinary } from '../helpers/binaries.js';
import { freePort } from '../helpers/ports.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

describe('generated server configs are accepted by the real servers', function () {
  this.timeout(30_000);
  const tempDir = useTempDir('server-configs');

  it("nginx -t accepts the nginx.conf of every environment (the page cache, and dev's pass-through)", function () {
    const nginx = requireBinary(this, ['nginx', '/usr/sbin/nginx'], 'the web chart generates an nginx.conf');
    for (const env of ['prod', 'staging', 'dev'] as const) {
      const dir = join(tempDir(), env);
      mkdirSync(dir);
      // The pod's paths (/var/cache/nginx, /tmp, and /dev/std*, which node's socket stdio cannot reopen) become
      // files under a scratch dir; the rest of the file is tested as is.
      const conf = renderNginxConf(testValues(env).web)
        .replaceAll('/tmp/', `${dir}/`)
        .replaceAll('/var/cache/nginx', join(dir, 'cache'))
        .replaceAll(/\/dev\/std(err|out)/g, join(dir, 'std$1.log'));
      mkdirSync(join(dir, 'cache'));
      writeFileSync(join(dir, 'nginx.conf'), conf);
      const result = spawnSync(nginx, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, `nginx -t failed for ${env}:\n${result.stderr}`);
      assert.match(result.stderr, /syntax is ok/);
    }
  });

  it('valkey-server (or redis-server) starts with the generated valkey.conf and applies maxmemory', async function () {
    const server = requireBinary(this, ['valkey-server', 'redis-server'], 'the cache chart generates a valkey.conf');
    const cli = requireBinary(this, ['valkey-cli', 'redis-cli'], 'to query the server');
    const dir = tempDir();
    const port = await freePort();
    const conf = renderValkeyConf(testValues('prod').valkey)
      .replace(/^port \d+$/m, `port ${port}`)
      .replace('bind * -::*', 'bind 127.0.0.1')
      .replace('dir /data', `dir ${dir}`);
    writeFileSync(join(dir, 'valkey.conf'), conf);
    const child = spawn(server, [join(dir, 'valkey.conf'), '--requirepass', 'test-password'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const answer = await waitFor('the server to answer CONFIG GET', 15_000, () => {
        const { stdout } = spawnSync(cli, ['-p', String(port), 'config', 'get', 'maxmemory*'], {
          encoding: 'utf8',
          env: { ...process.env, REDISCLI_AUTH: 'test-password' },
        });
        return stdout.includes('maxmemory') ? stdout : undefined;
      });
      assert.match(answer, /maxmemory\n1610612736/, `server output:\n${output}`);
      assert.match(answer, /maxmemory-policy\nallkeys-lru/);
      const flush = spawnSync(cli, ['-p', String(port), 'flushall'], {
        encoding: 'utf8',
        env: { ...process.env, REDISCLI_AUTH: 'test-password' },
      });
      assert.match(flush.stdout + flush.stderr, /unknown command/i, 'FLUSHALL is disabled');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
