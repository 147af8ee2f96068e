import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentDiff } from '../../cli/diff-command.js';
import { type Difference, diffEnvironments } from '../../cli/environment-diff.js';
import { lineDiff, renderEnvironmentDiff } from '../../cli/environment-diff-text.js';
import { objectsOf, testValues } from '../helpers/manifests.js';
import { useTempDir } from '../helpers/temp-dir.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'roleplane.js');

/** `object path` of each difference, or `object only in <side>`. */
function where(differences: readonly Difference[]): string[] {
  return differences.map((d) => (d.kind === 'changed' ? `${d.object} ${d.path}` : `${d.object} only in ${d.side}`));
}

describe('diffEnvironments', () => {
  it('finds staging to be prod’s twin: nothing differs but names, namespaces, pools, sizes, replicas and the schedule', () => {
    const diff = environmentDiff({ a: 'prod', b: 'staging' });
    assert.deepEqual(where(diff.differences), []);
    // The operator's parts: its install (8) and the NetworkPolicies that open its metrics and its API calls; the
    // waker's install (6) and its two flows (ingress → waker, waker → API server).
    assert.deepEqual(diff.clusterWide.a, { crds: 1, pools: 10, operator: 10, waker: 8, 'power-schedules': 1 });
    assert.deepEqual(diff.clusterWide.b, {});
    // prod alone runs the ERP and is watched (ServiceMonitors, rules, dashboards); the pods are the same.
    assert.deepEqual(Object.keys(diff.onlyIn.a), ['erp', 'monitoring']);
    assert.deepEqual(diff.onlyIn.b, { campaigns: ['CronJob campaign-newsletter'] });
    const expected = Object.fromEntries(diff.expected.map((e) => [e.category, [e.a, e.b]]));
    assert.deepEqual(expected.pools, [['cache', 'search', 'web'], ['dev']]);
    assert.deepEqual(expected.schedule, [[], ['office-hours', 'the waker as fallback']]);
    assert.deepEqual(expected.namespaces, [['erp', 'roleplane-system', 'search', 'web'], ['staging']]);
  });

  it('finds dev to differ from staging by exactly the dev settings: no page cache, ROLEPLANE_DEBUG=true', () => {
    const diff = environmentDiff({ a: 'staging', b: 'dev' });
    assert.deepEqual(where(diff.differences), [
      'ConfigMap web-nginx [web] data.nginx.conf',
      'Deployment web [web] spec.template.spec.containers[nginx].volumeMounts[page-cache]',
      'Deployment web [web] spec.template.spec.containers[app].env[ROLEPLANE_DEBUG].value',
      'Deployment web [web] spec.template.spec.volumes[page-cache]',
    ]);
    const debug = diff.differences.find((d) => d.kind === 'changed' && d.path.endsWith('[ROLEPLANE_DEBUG].value'));
    assert.deepEqual(debug?.kind === 'changed' ? [debug.a, debug.b] : [], ['false', 'true']);
    const conf = diff.differences[0]!;
    assert.ok(conf.kind === 'changed' && typeof conf.a === 'string' && typeof conf.b === 'string');
    assert.match(conf.a, /proxy_cache pages;/);
    assert.doesNotMatch(conf.b, /proxy_cache/);
    assert.deepEqual(diff.onlyIn, { a: {}, b: {} });
    // ROLEPLANE_ENV is the environment's name: set aside with the names.
    const names = diff.expected.find((e) => e.category === 'names')!;
    assert.ok(names.places.some((p) => p.location.endsWith('[ROLEPLANE_ENV].value') && p.b === 'dev'));
  });

  it('shows a setting staging changes away from prod (a probe path, a timeout), not hidden by the normalising', () => {
    const prod = testValues('prod');
    const staging = testValues('staging', { web: { healthPath: '/ready', cdn: { pageTimeoutSeconds: 9 } } });
    const diff = diffEnvironments(
      { name: 'prod', values: prod, objects: objectsOf('prod') },
      {
        name: 'staging',
        values: staging,
        objects: objectsOf('staging', { web: { healthPath: '/ready', cdn: { pageTimeoutSeconds: 9 } } }),
      },
    );
    const paths = where(diff.differences);
    assert.ok(paths.includes('ConfigMap web-nginx [web] data.nginx.conf'), paths.join('\n'));
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'])
      assert.ok(paths.includes(`Deployment web [web] spec.template.spec.containers[app].${probe}.httpGet.path`), probe);
  });

  it('shows a Service one environment adds as an object only on its side', () => {
    const extra = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'debug-toolbar', namespace: 'dev', labels: { 'app.kubernetes.io/name': 'web' } },
      spec: { ports: [{ port: 9229 }] },
    };
    const diff = diffEnvironments(
      { name: 'staging', values: testValues('staging'), objects: objectsOf('staging') },
      { name: 'dev', values: testValues('dev'), objects: [...objectsOf('dev'), extra] },
    );
    assert.ok(where(diff.differences).includes('Service debug-toolbar [web] only in b'));
  });
});

describe('renderEnvironmentDiff', () => {
  it('says staging is prod’s twin and lists what it set aside', () => {
    const text = renderEnvironmentDiff(environmentDiff({ a: 'prod', b: 'staging' }));
    assert.match(text, /^roleplane diff prod staging$/m);
    assert.match(text, /pools {6}prod: cache, search, web\n {13}staging: dev/);
    assert.match(text, /only prod runs erp: /);
    assert.match(text, /Other differences: none/);
  });

  it('prints a changed file as the lines only in each side, in order', () => {
    assert.deepEqual(lineDiff('a\nb\nc\nd', 'a\nx\nc\nd\ne'), ['- b', '+ x', '+ e']);
  });
});

describe('roleplane diff', function () {
  this.timeout(60_000);
  const tempDir = useTempDir('diff-cli');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'diff', ...args], { encoding: 'utf8' });

  it('prints the report and exits 0; a values file applies to both environments', () => {
    const values = join(tempDir(), 'values.yaml');
    writeFileSync(values, 'staging:\n  web:\n    healthPath: /ready\n');
    const result = run(['prod', 'staging', '--values', values]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Other differences \(3\):/);
    assert.match(result.stdout, /readinessProbe\.httpGet\.path: "\/healthz" \(prod\) → "\/ready" \(staging\)/);
  });

  it('refuses an unknown environment and the same environment twice, naming the problem', () => {
    const unknown = run(['prod', 'production']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown environment "production"/);
    const same = run(['dev', 'dev']);
    assert.equal(same.status, 1);
    assert.match(same.stderr, /two different environments \(got "dev" twice\)/);
  });
});
