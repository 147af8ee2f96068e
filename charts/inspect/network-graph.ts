/**
 * Evaluates NetworkPolicy semantics (matchLabels selectors, namespace selectors by name label, ipBlocks, ports)
 * over synthesized objects and lists every allowed flow between the pods the manifests create and a few
 * endpoints outside them: the ingress controller, cluster DNS and an address outside the cluster. The network tests
 * assert the graph; `roleplane diagram` draws it, so the picture shows what the cluster will allow.
 */
import type { Manifest } from '../synth.js';
import { LABEL_COMPONENT } from '../lib/labels.js';
import { podTemplates } from './pod-templates.js';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

export interface Endpoint {
  /** Short name used in the graph: the pod's component label, or a fixed name for external endpoints. */
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  /** For endpoints outside the cluster. */
  ip?: string;
  ports: Array<{ port: number; protocol: 'TCP' | 'UDP' }>;
  /** External endpoints' own policies are not ours: only our side is evaluated. */
  external?: boolean;
}

function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  if (selector.matchExpressions && selector.matchExpressions.length > 0)
    throw new Error('matchExpressions are not evaluated by this checker');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string];
  const bits = Number(bitsText);
  // Only the IPv6 "any" block is needed here; IPv4 is compared bit by bit.
  if (ip.includes(':') || base.includes(':')) return ip.includes(':') && base.includes(':') && bits === 0;
  if (bits === 0) return true;
  const mask = 2 ** 32 - 2 ** (32 - bits);
  return (ipv4ToInt(ip) & mask) >>> 0 === (ipv4ToInt(base) & mask) >>> 0;
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    return (
      other.ip !== undefined &&
      inCidr(other.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip!, c))
    );
  }
  if (other.ip !== undefined || other.namespace === undefined) return false;
  const namespaceLabels = { 'kubernetes.io/metadata.name': other.namespace };
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels)
    : other.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, other.labels ?? {});
}

function portMatches(ports: PolicyPort[] | undefined, port: { port: number; protocol: string }): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== port.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') throw new Error(`named port ${p.port} is not evaluated by this checker`);
    return p.endPort !== undefined ? port.port >= p.port && port.port <= p.endPort : port.port === p.port;
  });
}

/** Is traffic allowed by the policies on one side (`direction` of `subject`)? */
function allowedOneSide(
  policies: ReadonlyArray<{ namespace: string; spec: PolicySpec }>,
  subject: Endpoint,
  other: Endpoint,
  port: { port: number; protocol: string },
  direction: 'Ingress' | 'Egress',
): boolean {
  if (subject.external || subject.namespace === undefined) return true;
  const applicable = policies.filter(
    (p) =>
      p.namespace === subject.namespace &&
      selects(p.spec.podSelector, subject.labels ?? {}) &&
      (p.spec.policyTypes ?? ['Ingress']).includes(direction),
  );
  if (applicable.length === 0) return true;
  return applicable.some((p) =>
    ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.namespace, other));
      return peerOk && portMatches(rule.ports, port);
    }),
  );
}

/** Pods of the manifests as endpoints, named by component label, with their container ports and a probe port. */
export function podEndpoints(objects: readonly Manifest[]): Endpoint[] {
  return podTemplates(objects).map((pod) => ({
    name: `${pod.namespace}/${pod.labels[LABEL_COMPONENT] ?? pod.owner}`,
    namespace: pod.namespace,
    labels: pod.labels,
    ports: [
      ...pod.spec.containers.flatMap((c) =>
        (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: 'TCP' as const })),
      ),
      // A port nothing listens on: any rule that opens "all ports" shows up on it.
      { port: 9999, protocol: 'TCP' as const },
    ],
  }));
}

/** A pod outside the manifests, of a namespace we do not manage (Prometheus, Grafana). */
export function externalPod(name: string, namespace: string, labels: Record<string, string>): Endpoint {
  return { name, namespace, labels, ports: [], external: true };
}

/**
 * Endpoints outside the manifests that the design names, plus `extra` ones (Prometheus in the monitoring namespace, or
 * pods that must not pass for it).
 */
export function externalEndpoints(ingressControllerNamespace: string, extra: readonly Endpoint[] = []): Endpoint[] {
  return [
    ...extra,
    {
      name: 'ingress-controller',
      namespace: ingressControllerNamespace,
      labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
      ports: [],
      external: true,
    },
    {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns' },
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
      external: true,
    },
    {
      name: 'outside',
      ip: '192.0.2.10',
      ports: [443, 6443, 587, 9999].map((port) => ({ port, protocol: 'TCP' as const })),
      external: true,
    },
  ];
}

/** Every allowed flow, as sorted strings `from -> to:port/protocol`; kube-dns flows collapse to `* -> kube-dns`. */
export function allowedFlows(objects: readonly Manifest[], externals: readonly Endpoint[]): string[] {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({ namespace: o.metadata.namespace ?? 'default', spec: o.spec as PolicySpec }));
  const endpoints = [...podEndpoints(objects), ...externals];
  const flows = new Set<string>();
  for (const from of endpoints) {
    for (const to of endpoints) {
      for (const port of to.ports) {
        if (from.external && to.external) continue;
        if (!allowedOneSide(policies, from, to, port, 'Egress') || !allowedOneSide(policies, to, from, port, 'Ingress'))
          continue;
        flows.add(`${from.name} -> ${to.name}:${port.port}/${port.protocol}`);
      }
    }
  }
  return [...flows].sort();
}
