import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/** A set of pods in one namespace, selected by labels (empty labels = every pod of the namespace). */
export interface PodGroup {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Flow {
  /** Names both policies: `allow-<name>-ingress` in the target namespace, `allow-<name>-egress` in the source's. */
  readonly name: string;
  readonly from: PodGroup;
  readonly to: PodGroup;
  readonly port: number;
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** The cluster DNS answers on this port, over UDP and TCP. */
const DNS_PORT = 53;

function peer(group: PodGroup): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: group.namespace } },
    podSelector: { matchLabels: { ...group.labels } },
  };
}

function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/** Denies all ingress and egress to every pod of the namespace; the allow rules below open single flows. */
export function denyAll(scope: Construct, namespace: string): void {
  new k8s.KubeNetworkPolicy(scope, `DenyAll-${namespace}`, {
    metadata: { name: 'default-deny', namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
}

/** Every pod may ask the cluster DNS (kube-system pods labelled k8s-app=kube-dns) on port 53. */
export function allowDns(scope: Construct, namespace: string): void {
  new k8s.KubeNetworkPolicy(scope, `AllowDns-${namespace}`, {
    metadata: { name: 'allow-dns-egress', namespace },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(DNS_PORT) }, tcp(DNS_PORT)],
        },
      ],
    },
  });
}

/** Opens one pod-to-pod flow: egress on the source side and ingress on the target side (both are denied by default). */
export function allowFlow(scope: Construct, flow: Flow): void {
  new k8s.KubeNetworkPolicy(scope, `Allow-${flow.name}-ingress`, {
    metadata: { name: `allow-${flow.name}-ingress`, namespace: flow.to.namespace },
    spec: {
      podSelector: { matchLabels: { ...flow.to.labels } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [peer(flow.from)], ports: [tcp(flow.port)] }],
    },
  });
  new k8s.KubeNetworkPolicy(scope, `Allow-${flow.name}-egress`, {
    metadata: { name: `allow-${flow.name}-egress`, namespace: flow.from.namespace },
    spec: {
      podSelector: { matchLabels: { ...flow.from.labels } },
      policyTypes: ['Egress'],
      egress: [{ to: [peer(flow.to)], ports: [tcp(flow.port)] }],
    },
  });
}

/** Ingress from every pod of a namespace we do not manage (the ingress controller's). */
export function allowIngressFromNamespace(
  scope: Construct,
  opts: { name: string; fromNamespace: string; to: PodGroup; port: number },
): void {
  new k8s.KubeNetworkPolicy(scope, `Allow-${opts.name}-ingress`, {
    metadata: { name: `allow-${opts.name}-ingress`, namespace: opts.to.namespace },
    spec: {
      podSelector: { matchLabels: { ...opts.to.labels } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: opts.fromNamespace } } }],
          ports: [tcp(opts.port)],
        },
      ],
    },
  });
}

/**
 * Ingress from pods of a namespace we do not manage (Prometheus, in the monitoring namespace) to the listed ports:
 * one `from` entry holding both selectors, so only those pods of that namespace match (AND, not OR). Their egress
 * is theirs to allow.
 */
export function allowIngressFromPods(
  scope: Construct,
  opts: { name: string; from: PodGroup; to: PodGroup; ports: readonly number[] },
): void {
  new k8s.KubeNetworkPolicy(scope, `Allow-${opts.name}-ingress`, {
    metadata: { name: `allow-${opts.name}-ingress`, namespace: opts.to.namespace },
    spec: {
      podSelector: { matchLabels: { ...opts.to.labels } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [peer(opts.from)], ports: opts.ports.map(tcp) }],
    },
  });
}

/** Egress to addresses outside the cluster (the API server, an SMTP relay). */
export function allowEgressToCidrs(
  scope: Construct,
  opts: { name: string; from: PodGroup; cidrs: readonly string[]; ports: readonly number[] },
): void {
  new k8s.KubeNetworkPolicy(scope, `Allow-${opts.name}-egress`, {
    metadata: { name: `allow-${opts.name}-egress`, namespace: opts.from.namespace },
    spec: {
      podSelector: { matchLabels: { ...opts.from.labels } },
      policyTypes: ['Egress'],
      egress: [{ to: opts.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: opts.ports.map(tcp) }],
    },
  });
}
