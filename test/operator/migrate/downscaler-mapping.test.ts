import { strict as assert } from 'node:assert';
import {
  type MetadataPatch,
  gracePeriodOf,
  mapKubeDownscaler,
  type NamespaceInput,
  parseExcludeUntil,
  type WorkloadInput,
} from '../../../operator/migrate/downscaler-mapping.js';
import { readDownscalerSettings } from '../../../operator/migrate/downscaler-settings.js';

/** Monday 30 Nov 2026, 12:00 UTC. */
const NOW = new Date('2026-11-30T12:00:00Z');

const settingsWith = (args: string[], env: Array<{ name: string; value: string }> = []) =>
  readDownscalerSettings({
    metadata: { name: 'kube-downscaler', namespace: 'ops' },
    spec: { template: { spec: { containers: [{ image: 'ghcr.io/caas-team/py-kube-downscaler:24.8.2', args, env }] } } },
  });

const ns = (name: string, annotations: Record<string, string> = {}): NamespaceInput => ({ name, annotations });
const deploy = (namespace: string, name: string, annotations: Record<string, string> = {}): WorkloadInput => ({
  kind: 'Deployment',
  namespace,
  name,
  annotations,
});

const patchOf = (patches: readonly MetadataPatch[], kind: string, name: string) =>
  patches.find((p) => p.kind === kind && p.metadata.name === name);

describe('mapKubeDownscaler', () => {
  const defaults = settingsWith(['--default-uptime=Mon-Fri 07:00-20:00 Europe/Berlin']);

  it('groups namespaces with the same effective schedule, the default one first, and leaves kube-system out', () => {
    const plan = mapKubeDownscaler({
      settings: defaults,
      namespaces: [
        ns('kube-system'),
        ns('team-b'),
        ns('team-a'),
        // A namespace's downtime alone keeps the default uptime (kube-downscaler ANDs them): uptime always to replace it.
        ns('night', { 'downscaler/uptime': 'always', 'downscaler/downtime': 'Mon-Fri 20:00-08:00 Europe/Berlin' }),
        ns('night-2', { 'downscaler/uptime': 'always', 'downscaler/downtime': 'Mon-Fri 20:00-08:00 Europe/Berlin' }),
        ns('always-on', { 'downscaler/uptime': 'always' }),
      ],
      workloads: [],
      now: NOW,
    });
    assert.deepEqual(plan.invalid, []);
    assert.deepEqual(
      plan.schedules.map((s) => [s.metadata.name, s.spec]),
      [
        [
          'kube-downscaler-default',
          { namespaces: ['team-a', 'team-b'], uptime: 'Mon-Fri 07:00-20:00 Europe/Berlin', downtimeReplicas: 0 },
        ],
        [
          'kube-downscaler-night',
          { namespaces: ['night', 'night-2'], downtime: 'Mon-Fri 20:00-08:00 Europe/Berlin', downtimeReplicas: 0 },
        ],
      ],
    );
    assert.equal(plan.schedules[0]!.metadata.labels['roleplane.io/migrated-from'], 'kube-downscaler');
  });

  it('carries exclusions as the roleplane.io/exclude label, for namespaces and workloads', () => {
    const plan = mapKubeDownscaler({
      settings: settingsWith(['--default-uptime=Mon-Fri 07:00-20:00 Europe/Berlin', '--include-resources=deployments']),
      namespaces: [ns('shared', { 'downscaler/exclude': 'true' }), ns('team')],
      workloads: [
        deploy('team', 'db-migrate', { 'downscaler/exclude': 'true' }),
        deploy('team', 'kube-downscaler'),
        { kind: 'StatefulSet', namespace: 'team', name: 'db' },
        deploy('team', 'web'),
        deploy('shared', 'web', { 'downscaler/uptime': 'Mon-Fri 08:00-09:00 Europe/Berlin' }),
      ],
      now: NOW,
    });
    assert.deepEqual(
      plan.schedules.map((s) => s.spec.namespaces),
      [['team']],
    );
    assert.deepEqual(patchOf(plan.patches, 'Namespace', 'shared')?.metadata.labels, { 'roleplane.io/exclude': 'true' });
    // Excluded by annotation, by --exclude-deployments' default names, and by kind (not in --include-resources).
    for (const [kind, name] of [
      ['Deployment', 'db-migrate'],
      ['Deployment', 'kube-downscaler'],
      ['StatefulSet', 'db'],
    ] as const)
      assert.deepEqual(patchOf(plan.patches, kind, name)?.metadata, {
        name,
        namespace: 'team',
        labels: { 'roleplane.io/exclude': 'true' },
      });
    assert.equal(patchOf(plan.patches, 'Deployment', 'web'), undefined);
    // What is set on workloads of an excluded namespace does nothing in kube-downscaler either.
    assert.deepEqual(plan.notCarried, []);
  });

  it('turns a future exclude-until and a force-uptime in force into awake-until, and says how they differ', () => {
    const plan = mapKubeDownscaler({
      settings: defaults,
      namespaces: [
        ns('until', { 'downscaler/exclude-until': '2026-12-24' }),
        ns('past', { 'downscaler/exclude-until': '2026-01-01 08:00' }),
        ns('forced', { 'downscaler/force-uptime': '2026-11-30T00:00:00+00:00-2026-12-01T06:00:00+00:00' }),
        ns('forever', { 'downscaler/force-uptime': 'true' }),
      ],
      workloads: [],
      now: NOW,
    });
    assert.deepEqual(plan.invalid, []);
    assert.deepEqual(patchOf(plan.patches, 'Namespace', 'until')?.metadata.annotations, {
      'roleplane.io/awake-until': '2026-12-24T00:00:00Z',
    });
    assert.equal(patchOf(plan.patches, 'Namespace', 'past'), undefined);
    assert.deepEqual(patchOf(plan.patches, 'Namespace', 'forced')?.metadata.annotations, {
      'roleplane.io/awake-until': '2026-12-01T06:00:00Z',
    });
    assert.deepEqual(patchOf(plan.patches, 'Namespace', 'forever')?.metadata.labels, {
      'roleplane.io/exclude': 'true',
    });
    assert.deepEqual(plan.schedules[0]!.spec.namespaces, ['forced', 'past', 'until']);
    assert.equal(plan.differences.length, 2);
    assert.match(
      plan.differences.join('\n'),
      /namespace until: downscaler\/exclude-until "2026-12-24" → roleplane.io\/awake-until/,
    );
    assert.match(
      plan.differences.join('\n'),
      /namespace forever: downscaler\/force-uptime "true": roleplane has no open-ended wake/,
    );
  });

  it('lists per-workload schedules and replicas, which roleplane cannot carry, and carries a never-down workload as an exclusion', () => {
    const plan = mapKubeDownscaler({
      settings: defaults,
      namespaces: [ns('team')],
      workloads: [
        deploy('team', 'api', { 'downscaler/uptime': 'Mon-Fri 09:00-17:00 Europe/Berlin' }),
        deploy('team', 'worker', { 'downscaler/downtime-replicas': '1' }),
        deploy('team', 'same', { 'downscaler/uptime': 'Mon-Fri 07:00-20:00 Europe/Berlin' }),
        deploy('team', 'pager', { 'downscaler/uptime': 'always' }),
        deploy('team', 'sleeping', { 'downscaler/original-replicas': '3' }),
      ],
      now: NOW,
    });
    assert.deepEqual(plan.invalid, []);
    assert.equal(plan.notCarried.length, 3, plan.notCarried.join('\n'));
    assert.match(
      plan.notCarried[0]!,
      /^Deployment team\/api: its own uptime "Mon-Fri 09:00-17:00 Europe\/Berlin": roleplane schedules whole namespaces/,
    );
    assert.match(
      plan.notCarried[1]!,
      /^Deployment team\/sleeping: downscaler\/original-replicas=3: kube-downscaler has it scaled down now/,
    );
    assert.match(
      plan.notCarried[2]!,
      /^Deployment team\/worker: downscaler\/downtime-replicas "1": roleplane has one downtimeReplicas per PowerSchedule; it gets 0/,
    );
    assert.deepEqual(patchOf(plan.patches, 'Deployment', 'pager')?.metadata.labels, { 'roleplane.io/exclude': 'true' });
    assert.equal(patchOf(plan.patches, 'Deployment', 'same'), undefined);
  });

  it('reports a bad value by object, key and value, and leaves that namespace out', () => {
    const plan = mapKubeDownscaler({
      settings: defaults,
      namespaces: [
        ns('typo', { 'downscaler/uptime': 'Mon-Fry 07:00-20:00 Europe/Berlin' }),
        ns('empty', { 'downscaler/downtime': 'Mon-Fri 00:00-00:00 Europe/Berlin' }),
        ns('nozone', { 'downscaler/downtime': 'Mon-Fri 20:00-24:00' }),
        ns('bad-until', { 'downscaler/exclude-until': '24.12.2026' }),
        ns('bad-replicas', { 'downscaler/downtime-replicas': '50%' }),
      ],
      workloads: [deploy('bad-until', 'web', { 'downscaler/exclude-until': '2026-02-30' })],
      now: NOW,
    });
    assert.deepEqual(plan.invalid, [
      'namespace bad-replicas: downscaler/downtime-replicas "50%": downtime replicas must be a whole number of replicas (kube-downscaler fails on it too)',
      'namespace bad-until: downscaler/exclude-until "24.12.2026": not a time kube-downscaler reads (YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DDTHH:MM, YYYY-MM-DD HH:MM or YYYY-MM-DD, UTC)',
      'namespace empty: downscaler/downtime "Mon-Fri 00:00-00:00 Europe/Berlin": empty time range "00:00-00:00" in "Mon-Fri 00:00-00:00 Europe/Berlin": start equals end (a whole day is 00:00-24:00)',
      'namespace nozone: downscaler/downtime "Mon-Fri 20:00-24:00": "Mon-Fri 20:00-24:00" names no time zone, which kube-downscaler refuses without DEFAULT_TIMEZONE (it never acted on it)',
      'namespace typo: downscaler/uptime "Mon-Fry 07:00-20:00 Europe/Berlin": unknown weekday "Fry" in "Mon-Fry 07:00-20:00 Europe/Berlin": expected Mon, Tue, Wed, Thu, Fri, Sat or Sun',
      'Deployment bad-until/web: downscaler/exclude-until "2026-02-30": not a time kube-downscaler reads (YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DDTHH:MM, YYYY-MM-DD HH:MM or YYYY-MM-DD, UTC)',
    ]);
    assert.deepEqual(
      plan.schedules.map((s) => s.spec.namespaces),
      [['bad-until']],
    );
  });

  it('writes out DEFAULT_WEEKFRAME days and uses DEFAULT_TIMEZONE as the schedule zone', () => {
    const plan = mapKubeDownscaler({
      settings: settingsWith(
        ['--default-uptime=08:00-19:00'],
        [
          { name: 'DEFAULT_WEEKFRAME', value: 'Mon-Fri' },
          { name: 'DEFAULT_TIMEZONE', value: 'America/New_York' },
        ],
      ),
      namespaces: [ns('team')],
      workloads: [],
      now: NOW,
    });
    assert.deepEqual(plan.invalid, []);
    assert.deepEqual(plan.schedules[0]!.spec, {
      namespaces: ['team'],
      timeZone: 'America/New_York',
      uptime: 'Mon-Fri 08:00-19:00',
      downtimeReplicas: 0,
    });
  });

  it('says why uptime and downtime together, periods, other kinds and flags cannot be carried, and carries the grace period', () => {
    const plan = mapKubeDownscaler({
      settings: settingsWith([
        '--default-uptime=Mon-Fri 07:00-20:00 Europe/Berlin',
        '--include-resources=deployments,horizontalpodautoscalers',
        '--grace-period=1800',
        '--dry-run',
      ]),
      namespaces: [
        ns('both', { 'downscaler/downtime': 'Sat-Sun 00:00-24:00 Europe/Berlin' }),
        ns('period', { 'downscaler/downscale-period': 'Mon-Fri 20:00-21:00 Europe/Berlin' }),
        ns('team'),
      ],
      workloads: [],
      now: NOW,
    });
    assert.deepEqual(plan.invalid, []);
    assert.deepEqual(plan.schedules[0]!.spec, {
      namespaces: ['team'],
      uptime: 'Mon-Fri 07:00-20:00 Europe/Berlin',
      downtimeReplicas: 0,
      gracePeriod: '30m',
    });
    const lines = plan.notCarried.join('\n');
    assert.match(lines, /--dry-run: kube-downscaler changed nothing in this cluster/);
    assert.match(lines, /includes horizontalpodautoscalers: roleplane scales Deployments and StatefulSets/);
    assert.match(
      lines,
      /namespace both: uptime "Mon-Fri 07:00-20:00 Europe\/Berlin" and downtime "Sat-Sun 00:00-24:00 Europe\/Berlin" are both set/,
    );
    assert.match(
      lines,
      /namespace period: downscaler\/downscale-period "Mon-Fri 20:00-21:00 Europe\/Berlin": upscale\/downscale periods/,
    );
    assert.match(plan.differences.join('\n'), /--grace-period=1800 → gracePeriod 30m/);
  });
});

describe('mapKubeDownscaler with PowerSchedules already in the cluster', () => {
  it('says which namespaces another schedule already selects, and ignores its own earlier output', () => {
    const plan = mapKubeDownscaler({
      settings: settingsWith(['--default-uptime=Mon-Fri 07:00-20:00 Europe/Berlin']),
      namespaces: [{ name: 'dev', labels: { 'roleplane.io/power-schedule': 'office-hours' } }, ns('team')],
      workloads: [],
      now: NOW,
      existingSchedules: [
        {
          apiVersion: 'roleplane.io/v1alpha1',
          kind: 'PowerSchedule',
          metadata: { name: 'office-hours' },
          spec: {
            namespaceSelector: { matchLabels: { 'roleplane.io/power-schedule': 'office-hours' } },
            uptime: 'always',
          },
        },
        {
          apiVersion: 'roleplane.io/v1alpha1',
          kind: 'PowerSchedule',
          metadata: { name: 'kube-downscaler-default', labels: { 'roleplane.io/migrated-from': 'kube-downscaler' } },
          spec: { namespaces: ['dev', 'team'], uptime: 'Mon-Fri 07:00-20:00 Europe/Berlin' },
        },
      ],
    });
    assert.deepEqual(plan.notCarried, [
      'namespace dev: already selected by PowerSchedule office-hours; a namespace selected twice is managed by the first schedule by name only, so take it out of one of them',
    ]);
  });
});

describe('parseExcludeUntil', () => {
  it('reads the four formats kube-downscaler reads, as UTC, and no other', () => {
    assert.equal(parseExcludeUntil('2026-12-24T18:30:00Z')?.toISOString(), '2026-12-24T18:30:00.000Z');
    assert.equal(parseExcludeUntil('2026-12-24T18:30')?.toISOString(), '2026-12-24T18:30:00.000Z');
    assert.equal(parseExcludeUntil('2026-12-24 18:30')?.toISOString(), '2026-12-24T18:30:00.000Z');
    assert.equal(parseExcludeUntil('2026-12-24')?.toISOString(), '2026-12-24T00:00:00.000Z');
    assert.equal(parseExcludeUntil('2026-12-24T18:30:00+01:00'), undefined);
    assert.equal(parseExcludeUntil('2026-02-30'), undefined);
  });
});

describe('gracePeriodOf', () => {
  it('writes whole hours and minutes as such', () => {
    assert.deepEqual([gracePeriodOf(900), gracePeriodOf(3600), gracePeriodOf(90)], ['15m', '1h', '90s']);
  });
});
