import { LABEL_COMPONENT } from '../../charts/lib/labels.js';
import { POOL_KEY } from '../../charts/lib/pool.js';
import { allowedFlows, externalEndpoints } from '../../charts/inspect/network-graph.js';
import { podTemplates } from '../../charts/inspect/pod-templates.js';
import type { Manifest } from '../../charts/synth.js';
import type { PowerScheduleSpec } from '../../operator/api/power-schedule.js';
import { POWER_SCHEDULE_LABEL } from '../../operator/api/keys.js';
import { parseSchedule } from '../../operator/schedule/grammar.js';
import { type StripDay, weekStrip } from '../../operator/schedule/week-strip.js';

/** The endpoints outside the manifests a flow may start or end at, as the network graph names them. */
export const EXTERNALS = {
  'ingress-controller': 'ingress controller',
  'kube-dns': 'cluster DNS (kube-dns)',
  outside: 'outside the cluster',
} as const;
export type ExternalId = keyof typeof EXTERNALS;

/**
 * The week a schedule's strip shows: the one holding Wednesday 14 January 2026, when no zone changes its offset, so
 * the picture is the same whenever it is drawn.
 */
const STRIP_WEEK = new Date('2026-01-14T12:00:00Z');

export interface WorkloadNode {
  /** `namespace/component`: the network graph's name for its pods. */
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

export interface PoolBox {
  readonly name: string;
  /** Namespaces on the pool, each with its workloads. */
  readonly roles: ReadonlyArray<{ readonly namespace: string; readonly workloads: readonly WorkloadNode[] }>;
}

/** One arrow: every allowed flow from one endpoint to another, with its ports. */
export interface FlowArrow {
  readonly from: string;
  readonly to: string;
  /** `8080/TCP`, … */
  readonly ports: readonly string[];
  /** The network graph's flows it draws, `from -> to:port/protocol`. */
  readonly flows: readonly string[];
}

export interface ScheduleStrip {
  readonly name: string;
  readonly timeZone: string;
  readonly uptime?: string;
  readonly downtime?: string;
  /** Namespaces that join it (by label). */
  readonly namespaces: readonly string[];
  readonly days: readonly StripDay[];
}

export interface StackModel {
  readonly title: string;
  readonly pools: readonly PoolBox[];
  /** Hosts the Ingresses serve (the CDN's origins). */
  readonly hosts: readonly string[];
  readonly ingressControllerNamespace: string;
  /** The externals some flow touches. */
  readonly externals: readonly ExternalId[];
  readonly arrows: readonly FlowArrow[];
  readonly flows: readonly string[];
  readonly schedules: readonly ScheduleStrip[];
}

const FLOW = /^(.+) -> (.+):(\d+)\/(TCP|UDP)$/;

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * Pools side by side in the order that keeps the flows between them shortest (the pools a flow joins are
 * neighbours where possible), so arrows cross as few boxes as they can; ties keep the NodePools' order.
 */
function orderPools(pools: readonly PoolBox[], arrows: ReadonlyArray<{ from: string; to: string }>): PoolBox[] {
  if (pools.length > 7) return [...pools];
  const poolOf = new Map(pools.flatMap((p) => p.roles.flatMap((r) => r.workloads.map((w) => [w.id, p.name] as const))));
  const links = arrows
    .map((a) => [poolOf.get(a.from), poolOf.get(a.to)] as const)
    .filter((l): l is readonly [string, string] => l[0] !== undefined && l[1] !== undefined && l[0] !== l[1]);
  let best = [...pools];
  let bestCost = Number.POSITIVE_INFINITY;
  for (const order of permutations(pools)) {
    const index = new Map(order.map((p, i) => [p.name, i]));
    const cost = links.reduce((sum, [a, b]) => sum + Math.abs(index.get(a)! - index.get(b)!), 0);
    if (cost < bestCost) {
      best = order;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * What `roleplane diagram` draws, read off synthesized objects only: the NodePools (or, without Karpenter, the pools
 * the workloads are pinned to) with each namespace's workloads inside, the flows the NetworkPolicies allow, the hosts
 * the Ingresses serve, and each PowerSchedule's week.
 */
export function stackModel(
  objects: readonly Manifest[],
  opts: { title: string; ingressControllerNamespace: string },
): StackModel {
  const pods = podTemplates(objects);
  const poolOf = (spec: (typeof pods)[number]['spec']): string =>
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
      .flatMap((t) => t.matchExpressions ?? [])
      .find((e) => e.key === POOL_KEY)?.values?.[0] ?? '(no pool)';
  const poolNames = [
    ...new Set([
      ...objects.filter((o) => o.kind === 'NodePool').map((o) => o.metadata.name),
      ...pods.map((p) => poolOf(p.spec)),
    ]),
  ];
  const pools: PoolBox[] = poolNames.map((name) => {
    const mine = pods.filter((p) => poolOf(p.spec) === name);
    const namespaces = [...new Set(mine.map((p) => p.namespace))];
    return {
      name,
      roles: namespaces.map((namespace) => ({
        namespace,
        workloads: mine
          .filter((p) => p.namespace === namespace)
          .map((p) => {
            const [kind, ref] = p.owner.split(' ') as [string, string];
            return {
              id: `${p.namespace}/${p.labels[LABEL_COMPONENT] ?? p.owner}`,
              kind,
              name: ref.slice(ref.indexOf('/') + 1),
              namespace,
            };
          }),
      })),
    };
  });

  const flows = allowedFlows(objects, externalEndpoints(opts.ingressControllerNamespace));
  const arrowsByPair = new Map<string, { from: string; to: string; ports: string[]; flows: string[] }>();
  for (const flow of flows) {
    const match = FLOW.exec(flow);
    if (!match) throw new Error(`unreadable flow "${flow}"`);
    const [, from, to, port, protocol] = match as unknown as [string, string, string, string, string];
    const key = `${from} -> ${to}`;
    const arrow = arrowsByPair.get(key) ?? { from, to, ports: [], flows: [] };
    arrow.ports.push(`${port}/${protocol}`);
    arrow.flows.push(flow);
    arrowsByPair.set(key, arrow);
  }
  const arrows = [...arrowsByPair.values()];
  const ordered = orderPools(pools, arrows);
  const externals = (Object.keys(EXTERNALS) as ExternalId[]).filter((id) =>
    arrows.some((a) => a.from === id || a.to === id),
  );

  const scheduleNamespaces = (name: string) =>
    objects
      .filter((o) => o.kind === 'Namespace' && o.metadata.labels?.[POWER_SCHEDULE_LABEL] === name)
      .map((o) => o.metadata.name);
  const schedules: ScheduleStrip[] = objects
    .filter((o) => o.kind === 'PowerSchedule')
    .map((o) => {
      const spec = o.spec as PowerScheduleSpec;
      const { holidays: _holidays, ...weekly } = spec;
      const parsed = parseSchedule(weekly);
      return {
        name: o.metadata.name,
        timeZone: parsed.timeZone,
        ...(spec.uptime !== undefined ? { uptime: spec.uptime } : {}),
        ...(spec.downtime !== undefined ? { downtime: spec.downtime } : {}),
        namespaces: scheduleNamespaces(o.metadata.name),
        days: weekStrip(parsed, STRIP_WEEK).days,
      };
    });

  const hosts = objects
    .filter((o) => o.kind === 'Ingress')
    .flatMap((o) =>
      ((o.spec as { rules?: Array<{ host?: string }> }).rules ?? []).flatMap((r) => (r.host ? [r.host] : [])),
    );

  return {
    title: opts.title,
    pools: ordered,
    hosts,
    ingressControllerNamespace: opts.ingressControllerNamespace,
    externals,
    arrows,
    flows,
    schedules,
  };
}
