import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDir } from '../helpers/temp-dir.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'roleplane.js');

function roleplane(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

describe('roleplane CLI', () => {
  const tempDir = useTempDir('cli');

  it('lists its subcommands in --help', () => {
    const result = roleplane(['--help']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Usage: roleplane/);
    assert.match(result.stdout, /synth \[options\]/);
  });

  it('prints the package version for --version', () => {
    const result = roleplane(['--version']);
    assert.equal(result.status, 0, result.stderr);
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    assert.equal(result.stdout.trim(), version);
  });

  it('synthesizes the chosen environment into --out', () => {
    const out = tempDir();
    const result = roleplane(['synth', '--env', 'staging', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(readdirSync(out), ['staging']);
    assert.match(result.stdout, /wrote .*staging\//);
  });

  it('fails with exit code 2, names the key, and writes nothing for a bad values file', () => {
    const out = tempDir();
    const values = join(out, 'values.yaml');
    writeFileSync(values, 'prod:\n  web:\n    autoscaling:\n      minReplicas: 0\n');
    const result = roleplane(['synth', '--out', join(out, 'dist')], { ROLEPLANE_VALUES: values });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /web\.autoscaling\.minReplicas: Too small/);
    assert.equal(existsSync(join(out, 'dist')), false);
  });

  it('stops `schedule show` with a sentence when there is no kubeconfig', () => {
    const result = roleplane(['schedule', 'show'], { KUBECONFIG: '', HOME: tempDir(), KUBERNETES_SERVICE_HOST: '' });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'roleplane: no kubeconfig: set KUBECONFIG or --kubeconfig\n');
  });

  it('stops `migrate kube-downscaler` with a sentence when there is no kubeconfig', () => {
    const env = { KUBECONFIG: '', HOME: tempDir(), KUBERNETES_SERVICE_HOST: '' };
    const result = roleplane(['migrate', 'kube-downscaler'], env);
    assert.equal(result.status, 1);
    assert.equal(result.stderr, 'roleplane: no kubeconfig: set KUBECONFIG or --kubeconfig\n');
  });

  it('stops `waker` before listening when it has no hosts, or a bad one, naming the setting', () => {
    const noHosts = roleplane(['waker', '--port', '0'], { WAKER_HOSTS: '' });
    assert.equal(noHosts.status, 1);
    assert.equal(noHosts.stderr, 'roleplane: no hosts: set --hosts or WAKER_HOSTS (host=namespace, comma separated)\n');
    const bad = roleplane(['waker', '--hosts', 'dev.example.com=Dev'], {});
    assert.equal(bad.stderr, 'roleplane: --hosts: "Dev" is not a namespace name\n');
  });

  it('rejects an unknown `schedule show --output` with exit code 2', () => {
    const result = roleplane(['schedule', 'show', '--output', 'yaml']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, '--output: expected text or json (got "yaml")\n');
  });

  it('rejects an unknown environment by name', () => {
    const result = roleplane(['synth', '--env', 'qa', '--out', tempDir()]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--env: unknown environment "qa"/);
  });
});
