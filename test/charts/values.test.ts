import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultValues } from '../../charts/values/environments.js';
import { loadValues, mergeValues, validateValues, ValuesError } from '../../charts/values/load.js';
import { ENVIRONMENTS } from '../../charts/values/schema.js';
import { useTempDir } from '../helpers/temp-dir.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValuesError) return [...err.problems];
    throw err;
  }
  assert.fail('expected a ValuesError');
}

function invalid(environment: (typeof ENVIRONMENTS)[number], overrides: Record<string, unknown>): string[] {
  return problemsOf(() => validateValues(mergeValues(defaultValues(environment), overrides), 'test'));
}

describe('values', () => {
  const tempDir = useTempDir('values');
  const valuesFile = (content: string): string => {
    const path = join(tempDir(), 'values.yaml');
    writeFileSync(path, content);
    return path;
  };

  describe('defaults', () => {
    for (const env of ENVIRONMENTS) {
      it(`are valid for ${env}`, () => {
        assert.equal(loadValues({ environment: env }).environment, env);
      });
    }

    it('put dev and staging on the dev pool with smaller requests than prod', () => {
      const prod = loadValues({ environment: 'prod' });
      for (const env of ['dev', 'staging'] as const) {
        const copy = loadValues({ environment: env });
        assert.deepEqual([copy.web.pool, copy.search.pool, copy.valkey.pool], ['dev', 'dev', 'dev']);
        assert.deepEqual([copy.web.namespace, copy.search.namespace, copy.valkey.namespace], [env, env, env]);
        assert.ok(copy.web.autoscaling.maxReplicas < prod.web.autoscaling.maxReplicas);
        assert.equal(copy.platform, undefined, 'cluster-wide parts belong to prod only');
        assert.equal(copy.powerSchedule, 'office-hours');
      }
    });
  });

  describe('errors name the key path and the reason', () => {
    it('for a number out of range', () => {
      assert.deepEqual(invalid('prod', { web: { autoscaling: { minReplicas: 0 } } }), [
        'web.autoscaling.minReplicas: Too small: expected number to be >=1 (got 0)',
      ]);
    });

    it('for maxReplicas below minReplicas', () => {
      assert.match(
        invalid('prod', { web: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } }).join(),
        /web\.autoscaling\.maxReplicas: maxReplicas must be >= minReplicas/,
      );
    });

    it('for an unpinned image', () => {
      assert.match(
        invalid('dev', { web: { image: 'nginx:latest' } }).join(),
        /web\.image: must pin a tag other than "latest".*\(got "nginx:latest"\)/,
      );
      assert.match(invalid('dev', { valkey: { image: 'valkey/valkey' } }).join(), /valkey\.image: must pin a tag/);
    });

    it('for a page timeout longer than a minute (a shopper has long gone)', () => {
      assert.deepEqual(invalid('prod', { web: { cdn: { pageTimeoutSeconds: 61 } } }), [
        'web.cdn.pageTimeoutSeconds: Too big: expected number to be <=60 (got 61)',
      ]);
    });

    it('for an unknown key (a typo)', () => {
      assert.deepEqual(invalid('prod', { web: { replicaz: 3 } }), ['web.replicaz: unknown key (typo?)']);
    });

    it('for a bad time zone', () => {
      assert.match(
        invalid('prod', { site: { timeZone: 'Mars/Olympus' } }).join(),
        /site\.timeZone: must be an IANA time zone.*"Mars\/Olympus"/,
      );
    });

    it('for a bad quantity', () => {
      assert.match(
        invalid('prod', { valkey: { maxmemory: '2GB' } }).join(),
        /valkey\.maxmemory: must be a size with a binary suffix/,
      );
      assert.match(
        invalid('prod', { search: { resources: { cpu: 'lots' } } }).join(),
        /search\.resources\.cpu: must be a CPU quantity/,
      );
    });

    it('for a wrong type', () => {
      assert.match(
        invalid('prod', { valkey: { replicas: 'two' } }).join(),
        /valkey\.replicas: .*expected number.*\(got "two"\)/,
      );
    });

    it('for a pool that does not exist', () => {
      assert.match(invalid('prod', { search: { pool: 'gpu' } }).join(), /search\.pool: .*(got "gpu")/);
    });

    it('for ReadWriteOnce embeddings with more than one search replica', () => {
      assert.match(
        invalid('prod', { search: { embeddings: { accessMode: 'ReadWriteOnce' } } }).join(),
        /search\.embeddings\.accessMode: ReadWriteOnce cannot be mounted/,
      );
    });

    it('for the operator on the pool it empties', () => {
      assert.match(
        invalid('prod', { platform: { operator: { pool: 'dev' } } }).join(),
        /platform\.operator\.pool: the operator must not run on the dev pool/,
      );
    });

    it('for the waker on the pool that sleeps', () => {
      assert.match(
        invalid('prod', { platform: { waker: { pool: 'dev' } } }).join(),
        /platform\.waker\.pool: the waker must run on an always-on pool, not dev/,
      );
    });

    it('for a waker host that is not a host name, or a namespace that is not a name', () => {
      const problems = invalid('prod', {
        platform: { waker: { hosts: { 'not a host': 'dev', 'ok.example.com': 'Dev!' } } },
      });
      assert.match(problems.join('\n'), /platform\.waker\.hosts/);
      assert.equal(problems.length, 2, problems.join('\n'));
    });

    it('for wake on request in an environment no schedule puts to sleep', () => {
      const { powerSchedule: _schedule, ...unscheduled } = defaultValues('staging');
      assert.match(problemsOf(() => validateValues(unscheduled, 'test')).join(), /wakeOnRequest: needs powerSchedule/);
    });

    it('for a power schedule with both uptime and downtime', () => {
      const schedule = { name: 'office-hours', uptime: 'Mon-Fri 07:00-20:00', downtime: 'Sat-Sun 00:00-24:00' };
      assert.match(
        invalid('prod', { platform: { powerSchedules: [schedule] } }).join(),
        /platform\.powerSchedules\.0: set exactly one of uptime or downtime/,
      );
    });

    it('lists every problem at once', () => {
      assert.equal(invalid('prod', { web: { replicaz: 1, appPort: 80 }, valkey: { replicas: 0 } }).length, 3);
    });
  });

  describe('a values file', () => {
    it('merges `all` and then the environment section over the defaults', () => {
      const file = valuesFile(
        'all:\n  site:\n    timeZone: America/New_York\nprod:\n  web:\n    autoscaling:\n      maxReplicas: 40\n',
      );
      const prod = loadValues({ environment: 'prod', file });
      assert.equal(prod.site.timeZone, 'America/New_York');
      assert.equal(prod.web.autoscaling.maxReplicas, 40);
      assert.equal(prod.web.autoscaling.minReplicas, 3, 'keys not in the file keep their defaults');
      assert.equal(loadValues({ environment: 'dev', file }).web.autoscaling.maxReplicas, 2);
    });

    it('replaces lists instead of merging them', () => {
      const file = valuesFile('dev:\n  campaigns: []\n');
      assert.deepEqual(loadValues({ environment: 'dev', file }).campaigns, []);
    });

    it('reports YAML syntax errors with the line', () => {
      const file = valuesFile('prod:\n  web:\n    image: [unclosed\n');
      assert.match(problemsOf(() => loadValues({ environment: 'prod', file })).join(), /YAML .* at line \d/);
    });

    it('reports an unknown environment section', () => {
      const file = valuesFile('production:\n  web: {}\n');
      assert.deepEqual(
        problemsOf(() => loadValues({ environment: 'prod', file })),
        ['production: unknown environment (expected one of all, prod, staging, dev)'],
      );
    });

    it('names the file and environment in the message', () => {
      const file = valuesFile('prod:\n  valkey:\n    replicas: 9\n');
      assert.throws(
        () => loadValues({ environment: 'prod', file }),
        (err: Error) => err.message.includes(`${file}, environment prod`) && err.message.includes('valkey.replicas'),
      );
    });

    it('reports a missing file', () => {
      assert.match(
        problemsOf(() => loadValues({ environment: 'prod', file: '/nonexistent/values.yaml' })).join(),
        /cannot read the file: ENOENT/,
      );
    });

    it('cannot change which environment it describes', () => {
      const file = valuesFile('dev:\n  environment: prod\n');
      assert.match(problemsOf(() => loadValues({ environment: 'dev', file })).join(), /environment: must be "dev"/);
    });
  });
});
