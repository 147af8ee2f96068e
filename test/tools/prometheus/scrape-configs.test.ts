import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { Context } from 'mocha';
import type { Manifest } from '../../../charts/synth.js';
import { ruleGroupsOf } from '../../../tools/prometheus/rule-file.js';
import {
  addressesFrom,
  prometheusConfig,
  scrapeConfigs,
  type StaticScrapeConfig,
} from '../../../tools/prometheus/scrape-configs.js';
import { requireBinary } from '../../helpers/binaries.js';
import { objectsOf } from '../../helpers/manifests.js';
import { freePort } from '../../helpers/ports.js';
import { PrometheusServer } from '../../helpers/prometheus-server.js';
import { useTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

/** Every monitored Service or workload of prod, on hosts of a made-up stack. */
const PROD_HOSTS = {
  'search/search': 'search.local',
  'search/valkey': 'valkey.local',
  'web/web': 'web.local',
  'roleplane-system/roleplane-operator-metrics': 'operator.local',
};

function byName(configs: readonly StaticScrapeConfig[]): Record<string, StaticScrapeConfig> {
  return Object.fromEntries(configs.map((c) => [c.job_name, c]));
}

describe('scrapeConfigs', () => {
  const objects = objectsOf('prod');

  it('makes one scrape config per monitor endpoint, named and labelled as the Prometheus Operator does', () => {
    const configs = byName(scrapeConfigs(objects, addressesFrom(PROD_HOSTS)));
    assert.deepEqual(Object.keys(configs).sort(), [
      'podMonitor/search/valkey/0',
      'podMonitor/web/web/0',
      'podMonitor/web/web/1',
      'serviceMonitor/roleplane-system/roleplane-operator/0',
      'serviceMonitor/search/search/0',
    ]);
    assert.deepEqual(configs['serviceMonitor/search/search/0'], {
      job_name: 'serviceMonitor/search/search/0',
      scrape_interval: '30s',
      metrics_path: '/metrics',
      scheme: 'http',
      static_configs: [
        {
          // The Service's port 80 (`http`) goes to the pod's 8080: the target is the pod's port.
          targets: ['search.local:8080'],
          labels: { job: 'search', namespace: 'search', service: 'search', container: 'search', endpoint: 'http' },
        },
      ],
    });
    assert.deepEqual(configs['podMonitor/web/web/1']!.static_configs, [
      {
        targets: ['web.local:3903'],
        labels: { job: 'web', namespace: 'web', container: 'page-cache-exporter', endpoint: 'cache-metrics' },
      },
    ]);
    assert.deepEqual(configs['podMonitor/search/valkey/0']!.static_configs[0]!.targets, ['valkey.local:9121']);
    assert.deepEqual(
      configs['serviceMonitor/roleplane-system/roleplane-operator/0']!.static_configs[0]!.labels.job,
      'operator',
    );
  });

  it('gives every target the job and namespace its alert rules match on', () => {
    const configs = scrapeConfigs(objects, addressesFrom(PROD_HOSTS));
    const jobs = new Set(configs.flatMap((c) => c.static_configs.map((s) => `${s.labels.job}/${s.labels.namespace}`)));
    const exprs = ruleGroupsOf(objects).flatMap((g) => g.rules.map((r) => r.expr));
    for (const [, job, namespace] of exprs.flatMap((e) => [...e.matchAll(/job="([^"]+)", namespace="([^"]+)"/g)])) {
      if (job === 'kube-state-metrics') continue;
      assert.ok(jobs.has(`${job}/${namespace}`), `a rule matches job ${job} in ${namespace}, which no target has`);
    }
  });

  it('takes an exact host:port per endpoint over a host per workload', () => {
    const configs = byName(
      scrapeConfigs(objects, addressesFrom({ ...PROD_HOSTS, 'web/web:cache-metrics': '127.0.0.1:19903' })),
    );
    assert.deepEqual(configs['podMonitor/web/web/0']!.static_configs[0]!.targets, ['web.local:9113']);
    assert.deepEqual(configs['podMonitor/web/web/1']!.static_configs[0]!.targets, ['127.0.0.1:19903']);
  });

  it('says which monitor and workload have no address', () => {
    const { 'search/valkey': _valkey, ...withoutValkey } = PROD_HOSTS;
    assert.throws(
      () => scrapeConfigs(objects, addressesFrom(withoutValkey)),
      /no address for PodMonitor search\/valkey endpoint metrics: search\/valkey \(port 9121\) is not in the map/,
    );
    assert.throws(() => scrapeConfigs(objects, () => 'search.local'), /must be host:port \(got "search.local"\)/);
  });

  it('says which monitor selects nothing or names a port that does not exist', () => {
    const broken = structuredClone<Manifest[]>(objects);
    const monitor = broken.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'search')!;
    (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = { nothing: 'x' };
    assert.throws(
      () => scrapeConfigs(broken, addressesFrom(PROD_HOSTS)),
      /ServiceMonitor search\/search selects no Service/,
    );
    const podMonitor = broken.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'web')!;
    (podMonitor.spec as { podMetricsEndpoints: Array<{ port: string }> }).podMetricsEndpoints[0]!.port = 'nope';
    const valid = broken.filter((o) => o !== monitor);
    assert.throws(
      () => scrapeConfigs(valid, addressesFrom(PROD_HOSTS)),
      /Deployment web\/web has no container port nope/,
    );
  });

  it('is empty with monitoring off', () => {
    assert.deepEqual(
      scrapeConfigs(objectsOf('prod', { monitoring: { enabled: false } }), () => undefined),
      [],
    );
  });
});

/** A stand-in search pod: /metrics in the Prometheus text format, with a cache state the test sets. */
class MetricsTarget {
  cacheAvailable = 0;
  private readonly server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(
        [
          '# TYPE roleplane_search_cache_available gauge',
          `roleplane_search_cache_available ${this.cacheAvailable}`,
          '# TYPE roleplane_search_index_ready gauge',
          'roleplane_search_index_ready 1',
          '',
        ].join('\n'),
      );
  });

  private constructor(readonly port: number) {}

  static async start(): Promise<MetricsTarget> {
    const target = new MetricsTarget(await freePort());
    await new Promise<void>((resolve) => target.server.listen(target.port, '127.0.0.1', resolve));
    return target;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('a real Prometheus on the translated scrape configs and the synthesized rules', function () {
  this.timeout(120_000);
  const tempDir = useTempDir('prometheus', 'all');
  let prometheus: PrometheusServer | undefined;
  let target: MetricsTarget | undefined;

  before(async function (this: Context) {
    const binary = requireBinary(this, ['prometheus'], "the scrape configs are run by Debian's prometheus");
    target = await MetricsTarget.start();
    // Fast intervals so that the test waits seconds; the alert's `for` is the values' downFor.
    const objects = objectsOf('prod', { monitoring: { scrapeInterval: '1s', alerts: { downFor: '2s' } } });
    // Only search has a live target; every other role points at a port where nothing listens (down).
    const closed = await freePort();
    const addressOf = addressesFrom({
      'search/search': `127.0.0.1:${target.port}`,
      ...Object.fromEntries(
        Object.keys(PROD_HOSTS)
          .filter((key) => key !== 'search/search')
          .map((key) => [key, `127.0.0.1:${closed}`]),
      ),
    });
    const config = prometheusConfig(scrapeConfigs(objects, addressOf), {
      ruleFiles: ['roleplane-rules.yaml'],
      evaluationInterval: '1s',
    });
    prometheus = await PrometheusServer.start(binary, tempDir(), config, {
      'roleplane-rules.yaml': { groups: ruleGroupsOf(objects) },
    });
  });

  after(async () => {
    await prometheus?.stop();
    await target?.stop();
  });

  it('scrapes the search target (up == 1) with the labels the operator would give it', async () => {
    const [up] = await waitFor(
      'up{job="search"} == 1',
      60_000,
      async () => {
        const samples = await prometheus!.query('up{job="search", namespace="search"} == 1');
        return samples.length > 0 ? samples : undefined;
      },
      250,
    );
    assert.deepEqual(up!.metric, {
      __name__: 'up',
      job: 'search',
      namespace: 'search',
      service: 'search',
      container: 'search',
      endpoint: 'http',
      instance: `127.0.0.1:${target!.port}`,
    });
  });

  it('fires the cache alert from the scraped gauge, and resolves it when the cache is back', async () => {
    const firing = async () =>
      (await prometheus!.alerts()).filter(
        (a) => a.labels.alertname === 'RoleplaneSearchWithoutCache' && a.state === 'firing',
      );
    const [alert] = await waitFor(
      'RoleplaneSearchWithoutCache firing',
      60_000,
      async () => {
        const alerts = await firing();
        return alerts.length > 0 ? alerts : undefined;
      },
      250,
    );
    assert.equal(alert!.labels.severity, 'warning');
    assert.equal(alert!.labels.namespace, 'search');
    assert.match(alert!.annotations.runbook_url ?? '', /#roleplanesearchwithoutcache$/);
    target!.cacheAvailable = 1;
    await waitFor(
      'RoleplaneSearchWithoutCache resolved',
      60_000,
      async () => ((await firing()).length === 0 ? true : undefined),
      250,
    );
  });

  it('sees the roles that are down as down (their down alerts go pending or firing)', async () => {
    await waitFor(
      'RoleplaneValkeyDown and RoleplaneWebDown active',
      60_000,
      async () => {
        const names = new Set((await prometheus!.alerts()).map((a) => a.labels.alertname));
        return names.has('RoleplaneValkeyDown') && names.has('RoleplaneWebDown') ? true : undefined;
      },
      250,
    );
    const search = await prometheus!.alerts();
    assert.ok(
      !search.some((a) => a.labels.alertname === 'RoleplaneSearchDown'),
      'search is up: no RoleplaneSearchDown',
    );
  });
});
