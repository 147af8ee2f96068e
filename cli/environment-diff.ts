import { LABEL_COMPONENT, LABEL_INSTANCE, LABEL_NAME } from '../charts/lib/labels.js';
import { POOL_KEY } from '../charts/lib/pool.js';
import { namespacesOf } from '../charts/index.js';
import type { Manifest } from '../charts/synth.js';
import type { Values } from '../charts/values/schema.js';
import { POWER_SCHEDULE_LABEL } from '../operator/api/keys.js';
import { WAKER_NAME } from '../charts/waker-chart.js';
import { DEFAULT_BACKEND_ANNOTATION } from '../charts/web-chart.js';

/** What is expected to differ between two environments, and so is replaced by a placeholder before comparing. */
export const EXPECTED_CATEGORIES = ['names', 'namespaces', 'pools', 'sizes', 'replicas', 'schedule'] as const;
export type ExpectedCategory = (typeof EXPECTED_CATEGORIES)[number];

/**
 * Parts applied once per cluster, carried by the one environment with `platform` (prod): they are not the
 * environment's, so they are listed, not compared.
 */
export const CLUSTER_WIDE_PARTS = ['crds', 'pools', 'operator', 'waker', 'power-schedules'] as const;

/** One environment's synthesized objects, with the values they came from. */
export interface DiffSide {
  readonly name: string;
  readonly values: Values;
  readonly objects: readonly Manifest[];
}

/** A value replaced by a placeholder, where it was. */
interface Replaced {
  readonly category: ExpectedCategory;
  /** The part of the object it was found in. */
  readonly part: string;
  /** `<Kind> <normalised name> <path>`: the same place in the other environment has the same location. */
  readonly location: string;
  readonly value: string;
}

interface NormalisedObject {
  /** The chart (`app.kubernetes.io/name`) or, for a NetworkPolicy of a part, that part. */
  readonly part: string;
  /** `<Kind> <normalised name>` */
  readonly key: string;
  readonly body: unknown;
  readonly canonical: string;
}

export interface ExpectedDifference {
  readonly category: ExpectedCategory;
  /** Distinct values on each side (names, namespaces, pools, schedule). */
  readonly a: readonly string[];
  readonly b: readonly string[];
  /** Each place whose value differs: location, value in a, value in b. */
  readonly places: ReadonlyArray<{ location: string; a: string; b: string }>;
}

/** A difference the normalisation does not explain. */
export type Difference =
  | {
      readonly kind: 'changed';
      readonly object: string;
      readonly path: string;
      readonly a: unknown;
      readonly b: unknown;
    }
  | { readonly kind: 'only'; readonly side: 'a' | 'b'; readonly object: string; readonly body: unknown };

export interface EnvironmentDiff {
  readonly a: string;
  readonly b: string;
  readonly expected: readonly ExpectedDifference[];
  /** Cluster-wide parts on each side: part → object count. */
  readonly clusterWide: { readonly a: Readonly<Record<string, number>>; readonly b: Readonly<Record<string, number>> };
  /** Parts one environment runs and the other does not (the ERP, the campaigns): part → `Kind name` of each object. */
  readonly onlyIn: {
    readonly a: Readonly<Record<string, readonly string[]>>;
    readonly b: Readonly<Record<string, readonly string[]>>;
  };
  readonly differences: readonly Difference[];
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a sleeping site's fallback to the waker shows among the schedule's set-aside values. */
const WAKER_FALLBACK = 'the waker as fallback';

/** Generated names end in a hash of the content (the index-build Job): the stem is the name. */
const HASHED_NAME = /-[0-9a-f]{8}$/;
/** cdk8s-plus's selector label: the construct path and a hash, so it carries the environment's name. */
const CDK8S_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const APP_ENVIRONMENT_VARIABLE = 'ROLEPLANE_ENV';
/** Fields of the quantity kind: a size that may differ (requests, limits, volume sizes). */
const SIZE_PARENTS = new Set(['requests', 'limits']);
const REPLICA_KEYS = new Set(['replicas', 'minReplicas', 'maxReplicas']);

/** Which part an object belongs to: its chart, except a NetworkPolicy that opens a flow for a part of its own. */
function partOf(object: Manifest): string {
  const chart = object.metadata.labels?.[LABEL_NAME] ?? 'unlabelled';
  if (object.kind === 'NetworkPolicy') {
    const component = (object.spec as { podSelector?: { matchLabels?: Record<string, string> } }).podSelector
      ?.matchLabels?.[LABEL_COMPONENT];
    if (component === 'operator') return 'operator';
    if (component === 'waker') return 'waker';
    if (component === 'erp') return 'erp';
  }
  return chart;
}

/**
 * Arrays whose items carry a `name` (containers, env, volumes, mounts, ports) become maps keyed `[name]`, so an item
 * added in the middle shows as that item, not as every later one changed.
 */
function keyedByName(items: unknown[]): Tree | undefined {
  if (items.length === 0 || !items.every((i) => isTree(i) && typeof i.name === 'string')) return undefined;
  const names = items.map((i) => (i as Tree).name as string);
  if (new Set(names).size !== names.length) return undefined;
  return Object.fromEntries(items.map((i) => [`[${(i as Tree).name as string}]`, i]));
}

/** `a.b[name].c`: keyed items read as they would in a JSON path. */
function pathText(path: readonly string[]): string {
  return path.reduce(
    (text, step) => (text === '' ? step : step.startsWith('[') ? `${text}${step}` : `${text}.${step}`),
    '',
  );
}

class Normaliser {
  readonly replaced: Replaced[] = [];
  private part = '';
  private readonly namespaces: ReadonlySet<string>;
  private readonly names: ReadonlyMap<string, string>;

  constructor(values: Values) {
    this.namespaces = new Set(namespacesOf(values));
    const names = new Map<string, string>([[`${values.site.name}-${values.environment}`, '<instance>']]);
    names.set(values.web.ingress.host, '<host>');
    if (values.web.ingress.tlsSecretName) names.set(values.web.ingress.tlsSecretName, '<tls-secret>');
    this.names = names;
  }

  private replace(category: ExpectedCategory, location: string, value: unknown, placeholder: string): string {
    this.replaced.push({ category, part: this.part, location, value: String(value) });
    return placeholder;
  }

  object(object: Manifest): NormalisedObject {
    this.part = partOf(object);
    let name = object.metadata.name;
    if (object.kind === 'Namespace' && this.namespaces.has(name)) name = '<namespace>';
    else if (HASHED_NAME.test(name) && object.kind === 'Job') name = name.replace(HASHED_NAME, '-<hash>');
    const key = `${object.kind} ${name}`;
    if (name !== object.metadata.name) {
      this.replace(
        object.kind === 'Namespace' ? 'namespaces' : 'names',
        `${key} metadata.name`,
        object.metadata.name,
        name,
      );
    }
    const { name: _name, ...metadata } = object.metadata;
    const body = this.node({ ...object, metadata: { name, ...metadata } }, [], key);
    return { part: this.part, key, body, canonical: JSON.stringify(body) };
  }

  private node(node: unknown, path: readonly string[], key: string): unknown {
    const last = path[path.length - 1] ?? '';
    const location = `${key} ${pathText(path)}`;
    if (Array.isArray(node)) {
      const keyed = keyedByName(node);
      if (keyed) return this.node(keyed, path, key);
      if (last === 'namespaces' && node.every((n) => typeof n === 'string' && this.namespaces.has(n)))
        return node.map((n, i) => this.replace('namespaces', `${location}.${i}`, n, '<namespace>'));
      return node.map((item, i) => this.node(item, [...path, String(i)], key));
    }
    if (isTree(node)) {
      const out: Tree = {};
      // A node affinity term or a toleration for the pool key: its value is the pool.
      const isPoolTerm = node.key === POOL_KEY;
      for (const [k, v] of Object.entries(node)) {
        const here = [...path, k];
        const at = `${key} ${pathText(here)}`;
        if (isPoolTerm && k === 'values' && Array.isArray(v))
          out[k] = v.map((pool) => this.replace('pools', at, pool, '<pool>'));
        else if (isPoolTerm && k === 'value') out[k] = this.replace('pools', at, v, '<pool>');
        else if (k === POOL_KEY && typeof v === 'string') out[k] = this.replace('pools', at, v, '<pool>');
        else if (k === CDK8S_ADDRESS_LABEL) out[k] = '<generated>';
        else if (k === LABEL_INSTANCE) out[k] = this.replace('names', at, v, '<instance>');
        // Whether a namespace sleeps is set aside whole: the label is dropped where present, and so is its Ingress's
        // fallback to the waker while the site is asleep (the annotation; its ExternalName Service is left out below).
        else if (k === POWER_SCHEDULE_LABEL) this.replace('schedule', `${key} ${pathText(path)}`, v, '');
        else if (k === DEFAULT_BACKEND_ANNOTATION)
          this.replace('schedule', `${key} ${pathText(path)}`, WAKER_FALLBACK, '');
        else if ((k === 'namespace' || k === NAMESPACE_NAME_LABEL) && typeof v === 'string' && this.namespaces.has(v))
          out[k] = this.replace('namespaces', at, v, '<namespace>');
        else if (SIZE_PARENTS.has(last) && path.includes('resources') && typeof v === 'string')
          out[k] = this.replace('sizes', at, v, '<size>');
        else if (k === 'sizeLimit' || (k === 'storage' && path.includes('resources')))
          out[k] = this.replace('sizes', at, v, '<size>');
        else if (REPLICA_KEYS.has(k) && typeof v === 'number') out[k] = this.replace('replicas', at, v, '<replicas>');
        else if (k === 'value' && typeof v === 'number' && path.includes('scaleDown'))
          // The HPA lets the Deployment shrink by at most its minimum per period: a replica count.
          out[k] = this.replace('replicas', at, v, '<replicas>');
        else if (k === 'value' && last === `[${APP_ENVIRONMENT_VARIABLE}]`)
          out[k] = this.replace('names', at, v, '<environment>');
        else {
          const normalised = this.node(v, here, key);
          // Annotations left empty once the set-aside ones are dropped are as good as none.
          if (k === 'annotations' && isTree(normalised) && Object.keys(normalised).length === 0) continue;
          out[k] = normalised;
        }
      }
      return out;
    }
    if (typeof node === 'string') return this.text(node, location);
    return node;
  }

  /** Strings: a name used whole, Service addresses and Valkey's maxmemory inside settings and config files. */
  private text(value: string, location: string): string {
    const whole = this.names.get(value);
    if (whole !== undefined) return this.replace('names', location, value, whole);
    let out = value.replace(/\.([a-z0-9-]+)\.svc\b/g, (match, ns: string) =>
      this.namespaces.has(ns) ? `.${this.replace('namespaces', location, ns, '<namespace>')}.svc` : match,
    );
    out = out.replace(
      /^maxmemory (\S+)$/m,
      (_m, size: string) => `maxmemory ${this.replace('sizes', location, size, '<size>')}`,
    );
    return out;
  }
}

function normalise(side: DiffSide): { objects: NormalisedObject[]; replaced: Replaced[] } {
  const normaliser = new Normaliser(side.values);
  // A sleeping site's ExternalName Service to the waker goes with its schedule (set aside, as the annotation above).
  const sleepsOnly = (o: Manifest): boolean =>
    o.kind === 'Service' && o.metadata.name === WAKER_NAME && (o.spec as { type?: string }).type === 'ExternalName';
  for (const o of side.objects.filter(sleepsOnly))
    normaliser.replaced.push({
      category: 'schedule',
      part: partOf(o),
      location: `Service ${o.metadata.name}`,
      value: WAKER_FALLBACK,
    });
  const objects = side.objects.filter((o) => !sleepsOnly(o)).map((o) => normaliser.object(o));
  return { objects, replaced: normaliser.replaced };
}

/** Every path where two trees differ, with both values (`undefined` where a side has nothing). */
function changedPaths(
  a: unknown,
  b: unknown,
  path: string,
  out: Array<{ path: string; a: unknown; b: unknown }>,
): void {
  if (isTree(a) && isTree(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])])
      changedPaths(a[k], b[k], path ? (k.startsWith('[') ? `${path}${k}` : `${path}.${k}`) : k, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => changedPaths(item, b[i], `${path}[${i}]`, out));
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, a, b });
}

function countByPart(objects: readonly NormalisedObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.part] = (counts[o.part] ?? 0) + 1;
  return counts;
}

function expectedDifferences(a: readonly Replaced[], b: readonly Replaced[]): ExpectedDifference[] {
  return EXPECTED_CATEGORIES.map((category) => {
    const inA = a.filter((r) => r.category === category);
    const inB = b.filter((r) => r.category === category);
    const distinct = (rs: readonly Replaced[]) => [...new Set(rs.map((r) => r.value))].sort();
    const byLocation = (rs: readonly Replaced[]) => {
      const map = new Map<string, string[]>();
      for (const r of rs) map.set(r.location, [...(map.get(r.location) ?? []), r.value]);
      return map;
    };
    const mapA = byLocation(inA);
    const mapB = byLocation(inB);
    const places: Array<{ location: string; a: string; b: string }> = [];
    for (const location of [...new Set([...mapA.keys(), ...mapB.keys()])].sort()) {
      const va = [...new Set(mapA.get(location) ?? [])].join(', ') || '(none)';
      const vb = [...new Set(mapB.get(location) ?? [])].join(', ') || '(none)';
      if (va !== vb) places.push({ location, a: va, b: vb });
    }
    return { category, a: distinct(inA), b: distinct(inB), places };
  });
}

/**
 * Compares two environments' synthesized objects after replacing what is expected to differ (names, namespaces,
 * pools, sizes, replica counts, the power schedule) by placeholders. Cluster-wide parts and parts only one side runs
 * are listed, not compared; everything else that differs is a `Difference`.
 */
export function diffEnvironments(sideA: DiffSide, sideB: DiffSide): EnvironmentDiff {
  const a = normalise(sideA);
  const b = normalise(sideB);
  const clusterWide = (o: NormalisedObject) => (CLUSTER_WIDE_PARTS as readonly string[]).includes(o.part);
  const partsA = new Set(a.objects.filter((o) => !clusterWide(o)).map((o) => o.part));
  const partsB = new Set(b.objects.filter((o) => !clusterWide(o)).map((o) => o.part));
  const onlyIn = (objects: readonly NormalisedObject[], other: ReadonlySet<string>) => {
    const out: Record<string, string[]> = {};
    for (const o of objects)
      if (!clusterWide(o) && !other.has(o.part)) out[o.part] = [...new Set([...(out[o.part] ?? []), o.key])];
    return out;
  };
  const compared = (objects: readonly NormalisedObject[], other: ReadonlySet<string>) =>
    objects.filter((o) => !clusterWide(o) && other.has(o.part));

  // Identical objects collapse (the default-deny policy of each namespace is one after normalising).
  const group = (objects: readonly NormalisedObject[]) => {
    const map = new Map<string, Map<string, NormalisedObject>>();
    for (const o of objects) {
      const id = `${o.key} [${o.part}]`;
      const variants = map.get(id) ?? new Map<string, NormalisedObject>();
      variants.set(o.canonical, o);
      map.set(id, variants);
    }
    return map;
  };
  const groupsA = group(compared(a.objects, partsB));
  const groupsB = group(compared(b.objects, partsA));
  const differences: Difference[] = [];
  for (const id of [...new Set([...groupsA.keys(), ...groupsB.keys()])].sort()) {
    const va = [...(groupsA.get(id)?.values() ?? [])];
    const vb = [...(groupsB.get(id)?.values() ?? [])];
    if (va.length === 1 && vb.length === 1) {
      const changes: Array<{ path: string; a: unknown; b: unknown }> = [];
      changedPaths(va[0]!.body, vb[0]!.body, '', changes);
      for (const c of changes) differences.push({ kind: 'changed', object: id, ...c });
      continue;
    }
    const inB = new Set(vb.map((o) => o.canonical));
    const inA = new Set(va.map((o) => o.canonical));
    for (const o of va)
      if (!inB.has(o.canonical)) differences.push({ kind: 'only', side: 'a', object: id, body: o.body });
    for (const o of vb)
      if (!inA.has(o.canonical)) differences.push({ kind: 'only', side: 'b', object: id, body: o.body });
  }

  return {
    a: sideA.name,
    b: sideB.name,
    expected: expectedDifferences(
      a.replaced.filter((r) => partsA.has(r.part) && partsB.has(r.part)),
      b.replaced.filter((r) => partsA.has(r.part) && partsB.has(r.part)),
    ),
    clusterWide: {
      a: countByPart(a.objects.filter(clusterWide)),
      b: countByPart(b.objects.filter(clusterWide)),
    },
    onlyIn: { a: onlyIn(a.objects, partsB), b: onlyIn(b.objects, partsA) },
    differences,
  };
}
