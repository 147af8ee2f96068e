import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { APP_ENVIRONMENT_VARIABLES } from '../../charts/web-chart.js';
import { CDN_TIERS, NGINX_PORT } from '../../charts/web-nginx-conf.js';
import { requireBinary } from '../helpers/binaries.js';
import { find, objectsOf, podTemplates, testValues } from '../helpers/manifests.js';
import { nginxConfOf, type RunningNginx, startNginx } from '../helpers/nginx.js';
import { freePort } from '../helpers/ports.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('WebChart', () => {
  const objects = objectsOf('prod');
  const deployment = find(objects, 'Deployment', 'web', 'web');
  const pod = podTemplates([deployment])[0]!;

  it('runs the app image from values behind an nginx page cache configured from a generated ConfigMap', () => {
    assert.deepEqual(
      pod.spec.containers.map((c) => c.name),
      ['nginx', 'app', 'nginx-exporter', 'page-cache-exporter'],
    );
    assert.equal(pod.spec.containers[1]!.image, testValues('prod').web.image);
    const conf = nginxConfOf(objects);
    assert.ok(pod.spec.containers[0]!.volumeMounts!.some((m) => m.mountPath === '/etc/nginx/nginx.conf'));
    assert.match(conf, /proxy_cache_path \/var\/cache\/nginx\/pages .* max_size=1024m/);
  });

  it('tells the app which environment it runs in and whether to debug (ROLEPLANE_ENV, ROLEPLANE_DEBUG)', () => {
    const contract = (env: 'prod' | 'staging' | 'dev') => {
      const namespace = env === 'prod' ? 'web' : env;
      const app = podTemplates([find(objectsOf(env), 'Deployment', 'web', namespace)])[0]!.spec.containers[1]!;
      const value = (name: string) => app.env?.find((e) => e.name === name)?.value;
      return [value(APP_ENVIRONMENT_VARIABLES.environment), value(APP_ENVIRONMENT_VARIABLES.debug)];
    };
    assert.deepEqual(APP_ENVIRONMENT_VARIABLES, { environment: 'ROLEPLANE_ENV', debug: 'ROLEPLANE_DEBUG' });
    assert.deepEqual(contract('prod'), ['prod', 'false']);
    assert.deepEqual(contract('staging'), ['staging', 'false']);
    assert.deepEqual(contract('dev'), ['dev', 'true']);
  });

  it('gives dev no page cache and no cache volume, and keeps the nginx container as locked down as prod', () => {
    const dev = podTemplates([find(objectsOf('dev'), 'Deployment', 'web', 'dev')])[0]!;
    assert.doesNotMatch(nginxConfOf(objectsOf('dev'), 'dev'), /proxy_cache/);
    assert.ok(!dev.spec.volumes!.some((v) => v.name === 'page-cache'));
    assert.ok(pod.spec.volumes!.some((v) => v.name === 'page-cache'));
    assert.deepEqual(dev.spec.containers[0]!.securityContext, pod.spec.containers[0]!.securityContext);
    assert.deepEqual(dev.spec.securityContext, pod.spec.securityContext);
  });

  it('routes the CDN origin through an Ingress to the Service on the nginx port', () => {
    const ingress = find(objects, 'Ingress', 'web', 'web').spec as {
      ingressClassName: string;
      rules: Array<{ host: string }>;
      tls: Array<{ secretName: string }>;
    };
    assert.equal(ingress.ingressClassName, 'nginx');
    assert.equal(ingress.rules[0]!.host, 'shop.example.com');
    assert.equal(ingress.tls[0]!.secretName, 'shop-tls');
    const service = find(objects, 'Service', 'web', 'web').spec as { ports: Array<{ targetPort: number }> };
    assert.equal(service.ports[0]!.targetPort, NGINX_PORT);
  });

  it('scales with an HPA (and leaves replicas to it), keeps a PDB and spreads across zones and hosts', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'web', 'web').spec as {
      minReplicas: number;
      maxReplicas: number;
      scaleTargetRef: { name: string };
    };
    assert.deepEqual([hpa.minReplicas, hpa.maxReplicas, hpa.scaleTargetRef.name], [3, 20, 'web']);
    assert.equal(
      (deployment.spec as { replicas?: number }).replicas,
      undefined,
      'a fixed replicas field would fight the HPA on every apply',
    );
    assert.equal(find(objects, 'PodDisruptionBudget', 'web', 'web').kind, 'PodDisruptionBudget');
    assert.deepEqual(
      pod.spec.topologySpreadConstraints!.map((t) => t.topologyKey),
      ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
    );
  });

  it('takes the page cache timeouts from values', () => {
    const conf = nginxConfOf(objectsOf('prod', { web: { cdn: { pageTimeoutSeconds: 3, privateTimeoutSeconds: 90 } } }));
    assert.match(conf, /^ {2}proxy_read_timeout 3s;$/m);
    assert.match(conf, /location \^~ \/checkout \{[^}]*proxy_read_timeout 90s;/);
  });

  describe('the page cache, run in a real nginx', function () {
    this.timeout(30_000);
    let nginx: RunningNginx | undefined;
    let app: Server | undefined;
    let base = '';
    let appHits = 0;
    const runDir = useTempDir('nginx-run', 'all');

    before(async function () {
      const binary = requireBinary(
        this,
        ['nginx', '/usr/sbin/nginx'],
        'the page-cache tiers are tested in a real nginx',
      );
      const appPort = await freePort();
      app = createServer((req, res) => {
        appHits++;
        res.setHeader('Cache-Control', 'public, max-age=999');
        res.end(`app ${req.url} ${appHits}`);
      });
      await new Promise<void>((r) => app!.listen(appPort, '127.0.0.1', r));
      // The config the chart synthesized, as the pod runs it (only paths and ports are moved to loopback).
      nginx = await startNginx(binary, nginxConfOf(objects), runDir(), appPort);
      base = nginx.url;
    });

    after(async () => {
      await nginx?.stop();
      await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
    });

    async function twice(
      path: string,
      headers: Record<string, string> = {},
    ): Promise<{ cacheControl: string | null; second: string | null; hits: number }> {
      const before = appHits;
      const first = await fetch(`${base}${path}`, { headers });
      await first.text();
      const again = await fetch(`${base}${path}`, { headers });
      await again.text();
      return {
        cacheControl: first.headers.get('cache-control'),
        second: again.headers.get('x-cache-status'),
        hits: appHits - before,
      };
    }

    it('keeps static assets a year, immutable', async () => {
      const r = await twice('/assets/app.3f2a.js');
      assert.deepEqual([r.cacheControl, r.second, r.hits], [CDN_TIERS.static.cacheControl, 'HIT', 1]);
    });

    it('keeps product pages an hour', async () => {
      const r = await twice('/products/blue-mug');
      assert.deepEqual([r.cacheControl, r.second, r.hits], [CDN_TIERS.product.cacheControl, 'HIT', 1]);
    });

    it('keeps search pages five minutes', async () => {
      const r = await twice('/search?q=mug');
      assert.deepEqual([r.cacheControl, r.second, r.hits], [CDN_TIERS.search.cacheControl, 'HIT', 1]);
    });

    it('never caches the API or user-specific pages', async () => {
      for (const path of ['/api/cart', '/account/orders', '/checkout']) {
        const r = await twice(path);
        assert.deepEqual([r.cacheControl, r.hits], [CDN_TIERS.private.cacheControl, 2], path);
      }
    });

    it('never serves a cached page to a request with the session cookie', async () => {
      await twice('/products/red-mug');
      const r = await twice('/products/red-mug', { cookie: 'session=abc' });
      assert.deepEqual([r.cacheControl, r.hits], [CDN_TIERS.private.cacheControl, 2]);
    });
  });
});
