import { strict as assert } from 'node:assert';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { PowerSchedule } from '../../../operator/api/power-schedule.js';
import { buildWakerApp, type WakerAppOptions } from '../../../operator/waker/app.js';
import type { WakerKube, WakerNamespace } from '../../../operator/waker/wake-namespace.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const BROWSER = {
  accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
};

/** The waker's three API calls over in-memory objects, recording each; the real ones run in test/integration. */
class RecordingKube implements WakerKube {
  readonly calls: string[] = [];
  readonly namespaces = new Map<string, WakerNamespace>();
  schedules: PowerSchedule[] = [];

  readNamespace(name: string) {
    this.calls.push(`get namespace ${name}`);
    return Promise.resolve(this.namespaces.get(name));
  }
  listSchedules() {
    this.calls.push('list powerschedules');
    return Promise.resolve(this.schedules);
  }
  annotateNamespace(name: string, resourceVersion: string, annotations: Record<string, string>) {
    this.calls.push(`patch namespace ${name}@${resourceVersion} ${JSON.stringify(annotations)}`);
    return Promise.resolve();
  }
}

const schedule = (name: string, namespaces: string[], uptime: string): PowerSchedule => ({
  apiVersion: 'roleplane.io/v1alpha1',
  kind: 'PowerSchedule',
  metadata: { name },
  spec: { namespaces, uptime, timeZone: 'Europe/Berlin' },
});

describe('buildWakerApp', () => {
  let app: FastifyInstance;
  let kube: RecordingKube;
  // Monday 21:00 in Berlin: outside Mon-Fri 07:00-20:00.
  const clock = new ManualClock('2026-11-30T20:00:00Z');

  const start = (options: Partial<WakerAppOptions> = {}) => {
    kube = new RecordingKube();
    kube.namespaces.set('dev', { metadata: { name: 'dev', resourceVersion: '41' } });
    kube.namespaces.set('staging', { metadata: { name: 'staging', resourceVersion: '7' } });
    kube.namespaces.set('loose', { metadata: { name: 'loose', resourceVersion: '3' } });
    kube.schedules = [schedule('office-hours', ['dev', 'staging'], 'Mon-Fri 07:00-20:00')];
    app = buildWakerApp({
      kube,
      clock,
      log: pino({ level: 'silent' }),
      registry: new Registry(),
      options: {
        hosts: new Map([
          ['dev.shop.example.com', 'dev'],
          ['staging.shop.example.com', 'staging'],
          ['loose.shop.example.com', 'loose'],
        ]),
        awakeForMs: 2 * 3_600_000,
        perNamespaceMs: 30_000,
        burst: 10,
        perMinute: 30,
        ...options,
      },
    });
  };
  const visit = (
    host: string,
    path = '/',
    method: 'GET' | 'HEAD' | 'POST' = 'GET',
    headers: Record<string, string> = BROWSER,
  ) => app.inject({ method, url: path, headers: { ...headers, host } });

  afterEach(async () => {
    await app?.close();
  });

  it('wakes the namespace of the Host on a page view: awake-until two hours on, and a page that reloads itself', async () => {
    start();
    const res = await visit('dev.shop.example.com', '/products/42?x=1');
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body, /<meta http-equiv="refresh" content="5">/);
    assert.match(res.body, /<title>Waking up dev\.shop\.example\.com<\/title>/);
    assert.match(res.body, /It stays awake until 2026-11-30 22:00 UTC\./);
    assert.doesNotMatch(res.body, /<script/);
    assert.deepEqual(kube.calls, [
      'get namespace dev',
      'list powerschedules',
      'patch namespace dev@41 {"roleplane.io/awake-until":"2026-11-30T22:00:00Z"}',
    ]);
  });

  it('makes one attempt per namespace per interval, however many views come', async () => {
    start();
    await Promise.all([visit('dev.shop.example.com'), visit('dev.shop.example.com', '/cart')]);
    clock.set('2026-11-30T20:00:29Z');
    const again = await visit('dev.shop.example.com');
    assert.match(again.body, /It is starting/);
    assert.equal(kube.calls.filter((c) => c.startsWith('patch')).length, 1);
    assert.equal(kube.calls.length, 3);
    clock.set('2026-11-30T20:00:30Z');
    await visit('dev.shop.example.com');
    assert.equal(kube.calls.length, 6, 'a new attempt after the interval');
  });

  it('answers HEAD, POST, crawlers and checkers with the page and wakes nothing', async () => {
    start();
    const head = await visit('dev.shop.example.com', '/', 'HEAD');
    assert.equal(head.statusCode, 503);
    assert.equal(head.body, '');
    const post = await visit('dev.shop.example.com', '/checkout', 'POST');
    assert.match(post.body, /Open it in a browser to wake it up/);
    await visit('dev.shop.example.com', '/', 'GET', { ...BROWSER, 'user-agent': 'kube-probe/1.37' });
    await visit('dev.shop.example.com', '/', 'GET', { ...BROWSER, 'user-agent': 'Googlebot/2.1' });
    assert.deepEqual(kube.calls, []);
  });

  it('says 404 for a host it does not know, without reloading', async () => {
    start();
    const res = await visit('www.example.org');
    assert.equal(res.statusCode, 404);
    assert.doesNotMatch(res.body, /http-equiv="refresh"/);
    assert.deepEqual(kube.calls, []);
  });

  it('leaves alone a namespace no PowerSchedule manages, one a person put to sleep, and one already awake', async () => {
    start();
    const loose = await visit('loose.shop.example.com');
    assert.match(loose.body, /nothing to wake: no PowerSchedule selects namespace loose/);
    kube.namespaces.set('staging', {
      metadata: {
        name: 'staging',
        resourceVersion: '8',
        annotations: { 'roleplane.io/asleep-until': '2026-12-01T06:00:00Z' },
      },
    });
    const held = await visit('staging.shop.example.com');
    assert.match(held.body, /asleep on purpose/);
    clock.set('2026-12-01T09:00:00Z'); // Tuesday 10:00 in Berlin: awake by the schedule
    const awake = await visit('dev.shop.example.com');
    assert.match(awake.body, /It is starting/);
    assert.deepEqual(
      kube.calls.filter((c) => c.startsWith('patch')),
      [],
    );
    clock.set('2026-11-30T20:00:00Z');
  });

  it('stops asking the API server when its token bucket is empty', async () => {
    start({ burst: 1, perMinute: 1 });
    await visit('dev.shop.example.com');
    const limited = await visit('staging.shop.example.com');
    assert.match(limited.body, /Waking up staging/);
    assert.deepEqual(
      kube.calls.filter((c) => c.includes('staging')),
      [],
    );
  });
});
