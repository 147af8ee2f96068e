import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../charts/synth.js';
import { costOf } from '../../cli/cost-command.js';
import { awakeHoursPerWeek } from '../../cli/cost/awake-week.js';
import { allocatable, estimateCost, place, type PoolSpec } from '../../cli/cost/estimate.js';
import { loadPriceTable, type PriceTable, PriceTableError } from '../../cli/cost/price-table.js';
import { useTempDir } from '../helpers/temp-dir.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'roleplane.js');

/** Two made-up types with round numbers, so every figure below can be worked out by hand. */
const TABLE: PriceTable = {
  date: '2026-01-01',
  region: 'test-1',
  currency: 'USD',
  hoursPerMonth: 730,
  source: { onDemand: 'fixture' },
  publicIpv4PerHour: 0.005,
  nodeOverhead: { cpu: '100m', memory: '100Mi' },
  instanceTypes: {
    'm6i.large': {
      vcpu: 2,
      memoryGiB: 8,
      networkMbps: 781,
      arch: 'amd64',
      hypervisor: 'nitro',
      onDemand: 0.1,
      spot: 0.03,
    },
    'm6i.2xlarge': { vcpu: 8, memoryGiB: 32, networkMbps: 3125, arch: 'amd64', hypervisor: 'nitro', onDemand: 0.4 },
    'c6in.2xlarge': { vcpu: 8, memoryGiB: 16, networkMbps: 12500, arch: 'amd64', hypervisor: 'nitro', onDemand: 0.5 },
  },
};

const pool = (over: Partial<PoolSpec> = {}): PoolSpec => ({
  name: 'p',
  capacityTypes: ['on-demand'],
  requirements: [{ key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['m'] }],
  limits: {},
  ipv6: true,
  ...over,
});
const pods = (n: number, cpuMillis: number, memoryMiB: number, separate = false) =>
  Array.from({ length: n }, () => ({ group: 'Deployment a/w', cpuMillis, memoryMiB, separate }));

describe('awakeHoursPerWeek', () => {
  it('counts the default schedule Mon-Fri 07:00-20:00 as 65 of 168 hours', () => {
    assert.equal(awakeHoursPerWeek({ uptime: 'Mon-Fri 07:00-20:00', timeZone: 'Europe/Berlin' }), 65);
  });

  it('counts downtime schedules and quarter hours', () => {
    assert.equal(awakeHoursPerWeek({ downtime: 'Sat-Sun 00:00-24:00', timeZone: 'UTC' }), 120);
    assert.equal(awakeHoursPerWeek({ uptime: 'Mon-Fri 08:15-17:45', timeZone: 'America/New_York' }), 47.5);
  });
});

describe('allocatable', () => {
  it("takes Karpenter's reservations and the DaemonSet allowance off a node", () => {
    // cpu: 2000 - (60 + 10) kube-reserved - 100 DaemonSets; memory: 8 GiB less 7.5%, 255 + 11×110 Mi, 100 + 100 Mi.
    assert.deepEqual(allocatable(TABLE.instanceTypes['m6i.large']!, TABLE), {
      cpuMillis: 1830,
      memoryMiB: 8192 * 0.925 - 1465 - 200,
    });
    // 8 vCPU: 60 + 10 + 2×5 + 4×2.5 = 90m reserved.
    assert.equal(allocatable(TABLE.instanceTypes['m6i.2xlarge']!, TABLE).cpuMillis, 8000 - 90 - 100);
  });
});

describe('place', () => {
  it('takes the cheapest set of one type: three 1-CPU pods on three small nodes (0.30/h), not one big one (0.40/h)', () => {
    const placement = place(pool(), pods(3, 1000, 1024), TABLE);
    assert.deepEqual([placement.type, placement.nodes, placement.capacityType], ['m6i.large', 3, 'on-demand']);
    assert.equal(placement.hourly.toFixed(4), '0.3000');
  });

  it('packs pods that fit together: four 400m pods share one small node', () => {
    const placement = place(pool(), pods(4, 400, 512), TABLE);
    assert.deepEqual([placement.type, placement.nodes], ['m6i.large', 1]);
  });

  it('puts separated pods (required host anti-affinity) on a node each', () => {
    assert.equal(place(pool(), pods(4, 100, 100, true), TABLE).nodes, 4);
  });

  it('uses the spot price where the pool allows spot and the type has one', () => {
    const placement = place(pool({ capacityTypes: ['spot', 'on-demand'] }), pods(3, 1000, 1024), TABLE);
    assert.deepEqual([placement.capacityType, placement.hourly.toFixed(4)], ['spot', '0.0900']);
  });

  it('honours numeric requirements such as network bandwidth', () => {
    const web = pool({
      requirements: [{ key: 'karpenter.k8s.aws/instance-network-bandwidth', operator: 'Gt', values: ['9999'] }],
    });
    assert.equal(place(web, pods(1, 500, 512), TABLE).type, 'c6in.2xlarge');
  });

  it('says which pods fit no type, and flags a placement over the pool limits', () => {
    assert.deepEqual(place(pool(), pods(1, 64_000, 1024), TABLE).unplaceable, ['Deployment a/w']);
    assert.equal(place(pool({ limits: { cpuMillis: 2000 } }), pods(3, 1000, 1024), TABLE).overLimits, true);
  });

  it('refuses a requirement it cannot judge instead of guessing', () => {
    const odd = pool({ requirements: [{ key: 'example.com/gpu', operator: 'Exists' }] });
    assert.throws(() => place(odd, pods(1, 100, 100), TABLE), /NodePool p: requirement example.com\/gpu is not one/);
  });
});

/** A NodePool, its node class, a schedule and a Deployment in a scheduled namespace: the whole input, by hand. */
function fixture(opts: { ipv6: boolean }): { platform: Manifest[]; workloads: Manifest[] } {
  const nodePool = (name: string): Manifest => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name },
    spec: {
      template: {
        spec: {
          nodeClassRef: { name },
          requirements: [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['m'] },
          ],
        },
      },
    },
  });
  const nodeClass = (name: string): Manifest => ({
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name },
    spec: { metadataOptions: { httpProtocolIPv6: opts.ipv6 ? 'enabled' : 'disabled' } },
  });
  const deployment = (namespace: string, pool: string, replicas: number): Manifest => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace },
    spec: {
      replicas,
      template: {
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'roleplane.io/pool', operator: 'In', values: [pool] }] },
                ],
              },
            },
          },
          containers: [{ resources: { requests: { cpu: '1', memory: '1Gi' } } }],
        },
      },
    },
  });
  return {
    platform: [
      nodePool('always'),
      nodePool('office'),
      nodeClass('always'),
      nodeClass('office'),
      {
        apiVersion: 'roleplane.io/v1alpha1',
        kind: 'PowerSchedule',
        metadata: { name: 'office-hours' },
        spec: { uptime: 'Mon-Fri 07:00-20:00', timeZone: 'UTC', downtimeReplicas: 0 },
      },
    ],
    workloads: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } },
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'dev', labels: { 'roleplane.io/power-schedule': 'office-hours' } },
      },
      deployment('prod', 'always', 2),
      deployment('dev', 'office', 1),
    ],
  };
}

describe('estimateCost', () => {
  it('prices each pool always on and with its schedule: 65/168 of the week for a pool that sleeps', () => {
    const estimate = estimateCost({ ...fixture({ ipv6: true }), table: TABLE, weekZone: 'UTC' });
    const [always, office] = estimate.pools;
    // Two 1-CPU pods: two m6i.large (0.20/h) beat one m6i.2xlarge (0.40/h).
    assert.deepEqual(
      [always!.alwaysOn.type, always!.alwaysOn.nodes, always!.hourlyScheduled.toFixed(4)],
      ['m6i.large', 2, '0.2000'],
    );
    assert.deepEqual([office!.alwaysOn.nodes, office!.asleep.nodes], [1, 0]);
    assert.equal(office!.hourlyScheduled.toFixed(6), ((0.1 * 65) / 168).toFixed(6));
    assert.equal(office!.nodesScheduled.toFixed(6), (65 / 168).toFixed(6));
    assert.equal((estimate.hourlyAlwaysOn * 730).toFixed(2), '219.00');
    assert.equal((estimate.hourlyScheduled * 730).toFixed(2), ((0.2 + (0.1 * 65) / 168) * 730).toFixed(2));
    assert.deepEqual(
      estimate.schedules.map((s) => [s.name, s.awakeHours]),
      [['office-hours', 65]],
    );
  });

  it('counts the public IPv4 charge the IPv6 pools avoid: $0.005 per node-hour', () => {
    const on = estimateCost({ ...fixture({ ipv6: true }), table: TABLE, weekZone: 'UTC' });
    assert.equal(on.ipv4AvoidedAlwaysOn.toFixed(4), (3 * 0.005).toFixed(4));
    assert.equal(on.ipv4AvoidedScheduled.toFixed(6), ((2 + 65 / 168) * 0.005).toFixed(6));
    const off = estimateCost({ ...fixture({ ipv6: false }), table: TABLE, weekZone: 'UTC' });
    assert.equal(off.ipv4AvoidedAlwaysOn, 0);
  });
});

describe('roleplane cost on the defaults', function () {
  this.timeout(60_000);
  const tempDir = useTempDir('cost');

  it('puts every pool on one node and lets the dev pool sleep 103 of 168 hours', () => {
    const { estimate } = costOf({});
    const dev = estimate.pools.find((p) => p.pool.name === 'dev')!;
    assert.deepEqual(
      estimate.pools.map((p) => [p.pool.name, p.alwaysOn.nodes]),
      [
        ['erp', 1],
        ['web', 1],
        ['dev', 1],
        ['search', 1],
        ['cache', 1],
      ],
    );
    assert.equal(dev.alwaysOn.capacityType, 'spot');
    assert.equal(dev.hourlyScheduled.toFixed(6), ((dev.alwaysOn.hourly * 65) / 168).toFixed(6));
    for (const p of estimate.pools.filter((pool) => pool.pool.name !== 'dev'))
      assert.equal(p.hourlyScheduled.toFixed(8), p.alwaysOn.hourly.toFixed(8), p.pool.name);
  });

  it('prints the table, the schedule and the IPv4 line; --env narrows the pods, not the pools', () => {
    const result = spawnSync(process.execPath, [BIN, 'cost'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /awake 65 of 168 hours a week \(38\.7%\)/);
    assert.match(result.stdout, /pool dev: .* saves \$[\d.]+ \(61\.3% of the pool/);
    assert.match(result.stdout, /IPv6 on \(pools erp, web, dev, search, cache\)/);
    const prodOnly = costOf({ environments: ['prod'] }).estimate;
    assert.equal(prodOnly.pools.find((p) => p.pool.name === 'dev')!.alwaysOn.nodes, 0);
  });

  it('reads a price file, and refuses a bad one with every problem named (exit 2)', () => {
    const dir = tempDir();
    const good = join(dir, 'prices.json');
    const table = loadPriceTable();
    writeFileSync(
      good,
      JSON.stringify({
        ...table,
        instanceTypes: {
          ...table.instanceTypes,
          'm6a.xlarge': { ...table.instanceTypes['m6a.xlarge']!, onDemand: 0.01 },
        },
      }),
    );
    assert.equal(costOf({ pricesFile: good }).estimate.pools[0]!.alwaysOn.hourly, 0.01);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...table, date: 'yesterday', instanceTypes: { 'm6i.large': { vcpu: 2 } } }));
    assert.throws(
      () => loadPriceTable(bad),
      (err: unknown) => {
        assert.ok(err instanceof PriceTableError);
        assert.match(err.message, /date: must be a date/);
        assert.match(err.message, /instanceTypes\.m6i\.large\.onDemand/);
        return true;
      },
    );
    const result = spawnSync(process.execPath, [BIN, 'cost', '--prices', bad], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /invalid price table \(.*bad\.json\)/);
    const missing = spawnSync(process.execPath, [BIN, 'cost', '--prices', join(dir, 'nope.json')], {
      encoding: 'utf8',
    });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the file: ENOENT/);
    writeFileSync(bad, '{ not json');
    assert.throws(() => loadPriceTable(bad), /not JSON/);
  });
});
