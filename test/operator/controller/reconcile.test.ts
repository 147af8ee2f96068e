import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  ASLEEP_UNTIL_ANNOTATION,
  AWAKE_UNTIL_ANNOTATION,
  EXCLUDE_LABEL,
  ORIGINAL_REPLICAS_ANNOTATION,
  ORIGINAL_SUSPEND_ANNOTATION,
} from '../../../operator/api/keys.js';
import type { PowerSchedule, PowerScheduleSpec } from '../../../operator/api/power-schedule.js';
import { reconcile } from '../../../operator/controller/reconcile.js';
import type { WrittenStatus } from '../../../operator/controller/schedule-status.js';
import type { NamespaceMemory } from '../../../operator/controller/transitions.js';
import { KubeApiError } from '../../../operator/kube/api.js';
import { OperatorMetrics } from '../../../operator/metrics.js';
import { FakeKube } from '../../helpers/fake-kube.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// Mon-Fri 07:00-20:00 in Berlin. 2026-11-27 is a Friday; Berlin is UTC+1 in November.
const OFFICE_HOURS: PowerScheduleSpec = {
  namespaces: ['dev'],
  uptime: 'Mon-Fri 07:00-20:00',
  timeZone: 'Europe/Berlin',
};
const FRIDAY_NOON = '2026-11-27T11:00:00Z';
const FRIDAY_NIGHT = '2026-11-27T19:00:00Z'; // 20:00 Berlin: the boundary itself
const MONDAY_MORNING = '2026-11-30T06:00:00Z'; // 07:00 Berlin

function schedule(spec: PowerScheduleSpec = OFFICE_HOURS, name = 'office-hours'): PowerSchedule {
  return {
    apiVersion: 'roleplane.io/v1alpha1',
    kind: 'PowerSchedule',
    metadata: { name, generation: 1, uid: `uid-${name}` },
    spec,
  };
}

/** The operator's memory between reconciles; a new one is a restarted operator. */
function memory() {
  return {
    inFlight: new Map<string, string>(),
    transitions: new Map<string, NamespaceMemory>(),
    statuses: new Map<string, WrittenStatus>(),
  };
}

/** A logger whose lines (parsed JSON) the test can read. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

function setup(spec?: PowerScheduleSpec) {
  const kube = new FakeKube();
  kube.addSchedule(schedule(spec));
  kube.addNamespace('dev');
  kube.addWorkload({ kind: 'StatefulSet', metadata: { name: 'valkey', namespace: 'dev' }, replicas: 1 });
  kube.addWorkload({ kind: 'Deployment', metadata: { name: 'web', namespace: 'dev' }, replicas: 3 });
  kube.addWorkload({ kind: 'Deployment', metadata: { name: 'search', namespace: 'dev' }, replicas: 2 });
  kube.addWorkload({ kind: 'CronJob', metadata: { name: 'newsletter', namespace: 'dev' }, suspend: false });
  const clock = new ManualClock(FRIDAY_NOON);
  const deps = {
    api: kube,
    cache: kube,
    clock,
    log: pino({ level: 'silent' }),
    ...memory(),
  };
  // Each step sees the objects as the watch would deliver them after our writes.
  const run = async (at: string) => {
    clock.set(at);
    deps.inFlight.clear();
    const result = await reconcile('office-hours', deps);
    kube.syncStatus();
    return result;
  };
  return { kube, clock, deps, run };
}

function lastStatus(kube: FakeKube) {
  return kube.statusWrites.at(-1)!.status;
}

describe('reconcile', () => {
  it('does nothing while the schedule wants the namespace awake, and asks to run again at the next sleep', async () => {
    const { kube, run } = setup();
    const result = await run(FRIDAY_NOON);
    assert.deepEqual(kube.patches, []);
    assert.equal(result.requeueAfterMs, Date.parse(FRIDAY_NIGHT) - Date.parse(FRIDAY_NOON));
    const ns = lastStatus(kube).namespaces![0]!;
    assert.deepEqual(
      [ns.phase, ns.nextSleep, ns.nextWake],
      ['Awake', '2026-11-27T19:00:00.000Z', MONDAY_MORNING.replace('Z', '.000Z')],
    );
    assert.deepEqual(ns.managed, { deployments: 2, statefulSets: 1, cronJobs: 1 });
  });

  it('puts the namespace to sleep at the boundary: CronJobs, then Deployments, then StatefulSets, remembering each original in the same patch', async () => {
    const { kube, run } = setup();
    const result = await run(FRIDAY_NIGHT);
    assert.deepEqual(
      kube.patches.map((p) => `${p.kind}/${p.name}`),
      ['CronJob/newsletter', 'Deployment/web', 'Deployment/search', 'StatefulSet/valkey'],
    );
    assert.deepEqual(kube.patches[0], {
      kind: 'CronJob',
      namespace: 'dev',
      name: 'newsletter',
      resourceVersion: kube.patches[0]!.resourceVersion,
      suspend: true,
      annotations: { [ORIGINAL_SUSPEND_ANNOTATION]: 'false' },
    });
    assert.deepEqual(kube.patches[1]!.annotations, { [ORIGINAL_REPLICAS_ANNOTATION]: '3' });
    assert.equal(kube.patches[1]!.replicas, 0);
    assert.equal(kube.get('StatefulSet', 'dev', 'valkey').replicas, 0);
    assert.equal(lastStatus(kube).namespaces![0]!.phase, 'Asleep');
    assert.equal(result.requeueAfterMs, Date.parse(MONDAY_MORNING) - Date.parse(FRIDAY_NIGHT));
    assert.deepEqual(
      kube.events.map((e) => `${e.type} ${e.reason} ${e.regarding.kind}/${e.regarding.name}`),
      ['Normal Slept Namespace/dev'],
    );
  });

  it('wakes exactly as it was: StatefulSets first, then Deployments, then CronJobs; annotations removed', async () => {
    const { kube, run } = setup();
    await run(FRIDAY_NIGHT);
    kube.patches.length = 0;
    await run(MONDAY_MORNING);
    assert.deepEqual(
      kube.patches.map((p) => `${p.kind}/${p.name}`),
      ['StatefulSet/valkey', 'Deployment/web', 'Deployment/search', 'CronJob/newsletter'],
    );
    assert.deepEqual(
      [
        kube.get('Deployment', 'dev', 'web').replicas,
        kube.get('Deployment', 'dev', 'search').replicas,
        kube.get('StatefulSet', 'dev', 'valkey').replicas,
      ],
      [3, 2, 1],
    );
    assert.equal(kube.get('CronJob', 'dev', 'newsletter').suspend, false);
    for (const w of kube.workloads('dev'))
      assert.deepEqual(w.metadata.annotations ?? {}, {}, `${w.kind}/${w.metadata.name}`);
    assert.equal(lastStatus(kube).namespaces![0]!.phase, 'Awake');
  });

  it('is level-triggered: an operator started late (Saturday) still puts the namespace to sleep', async () => {
    const { kube, run } = setup();
    await run('2026-11-28T15:00:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
  });

  it('sends nothing on a second reconcile at the same state', async () => {
    const { kube, run } = setup();
    await run(FRIDAY_NIGHT);
    const patches = kube.patches.length;
    const statusWrites = kube.statusWrites.length;
    await run('2026-11-27T19:00:05Z');
    assert.equal(kube.patches.length, patches);
    assert.equal(kube.statusWrites.length, statusWrites, 'an unchanged status is not written again');
  });

  it('keeps a human change made while asleep, forgets the original and warns', async () => {
    const { kube, run } = setup();
    await run(FRIDAY_NIGHT);
    kube.edit('Deployment', 'dev', 'web', { replicas: 5 });
    await run(MONDAY_MORNING);
    const web = kube.get('Deployment', 'dev', 'web');
    assert.equal(web.replicas, 5);
    assert.equal(web.metadata.annotations?.[ORIGINAL_REPLICAS_ANNOTATION], undefined);
    const warning = kube.events.find((e) => e.type === 'Warning')!;
    assert.equal(warning.reason, 'ChangedWhileAsleep');
    assert.match(warning.note, /changed to 5 while asleep \(3 before sleep\); keeping 5/);
  });

  it('scales a workload with an HPA to 0 (pausing the HPA) even when downtimeReplicas is 1, and restores it', async () => {
    const { kube, run } = setup({ ...OFFICE_HOURS, downtimeReplicas: 1 });
    kube.addHpa('dev', 'Deployment', 'web');
    await run(FRIDAY_NIGHT);
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
    assert.equal(kube.get('Deployment', 'dev', 'search').replicas, 1);
    await run(MONDAY_MORNING);
    assert.deepEqual(
      [kube.get('Deployment', 'dev', 'web').replicas, kube.get('Deployment', 'dev', 'search').replicas],
      [3, 2],
    );
  });

  it('leaves a workload already at or below downtimeReplicas alone, and a CronJob someone else suspended', async () => {
    const { kube, run } = setup();
    kube.addWorkload({ kind: 'Deployment', metadata: { name: 'idle', namespace: 'dev' }, replicas: 0 });
    kube.addWorkload({ kind: 'CronJob', metadata: { name: 'paused', namespace: 'dev' }, suspend: true });
    await run(FRIDAY_NIGHT);
    await run(MONDAY_MORNING);
    assert.ok(!kube.patches.some((p) => p.name === 'idle' || p.name === 'paused'));
    assert.equal(kube.get('CronJob', 'dev', 'paused').suspend, true);
  });

  it('never touches excluded workloads (label or spec) and skips excluded namespaces', async () => {
    const { kube, run } = setup({
      ...OFFICE_HOURS,
      namespaces: ['dev', 'ops'],
      excludedWorkloads: [{ kind: 'Deployment', name: 'search' }],
    });
    kube.addWorkload({
      kind: 'Deployment',
      metadata: { name: 'keep', namespace: 'dev', labels: { [EXCLUDE_LABEL]: 'true' } },
      replicas: 2,
    });
    kube.addNamespace('ops', { labels: { [EXCLUDE_LABEL]: 'true' } });
    kube.addWorkload({ kind: 'Deployment', metadata: { name: 'tool', namespace: 'ops' }, replicas: 1 });
    await run(FRIDAY_NIGHT);
    assert.deepEqual(
      [
        kube.get('Deployment', 'dev', 'search').replicas,
        kube.get('Deployment', 'dev', 'keep').replicas,
        kube.get('Deployment', 'ops', 'tool').replicas,
      ],
      [2, 2, 1],
    );
    assert.equal(lastStatus(kube).namespaces!.find((n) => n.name === 'ops')!.phase, 'Excluded');
  });

  it('wakes a workload that was excluded while asleep', async () => {
    const { kube, run, deps } = setup();
    await run(FRIDAY_NIGHT);
    kube.addSchedule(schedule({ ...OFFICE_HOURS, excludedWorkloads: [{ kind: 'Deployment', name: 'web' }] }));
    void deps;
    await run('2026-11-27T22:00:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 3);
    assert.equal(kube.get('Deployment', 'dev', 'search').replicas, 0);
  });

  it('obeys awake-until over the schedule, and the schedule again once it has passed', async () => {
    const { kube, run } = setup();
    kube.addNamespace('dev', { annotations: { [AWAKE_UNTIL_ANNOTATION]: '2026-11-27T23:00:00Z' } });
    const result = await run(FRIDAY_NIGHT);
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 3);
    assert.equal(result.requeueAfterMs, 4 * 3600_000);
    assert.equal(lastStatus(kube).namespaces![0]!.nextSleep, '2026-11-27T23:00:00.000Z');
    await run('2026-11-27T23:00:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
  });

  it('obeys asleep-until during office hours', async () => {
    const { kube, run } = setup();
    kube.addNamespace('dev', { annotations: { [ASLEEP_UNTIL_ANNOTATION]: '2026-11-27T13:00:00Z' } });
    await run(FRIDAY_NOON);
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
    await run('2026-11-27T13:00:01Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 3);
  });

  it('reports an unreadable override annotation and follows the schedule', async () => {
    const { kube, run } = setup();
    kube.addNamespace('dev', { annotations: { [AWAKE_UNTIL_ANNOTATION]: 'tomorrow' } });
    await run(FRIDAY_NIGHT);
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
    assert.match(
      lastStatus(kube).namespaces![0]!.lastError!,
      /roleplane.io\/awake-until="tomorrow" is not an RFC3339 time/,
    );
  });

  it('gives a workload created while asleep its grace period, then puts it to sleep', async () => {
    const { kube, run } = setup({ ...OFFICE_HOURS, gracePeriod: '15m' });
    await run(FRIDAY_NIGHT);
    kube.addWorkload({
      kind: 'Deployment',
      metadata: { name: 'hotfix', namespace: 'dev', creationTimestamp: '2026-11-27T22:00:00.000Z' },
      replicas: 1,
    });
    const result = await run('2026-11-27T22:05:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'hotfix').replicas, 1);
    assert.equal(result.requeueAfterMs, 10 * 60_000);
    assert.equal(lastStatus(kube).namespaces![0]!.phase, 'Sleeping');
    await run('2026-11-27T22:15:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'hotfix').replicas, 0);
    assert.equal(lastStatus(kube).namespaces![0]!.phase, 'Asleep');
  });

  it('lets only the first schedule by name manage a namespace two schedules select, and reports it on the other', async () => {
    const { kube, deps, clock } = setup();
    kube.addSchedule(schedule({ namespaces: ['dev'], uptime: 'always' }, 'a-always-on'));
    clock.set(FRIDAY_NIGHT);
    await reconcile('office-hours', deps);
    assert.equal(
      kube.get('Deployment', 'dev', 'web').replicas,
      3,
      'office-hours does not act on a namespace a-always-on manages',
    );
    const status = kube.statusWrites.at(-1)!.status;
    assert.match(
      status.namespaces![0]!.lastError!,
      /also selected by PowerSchedule a-always-on; managed by a-always-on/,
    );
    assert.equal(status.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  });

  it('does nothing while suspended', async () => {
    const { kube, run } = setup({ ...OFFICE_HOURS, suspend: true });
    await run(FRIDAY_NIGHT);
    assert.deepEqual(kube.patches, []);
    assert.equal(lastStatus(kube).namespaces![0]!.phase, 'Suspended');
  });

  it('sets ScheduleValid=False with the parser message for an invalid schedule and touches nothing', async () => {
    const { kube, run } = setup({ ...OFFICE_HOURS, uptime: 'Mon-Fry 07:00-20:00' });
    const result = await run(FRIDAY_NIGHT);
    assert.deepEqual(kube.patches, []);
    assert.equal(result.requeueAfterMs, null);
    const valid = lastStatus(kube).conditions!.find((c) => c.type === 'ScheduleValid')!;
    assert.equal(valid.status, 'False');
    assert.match(valid.message, /uptime: unknown weekday "Fry"/);
  });

  it('retries a conflict soon instead of overwriting a concurrent change', async () => {
    const { kube, run } = setup();
    let failed = false;
    kube.failPatch = (p) =>
      p.name === 'web' && !failed ? ((failed = true), new KubeApiError('conflict', 409)) : undefined;
    const result = await run(FRIDAY_NIGHT);
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 3);
    assert.ok(result.requeueAfterMs !== null && result.requeueAfterMs <= 2_000);
    assert.equal(lastStatus(kube).namespaces![0]!.phase, 'Sleeping');
    await run('2026-11-27T19:00:01Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
    assert.equal(lastStatus(kube).namespaces![0]!.phase, 'Asleep');
  });

  it('reports other API errors per namespace and keeps going with the rest', async () => {
    const { kube, run } = setup();
    kube.failPatch = (p) =>
      p.name === 'web' ? new KubeApiError('patch Deployment dev/web: HTTP 500: etcd timeout', 500) : undefined;
    await run(FRIDAY_NIGHT);
    assert.equal(kube.get('Deployment', 'dev', 'search').replicas, 0);
    const status = lastStatus(kube);
    assert.match(status.namespaces![0]!.lastError!, /HTTP 500: etcd timeout/);
    assert.equal(status.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  });

  describe('state you can see', () => {
    it('shows the next sleep and wake as local times in the schedule zone, beside RFC 3339', async () => {
      const { kube, run } = setup();
      await run(FRIDAY_NOON);
      const status = lastStatus(kube);
      assert.deepEqual(
        [status.nextSleep, status.nextSleepLocal, status.nextWake, status.nextWakeLocal],
        [
          '2026-11-27T19:00:00.000Z',
          'Fri 2026-11-27 20:00 +01:00',
          '2026-11-30T06:00:00.000Z',
          'Mon 2026-11-30 07:00 +01:00',
        ],
      );
    });

    it('announces the first pass that puts a namespace to sleep, and the wake: Event, transitions metric and log line each', async () => {
      const { kube, deps, run } = setup();
      const { log, lines } = capturedLog();
      const metrics = new OperatorMetrics(new Registry());
      Object.assign(deps, { log, metrics });
      await run(FRIDAY_NIGHT); // the operator's first pass
      await run(MONDAY_MORNING);
      assert.deepEqual(
        kube.events.map((e) => `${e.reason} ${e.regarding.name}: ${e.note}`),
        [
          'Slept dev: put to sleep by PowerSchedule office-hours (schedule); 4 workload(s) changed',
          'Woke dev: woken by PowerSchedule office-hours (schedule); 4 workload(s) changed',
        ],
      );
      const counted = (await metrics.transitions.get()).values.map((v) => [v.labels.namespace, v.labels.to, v.value]);
      assert.deepEqual(counted, [
        ['dev', 'Asleep', 1],
        ['dev', 'Awake', 1],
      ]);
      assert.deepEqual(
        lines.filter((l) => l.namespace === 'dev').map((l) => [l.msg, l.changed]),
        [
          ['namespace asleep', 4],
          ['namespace awake', 4],
        ],
      );
    });

    it('announces a sleep once even when its patches show up in the cache later (the phase does not flap)', async () => {
      const { kube, deps, clock } = setup();
      clock.set(FRIDAY_NIGHT);
      kube.lagWorkloads();
      await reconcile('office-hours', deps);
      while (kube.deliverWatchEvent()) await reconcile('office-hours', deps);
      assert.deepEqual(
        kube.events.map((e) => e.reason),
        ['Slept'],
      );
      assert.deepEqual(
        kube.statusWrites.map((w) => w.status.namespaces![0]!.phase),
        ['Asleep'],
      );
    });

    it('is no transition when a restarted operator finds a namespace already asleep', async () => {
      const { kube, deps, run } = setup();
      await run(FRIDAY_NIGHT);
      Object.assign(deps, memory());
      await run('2026-11-27T23:00:00Z');
      assert.deepEqual(
        kube.events.map((e) => e.reason),
        ['Slept'],
      );
    });

    it('writes the status once per real change while the cache lags its writes: two namespaces to sleep and back', async () => {
      const { kube, deps, clock } = setup({ ...OFFICE_HOURS, namespaces: ['dev', 'staging'] });
      kube.addNamespace('staging');
      kube.addWorkload({ kind: 'Deployment', metadata: { name: 'web', namespace: 'staging' }, replicas: 2 });
      kube.addWorkload({ kind: 'StatefulSet', metadata: { name: 'valkey', namespace: 'staging' }, replicas: 1 });
      kube.addWorkload({ kind: 'CronJob', metadata: { name: 'report', namespace: 'staging' }, suspend: false });
      clock.set(FRIDAY_NOON);
      await reconcile('office-hours', deps);
      kube.syncStatus();
      kube.lagWorkloads();
      // Each workload's watch event runs a reconcile; the status watch comes in half way.
      const transition = async (at: string) => {
        const before = kube.statusWrites.length;
        clock.set(at);
        await reconcile('office-hours', deps);
        for (let delivered = 0; kube.deliverWatchEvent(); delivered++) {
          if (delivered === 3) kube.syncStatus();
          await reconcile('office-hours', deps);
        }
        kube.syncStatus();
        await reconcile('office-hours', deps);
        return kube.statusWrites.slice(before).map((w) => w.status.namespaces!.map((n) => n.phase).join(','));
      };
      assert.deepEqual(await transition(FRIDAY_NIGHT), ['Asleep,Asleep']);
      assert.deepEqual(await transition(MONDAY_MORNING), ['Awake,Awake']);
      assert.equal(kube.patches.length, 14, 'one patch per workload and transition');
    });

    it('gives no grace to workloads created while the namespace was awake, though the schedule edited since says asleep', async () => {
      const { kube, run } = setup({ namespaces: ['dev'], uptime: 'always', gracePeriod: '15m' });
      await run('2026-11-27T12:00:00Z');
      for (const name of ['api', 'worker'])
        kube.addWorkload({
          kind: 'Deployment',
          metadata: { name, namespace: 'dev', creationTimestamp: '2026-11-27T12:00:00.000Z' },
          replicas: 2,
        });
      await run('2026-11-27T12:10:00Z');
      kube.addSchedule(schedule({ namespaces: ['dev'], uptime: 'never', gracePeriod: '15m' }));
      await run('2026-11-27T12:10:30Z');
      assert.deepEqual(
        [kube.get('Deployment', 'dev', 'api').replicas, kube.get('Deployment', 'dev', 'worker').replicas],
        [0, 0],
      );
      const ns = lastStatus(kube).namespaces![0]!;
      assert.deepEqual([ns.phase, ns.asleepSince, ns.gracePeriods], ['Asleep', '2026-11-27T12:10:30.000Z', undefined]);
      assert.ok(!kube.events.some((e) => e.reason === 'GracePeriod'));
    });

    it('gives grace only to a workload from a later second than the sleep began in (creation times have whole seconds)', async () => {
      const { kube, run } = setup({ namespaces: ['dev'], uptime: 'always', gracePeriod: '15m' });
      await run('2026-11-27T12:00:00Z');
      kube.addSchedule(schedule({ namespaces: ['dev'], uptime: 'never', gracePeriod: '15m' }));
      // Created in the second the sleep begins in (12:10:30.400): it may be older, so it sleeps with the rest.
      kube.addWorkload({
        kind: 'Deployment',
        metadata: { name: 'same-second', namespace: 'dev', creationTimestamp: '2026-11-27T12:10:30Z' },
        replicas: 2,
      });
      await run('2026-11-27T12:10:30.400Z');
      assert.equal(kube.get('Deployment', 'dev', 'same-second').replicas, 0);
      // Created the next second, while asleep: a deploy at night, left running for its grace period.
      kube.addWorkload({
        kind: 'Deployment',
        metadata: { name: 'next-second', namespace: 'dev', creationTimestamp: '2026-11-27T12:10:31Z' },
        replicas: 2,
      });
      await run('2026-11-27T12:10:32Z');
      assert.equal(kube.get('Deployment', 'dev', 'next-second').replicas, 2);
      assert.deepEqual(lastStatus(kube).namespaces![0]!.gracePeriods, [
        { kind: 'Deployment', name: 'next-second', until: '2026-11-27T12:25:31.000Z' },
      ]);
    });

    it('says when a grace period holds a workload, and until when: a status entry and one Event', async () => {
      const { kube, deps, run } = setup({ ...OFFICE_HOURS, gracePeriod: '15m' });
      await run(FRIDAY_NIGHT);
      kube.addWorkload({
        kind: 'Deployment',
        metadata: { name: 'hotfix', namespace: 'dev', creationTimestamp: '2026-11-27T22:00:00.000Z' },
        replicas: 1,
      });
      await run('2026-11-27T22:05:00Z');
      await run('2026-11-27T22:10:00Z');
      Object.assign(deps, memory()); // a restart neither forgets the grace nor says it twice
      await run('2026-11-27T22:11:00Z');
      const ns = lastStatus(kube).namespaces![0]!;
      assert.deepEqual(
        [ns.phase, ns.asleepSince, ns.gracePeriods],
        [
          'Sleeping',
          '2026-11-27T19:00:00.000Z',
          [{ kind: 'Deployment', name: 'hotfix', until: '2026-11-27T22:15:00.000Z' }],
        ],
      );
      const grace = kube.events.filter((e) => e.reason === 'GracePeriod');
      assert.deepEqual(
        grace.map((e) => `${e.type} ${e.regarding.kind}/${e.regarding.name}`),
        ['Normal Deployment/hotfix'],
      );
      assert.match(
        grace[0]!.note,
        /created while namespace dev was asleep .*left running until 2026-11-27T22:15:00.000Z/,
      );
      await run('2026-11-27T22:15:00Z');
      assert.equal(kube.get('Deployment', 'dev', 'hotfix').replicas, 0);
      assert.equal(lastStatus(kube).namespaces![0]!.gracePeriods, undefined);
      assert.deepEqual(
        kube.events.filter((e) => e.regarding.kind === 'Namespace').map((e) => e.reason),
        ['Slept'],
        'the grace period ending is no new transition',
      );
    });
  });
});

describe('reconcile with holidays', () => {
  // Thu 24 and Fri 25 Dec 2026 are holidays in Berlin (CET, +1); office hours would have dev awake on both.
  const CHRISTMAS: PowerScheduleSpec = { ...OFFICE_HOURS, holidays: ['2026-12-24..2026-12-25', '2027-01-01'] };

  it('keeps the namespace awake the day before, and reports the next holiday and the wake after it', async () => {
    const { kube, run } = setup(CHRISTMAS);
    const result = await run('2026-12-23T11:00:00Z'); // Wed 12:00 CET
    assert.deepEqual(kube.patches, []);
    const status = lastStatus(kube);
    assert.equal(status.nextHoliday, '2026-12-24');
    const ns = status.namespaces![0]!;
    // Sleeps Wed 20:00 CET as usual; the next wake skips Thu, Fri and the weekend: Mon 28 Dec 07:00 CET.
    assert.deepEqual(
      [ns.phase, ns.nextSleep, ns.nextWake],
      ['Awake', '2026-12-23T19:00:00.000Z', '2026-12-28T06:00:00.000Z'],
    );
    assert.equal(result.requeueAfterMs, 8 * 3600_000);
  });

  it('puts the namespace to sleep on a holiday during office hours and wakes it on the next working day', async () => {
    const { kube, run } = setup(CHRISTMAS);
    let result = await run('2026-12-24T11:00:00Z'); // Thu 12:00 CET
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
    assert.equal(kube.get('CronJob', 'dev', 'newsletter').suspend, true);
    const status = lastStatus(kube);
    assert.deepEqual(
      [status.namespaces![0]!.phase, status.namespaces![0]!.nextWake],
      ['Asleep', '2026-12-28T06:00:00.000Z'],
    );
    assert.equal(status.nextHoliday, '2026-12-24', 'the holiday in progress');
    // The holiday ends at Sat 00:00 CET: nothing to patch then, but status.nextHoliday moves on.
    assert.equal(result.requeueAfterMs, Date.parse('2026-12-25T23:00:00Z') - Date.parse('2026-12-24T11:00:00Z'));
    const patches = kube.patches.length;
    result = await run('2026-12-25T23:00:00Z');
    assert.equal(kube.patches.length, patches);
    assert.equal(lastStatus(kube).nextHoliday, '2027-01-01');
    assert.equal(result.requeueAfterMs, Date.parse('2026-12-28T06:00:00Z') - Date.parse('2026-12-25T23:00:00Z'));
    await run('2026-12-28T06:00:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 3);
  });

  it('lets awake-until (roleplane wake --for) win over a holiday', async () => {
    const { kube, run } = setup(CHRISTMAS);
    kube.addNamespace('dev', { annotations: { [AWAKE_UNTIL_ANNOTATION]: '2026-12-24T13:00:00Z' } });
    await run('2026-12-24T11:00:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 3);
    assert.equal(lastStatus(kube).namespaces![0]!.nextSleep, '2026-12-24T13:00:00.000Z');
    await run('2026-12-24T13:00:00Z');
    assert.equal(kube.get('Deployment', 'dev', 'web').replicas, 0);
  });

  it('leaves nextHoliday out once every holiday is over', async () => {
    const { kube, run } = setup({ ...OFFICE_HOURS, holidays: ['2026-11-26'] });
    await run(FRIDAY_NOON);
    assert.equal('nextHoliday' in lastStatus(kube), false);
  });

  it('sets ScheduleValid=False naming a bad holiday and touches nothing', async () => {
    const { kube, run } = setup({ ...OFFICE_HOURS, holidays: ['2026-12-24', '2026-02-30'] });
    await run(FRIDAY_NIGHT);
    assert.deepEqual(kube.patches, []);
    const valid = lastStatus(kube).conditions!.find((c) => c.type === 'ScheduleValid')!;
    assert.equal(valid.status, 'False');
    assert.equal(valid.message, 'holidays: invalid date "2026-02-30": day 30 does not exist in 2026-02');
  });
});
