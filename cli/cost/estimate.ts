import { POOL_KEY } from '../../charts/lib/pool.js';
import { coresOf, mebibytesOf } from '../../charts/lib/quantity.js';
import type { Manifest } from '../../charts/synth.js';
import { POWER_SCHEDULE_LABEL } from '../../operator/api/keys.js';
import type { PowerScheduleSpec } from '../../operator/api/power-schedule.js';
import { awakeSlots, SLOT_MINUTES, SLOTS_PER_WEEK } from './awake-week.js';
import { describeInstanceType, type InstanceTypePrice, type PriceTable } from './price-table.js';

/**
 * Karpenter's node arithmetic (aws/karpenter-provider-aws, pkg/providers/instancetype/types.go): 7.5% of memory goes
 * to the VM, kube-reserved takes 255Mi + 11Mi per pod and a sliding share of CPU, the eviction threshold 100Mi.
 * Max pods is 110, what Karpenter uses on an IPv6 cluster (prefix delegation); an IPv4 cluster's ENI limit is lower
 * on small types, which reserves less: the estimate errs on the side of more nodes.
 */
const VM_MEMORY_OVERHEAD = 0.075;
const MAX_PODS = 110;
const EVICTION_MIB = 100;

function kubeReservedCpuMillis(vcpu: number): number {
  let millis = 60;
  if (vcpu > 1) millis += 10;
  if (vcpu > 2) millis += 5 * Math.min(vcpu - 2, 2);
  if (vcpu > 4) millis += 2.5 * (vcpu - 4);
  return millis;
}

/** What a node of this type offers to pods (millicores, MiB), after Karpenter's reservations and the DaemonSets. */
export function allocatable(type: InstanceTypePrice, table: PriceTable): { cpuMillis: number; memoryMiB: number } {
  return {
    cpuMillis: type.vcpu * 1000 - kubeReservedCpuMillis(type.vcpu) - coresOf(table.nodeOverhead.cpu) * 1000,
    memoryMiB:
      type.memoryGiB * 1024 * (1 - VM_MEMORY_OVERHEAD) -
      (255 + 11 * MAX_PODS) -
      EVICTION_MIB -
      mebibytesOf(table.nodeOverhead.memory),
  };
}

/** The pods of one workload pinned to a pool. */
export interface PodGroup {
  /** `Kind namespace/name` */
  readonly workload: string;
  readonly namespace: string;
  readonly pool: string;
  /** The baseline: the HPA's minimum, else the workload's replicas. */
  readonly replicas: number;
  readonly cpuMillis: number;
  readonly memoryMiB: number;
  /** Required anti-affinity on the host name: no two of its pods share a node. */
  readonly separate: boolean;
  /** The PowerSchedule its namespace joins, if any. */
  readonly schedule?: string;
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface PoolSpec {
  readonly name: string;
  readonly capacityTypes: ReadonlyArray<'spot' | 'on-demand'>;
  readonly requirements: readonly Requirement[];
  readonly limits: { readonly cpuMillis?: number; readonly memoryMiB?: number };
  /** Its EC2NodeClass enables IPv6 (no public IPv4 per node). */
  readonly ipv6: boolean;
}

interface ContainerView {
  resources?: { requests?: Record<string, string> };
}
interface PodSpecView {
  containers: ContainerView[];
  initContainers?: ContainerView[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: Array<{ matchExpressions?: Requirement[] }>;
      };
    };
    podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: Array<{ topologyKey: string }> };
  };
}

function requestsOf(containers: readonly ContainerView[] | undefined): { cpuMillis: number; memoryMiB: number } {
  let cpuMillis = 0;
  let memoryMiB = 0;
  for (const c of containers ?? []) {
    const requests = c.resources?.requests ?? {};
    if (requests.cpu) cpuMillis += coresOf(requests.cpu) * 1000;
    if (requests.memory) memoryMiB += mebibytesOf(requests.memory);
  }
  return { cpuMillis, memoryMiB };
}

/**
 * The long-running workloads (Deployments, StatefulSets) of the objects, with their pool, baseline replicas and
 * requests. Jobs and CronJobs run to completion and are left out (returned apart, by name).
 */
export function podGroupsOf(objects: readonly Manifest[]): { groups: PodGroup[]; notCosted: string[] } {
  const minReplicas = new Map<string, number>();
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const spec = hpa.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas?: number };
    minReplicas.set(
      `${spec.scaleTargetRef.kind} ${hpa.metadata.namespace}/${spec.scaleTargetRef.name}`,
      spec.minReplicas ?? 1,
    );
  }
  const scheduleOf = new Map<string, string>();
  for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
    const schedule = ns.metadata.labels?.[POWER_SCHEDULE_LABEL];
    if (schedule) scheduleOf.set(ns.metadata.name, schedule);
  }
  const groups: PodGroup[] = [];
  const notCosted: string[] = [];
  for (const o of objects) {
    const workload = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
    if (o.kind === 'Job' || o.kind === 'CronJob') {
      notCosted.push(workload);
      continue;
    }
    if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') continue;
    const spec = o.spec as { replicas?: number; template: { spec: PodSpecView } };
    const pod = spec.template.spec;
    const pool = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
      .flatMap((t) => t.matchExpressions ?? [])
      .find((e) => e.key === POOL_KEY && e.operator === 'In')?.values?.[0];
    if (pool === undefined) throw new Error(`${workload} is pinned to no pool (no required ${POOL_KEY} affinity)`);
    const main = requestsOf(pod.containers);
    const init = (pod.initContainers ?? []).map((c) => requestsOf([c]));
    const namespace = o.metadata.namespace ?? 'default';
    const schedule = scheduleOf.get(namespace);
    groups.push({
      workload,
      namespace,
      pool,
      replicas: minReplicas.get(`${o.kind} ${namespace}/${o.metadata.name}`) ?? spec.replicas ?? 1,
      cpuMillis: Math.max(main.cpuMillis, ...init.map((r) => r.cpuMillis)),
      memoryMiB: Math.max(main.memoryMiB, ...init.map((r) => r.memoryMiB)),
      separate: (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
        (term) => term.topologyKey === 'kubernetes.io/hostname',
      ),
      ...(schedule ? { schedule } : {}),
    });
  }
  return { groups, notCosted };
}

/** Every NodePool with its requirements, capacity types, limits and whether its node class has IPv6 on. */
export function poolSpecsOf(objects: readonly Manifest[]): PoolSpec[] {
  const ipv6Classes = new Set(
    objects
      .filter((o) => o.kind === 'EC2NodeClass')
      .filter(
        (o) =>
          (o.spec as { metadataOptions?: { httpProtocolIPv6?: string } }).metadataOptions?.httpProtocolIPv6 ===
          'enabled',
      )
      .map((o) => o.metadata.name),
  );
  return objects
    .filter((o) => o.kind === 'NodePool')
    .map((o) => {
      const spec = o.spec as {
        template: { spec: { requirements: Requirement[]; nodeClassRef: { name: string } } };
        limits?: Record<string, string>;
      };
      const requirements = spec.template.spec.requirements;
      const capacity = requirements.find((r) => r.key === 'karpenter.sh/capacity-type' && r.operator === 'In');
      const capacityTypes = (capacity?.values ?? ['on-demand']).filter(
        (t): t is 'spot' | 'on-demand' => t === 'spot' || t === 'on-demand',
      );
      const limits = spec.limits ?? {};
      return {
        name: o.metadata.name,
        capacityTypes,
        requirements: requirements.filter((r) => r.key !== 'karpenter.sh/capacity-type'),
        limits: {
          ...(limits.cpu ? { cpuMillis: coresOf(limits.cpu) * 1000 } : {}),
          ...(limits.memory ? { memoryMiB: mebibytesOf(limits.memory) } : {}),
        },
        ipv6: ipv6Classes.has(spec.template.spec.nodeClassRef.name),
      };
    });
}

/** Requirement keys with nothing to do with the instance type's price (any zone costs the same here). */
const IGNORED_KEYS = new Set(['topology.kubernetes.io/zone', 'kubernetes.io/os']);

function labelOf(name: string, type: InstanceTypePrice, key: string): string | number | undefined {
  const { category, family, generation, size } = describeInstanceType(name);
  switch (key) {
    case 'kubernetes.io/arch':
      return type.arch;
    case 'node.kubernetes.io/instance-type':
      return name;
    case 'karpenter.k8s.aws/instance-category':
      return category;
    case 'karpenter.k8s.aws/instance-family':
      return family;
    case 'karpenter.k8s.aws/instance-generation':
      return generation;
    case 'karpenter.k8s.aws/instance-size':
      return size;
    case 'karpenter.k8s.aws/instance-cpu':
      return type.vcpu;
    case 'karpenter.k8s.aws/instance-memory':
      return type.memoryGiB * 1024;
    case 'karpenter.k8s.aws/instance-network-bandwidth':
      return type.networkMbps;
    case 'karpenter.k8s.aws/instance-hypervisor':
      return type.hypervisor;
    default:
      return undefined;
  }
}

/** Whether an instance type meets a requirement; a key the table cannot judge is an error, not a guess. */
function meets(pool: string, name: string, type: InstanceTypePrice, r: Requirement): boolean {
  if (IGNORED_KEYS.has(r.key)) return true;
  const value = labelOf(name, type, r.key);
  if (value === undefined)
    throw new Error(
      `NodePool ${pool}: requirement ${r.key} is not one \`roleplane cost\` can judge from the price table`,
    );
  const values = r.values ?? [];
  const number = Number(values[0]);
  switch (r.operator) {
    case 'In':
      return values.includes(String(value));
    case 'NotIn':
      return !values.includes(String(value));
    case 'Exists':
      return true;
    case 'DoesNotExist':
      return false;
    case 'Gt':
      return Number(value) > number;
    case 'Lt':
      return Number(value) < number;
    case 'Gte':
      return Number(value) >= number;
    case 'Lte':
      return Number(value) <= number;
    default:
      throw new Error(`NodePool ${pool}: unknown requirement operator ${r.operator}`);
  }
}

/** One pod to place. */
interface PodUnit {
  readonly group: string;
  readonly cpuMillis: number;
  readonly memoryMiB: number;
  readonly separate: boolean;
}

export interface Placement {
  readonly type?: string;
  readonly capacityType?: 'spot' | 'on-demand';
  readonly nodes: number;
  /** Price of all its nodes per hour. */
  readonly hourly: number;
  /** Pods that fit no candidate type (empty when placed). */
  readonly unplaceable: readonly string[];
  /** The nodes' vCPU and memory exceed the NodePool's limits (Karpenter would stop short). */
  readonly overLimits: boolean;
}

const EMPTY: Placement = { nodes: 0, hourly: 0, unplaceable: [], overLimits: false };

/** Nodes of one size needed by first-fit decreasing, or undefined when a pod fits no empty node. */
function binPack(pods: readonly PodUnit[], size: { cpuMillis: number; memoryMiB: number }): number | undefined {
  const order = [...pods].sort(
    (a, b) =>
      b.cpuMillis / size.cpuMillis +
      b.memoryMiB / size.memoryMiB -
      (a.cpuMillis / size.cpuMillis + a.memoryMiB / size.memoryMiB),
  );
  const nodes: Array<{ cpu: number; memory: number; separated: Set<string> }> = [];
  for (const pod of order) {
    if (pod.cpuMillis > size.cpuMillis || pod.memoryMiB > size.memoryMiB) return undefined;
    let node = nodes.find(
      (n) => n.cpu >= pod.cpuMillis && n.memory >= pod.memoryMiB && !(pod.separate && n.separated.has(pod.group)),
    );
    if (!node) nodes.push((node = { cpu: size.cpuMillis, memory: size.memoryMiB, separated: new Set() }));
    node.cpu -= pod.cpuMillis;
    node.memory -= pod.memoryMiB;
    if (pod.separate) node.separated.add(pod.group);
  }
  return nodes.length;
}

/**
 * The cheapest way to run the pods on nodes of one type the pool allows, as Karpenter's cost-driven choice would:
 * spot where the pool allows it and the table has a spot price, else on-demand. Ties go to fewer nodes, then name.
 */
export function place(pool: PoolSpec, pods: readonly PodUnit[], table: PriceTable): Placement {
  if (pods.length === 0) return EMPTY;
  let best: Placement | undefined;
  for (const [name, type] of Object.entries(table.instanceTypes)) {
    if (!pool.requirements.every((r) => meets(pool.name, name, type, r))) continue;
    const useSpot = pool.capacityTypes.includes('spot') && type.spot !== undefined;
    if (!useSpot && !pool.capacityTypes.includes('on-demand')) continue;
    const nodes = binPack(pods, allocatable(type, table));
    if (nodes === undefined) continue;
    const hourly = nodes * (useSpot ? type.spot! : type.onDemand);
    const candidate: Placement = {
      type: name,
      capacityType: useSpot ? 'spot' : 'on-demand',
      nodes,
      hourly,
      unplaceable: [],
      overLimits:
        (pool.limits.cpuMillis !== undefined && nodes * type.vcpu * 1000 > pool.limits.cpuMillis) ||
        (pool.limits.memoryMiB !== undefined && nodes * type.memoryGiB * 1024 > pool.limits.memoryMiB),
    };
    if (
      !best ||
      candidate.hourly < best.hourly - 1e-9 ||
      (Math.abs(candidate.hourly - best.hourly) <= 1e-9 &&
        (candidate.nodes < best.nodes || (candidate.nodes === best.nodes && name < best.type!)))
    )
      best = candidate;
  }
  return best ?? { ...EMPTY, unplaceable: [...new Set(pods.map((p) => p.group))] };
}

export interface ScheduleWeek {
  readonly name: string;
  readonly spec: PowerScheduleSpec;
  /** Awake hours of the reference week. */
  readonly awakeHours: number;
}

export interface PoolCost {
  readonly pool: PoolSpec;
  readonly groups: readonly PodGroup[];
  /** Every pod at its baseline, all week. */
  readonly alwaysOn: Placement;
  /** While every schedule on the pool sleeps. */
  readonly asleep: Placement;
  /** Mean price per hour over the reference week with the schedules acting. */
  readonly hourlyScheduled: number;
  /** Mean node count over the reference week with the schedules acting. */
  readonly nodesScheduled: number;
  /** The schedules its pods' namespaces join. */
  readonly schedules: readonly string[];
}

export interface CostEstimate {
  readonly table: PriceTable;
  readonly pools: readonly PoolCost[];
  readonly schedules: readonly ScheduleWeek[];
  /** Workloads not costed: Jobs and CronJobs (run to completion). */
  readonly notCosted: readonly string[];
  readonly hourlyAlwaysOn: number;
  readonly hourlyScheduled: number;
  /** Nodes all week (always on) and on average (scheduled). */
  readonly nodesAlwaysOn: number;
  readonly nodesScheduled: number;
  /** Public IPv4 charge per hour the IPv6 pools' nodes avoid, always on and scheduled. */
  readonly ipv4AvoidedAlwaysOn: number;
  readonly ipv4AvoidedScheduled: number;
}

export interface EstimateInput {
  /** The NodePools, EC2NodeClasses and PowerSchedules (the environment carrying the platform). */
  readonly platform: readonly Manifest[];
  /** Workloads, HPAs and Namespaces of the environments to cost. */
  readonly workloads: readonly Manifest[];
  readonly table: PriceTable;
  /** The zone whose Monday starts the reference week (the site's). */
  readonly weekZone: string;
}

function units(groups: readonly PodGroup[], awake: (group: PodGroup) => boolean, downtime: (g: PodGroup) => number) {
  return groups.flatMap((g) =>
    Array.from({ length: awake(g) ? g.replicas : Math.min(g.replicas, downtime(g)) }, () => ({
      group: g.workload,
      cpuMillis: g.cpuMillis,
      memoryMiB: g.memoryMiB,
      separate: g.separate,
    })),
  );
}

/**
 * Nodes and price per pool: the pods at their baseline replicas packed onto the cheapest type the pool allows, all
 * week, and with each PowerSchedule putting its namespaces' pods to sleep (read slot by slot over a reference week).
 */
export function estimateCost(input: EstimateInput): CostEstimate {
  const { table } = input;
  const pools = poolSpecsOf(input.platform);
  if (pools.length === 0)
    throw new Error('no NodePools to cost: the environment carrying `platform` must use provider mode karpenter');
  const scheduleObjects = input.platform.filter((o) => o.kind === 'PowerSchedule');
  const slotsOf = new Map(
    scheduleObjects.map((o) => [o.metadata.name, awakeSlots(o.spec as PowerScheduleSpec, input.weekZone)] as const),
  );
  const schedules: ScheduleWeek[] = scheduleObjects.map((o) => ({
    name: o.metadata.name,
    spec: o.spec as PowerScheduleSpec,
    awakeHours: (slotsOf.get(o.metadata.name)!.filter(Boolean).length * SLOT_MINUTES) / 60,
  }));
  const { groups, notCosted } = podGroupsOf(input.workloads);
  const unknownPool = groups.find((g) => !pools.some((p) => p.name === g.pool));
  if (unknownPool)
    throw new Error(`${unknownPool.workload} is pinned to pool "${unknownPool.pool}", which has no NodePool`);

  const downtimeOf = (g: PodGroup) =>
    (g.schedule ? schedules.find((s) => s.name === g.schedule)?.spec.downtimeReplicas : undefined) ?? 0;
  const poolCosts = pools.map((pool): PoolCost => {
    const mine = groups.filter((g) => g.pool === pool.name);
    const scheduled = [...new Set(mine.flatMap((g) => (g.schedule && slotsOf.has(g.schedule) ? [g.schedule] : [])))];
    const isScheduled = (g: PodGroup) => g.schedule !== undefined && slotsOf.has(g.schedule);
    const alwaysOn = place(
      pool,
      units(mine, () => true, downtimeOf),
      table,
    );
    const asleep = place(
      pool,
      units(mine, (g) => !isScheduled(g), downtimeOf),
      table,
    );
    // Each distinct set of awake schedules is placed once; the week is the mean over its slots.
    const byAwakeSet = new Map<string, { placement: Placement; slots: number }>();
    for (let slot = 0; slot < SLOTS_PER_WEEK; slot++) {
      const awake = new Set(scheduled.filter((s) => slotsOf.get(s)![slot]));
      const key = [...awake].join(',');
      const seen = byAwakeSet.get(key);
      if (seen) seen.slots++;
      else {
        const placement = place(
          pool,
          units(mine, (g) => !isScheduled(g) || awake.has(g.schedule!), downtimeOf),
          table,
        );
        byAwakeSet.set(key, { placement, slots: 1 });
      }
    }
    const mean = (f: (p: Placement) => number) =>
      [...byAwakeSet.values()].reduce(
        (total, { placement, slots }) => total + (f(placement) * slots) / SLOTS_PER_WEEK,
        0,
      );
    return {
      pool,
      groups: mine,
      alwaysOn,
      asleep,
      hourlyScheduled: mean((p) => p.hourly),
      nodesScheduled: mean((p) => p.nodes),
      schedules: scheduled,
    };
  });
  const sum = (f: (p: PoolCost) => number) => poolCosts.reduce((total, p) => total + f(p), 0);
  const ipv6 = (p: PoolCost) => (p.pool.ipv6 ? 1 : 0);
  return {
    table,
    pools: poolCosts,
    schedules,
    notCosted,
    hourlyAlwaysOn: sum((p) => p.alwaysOn.hourly),
    hourlyScheduled: sum((p) => p.hourlyScheduled),
    nodesAlwaysOn: sum((p) => p.alwaysOn.nodes),
    nodesScheduled: sum((p) => p.nodesScheduled),
    ipv4AvoidedAlwaysOn: sum((p) => ipv6(p) * p.alwaysOn.nodes) * table.publicIpv4PerHour,
    ipv4AvoidedScheduled: sum((p) => ipv6(p) * p.nodesScheduled) * table.publicIpv4PerHour,
  };
}
