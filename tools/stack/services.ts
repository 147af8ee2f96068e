/**
 * Services for pods that podman runs: podman has no cluster DNS and no kube-proxy, so what a Service gives a
 * client is made from its selector here.
 * - Names: every pod gets `hostAliases` for each Service's DNS names (`<svc>.<ns>.svc.cluster.local`,
 *   `<svc>.<ns>.svc`, `<svc>.<ns>`, and `<svc>` inside its own namespace) pointing at the first pod the selector
 *   matches, and a headless Service's per-pod names (`<hostname>.<svc>.<ns>.svc…`) for StatefulSet pods.
 * - Ports: where a Service's port differs from its target port (search: 80 → 8080), a REDIRECT rule in the target
 *   pod's network namespace, as kube-proxy's DNAT would do (stack.ts applies it).
 */
import type { V1HostAlias, V1Service } from '@kubernetes/client-node';
import type { KubeObject, PodPlan } from './pods.js';

export interface PortRedirect {
  readonly pod: string; // plan key
  readonly port: number;
  readonly targetPort: number;
}

export interface ServiceRoutes {
  /** Host aliases per plan key. */
  readonly aliases: Map<string, V1HostAlias[]>;
  readonly redirects: PortRedirect[];
  /** Every Service and where it leads, for the runner's summary and the tests. */
  readonly services: Array<{
    name: string;
    namespace: string;
    pod?: string;
    ports: Array<{ port: number; targetPort: number }>;
  }>;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function dnsNames(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}.svc`, `${service}.${namespace}`];
}

function resolveTargetPort(target: number | string | undefined, port: number, plan: PodPlan, service: string): number {
  if (target === undefined) return port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const named = plan.pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target);
  if (!named) throw new Error(`Service ${service}: target port "${target}" is not a port name of pod ${plan.key}`);
  return named.containerPort;
}

export function routeServices(objects: readonly KubeObject[], plans: readonly PodPlan[]): ServiceRoutes {
  const names: Array<{ ip: string; hostname: string; namespace?: string }> = [];
  const redirects: PortRedirect[] = [];
  const services: ServiceRoutes['services'] = [];
  for (const object of objects) {
    if (object.kind !== 'Service') continue;
    const service = object as unknown as V1Service;
    const name = object.metadata.name;
    const namespace = object.metadata.namespace ?? 'default';
    const selector = service.spec?.selector ?? {};
    const targets = plans.filter(
      (p) => !p.runsToCompletion && p.namespace === namespace && matches(selector, p.labels),
    );
    const first = targets[0];
    const ports = (service.spec?.ports ?? []).map((p) => ({
      port: p.port,
      targetPort: first ? resolveTargetPort(p.targetPort, p.port, first, `${namespace}/${name}`) : p.port,
    }));
    services.push({ name, namespace, ...(first ? { pod: first.key } : {}), ports });
    if (!first) continue;
    for (const hostname of dnsNames(name, namespace)) names.push({ ip: first.ip, hostname });
    names.push({ ip: first.ip, hostname: name, namespace });
    for (const p of ports)
      if (p.port !== p.targetPort) redirects.push({ pod: first.key, port: p.port, targetPort: p.targetPort });
    if (service.spec?.clusterIP === 'None') {
      for (const t of targets) {
        const hostname = t.pod.spec?.hostname;
        if (hostname && t.pod.spec?.subdomain === name)
          for (const n of dnsNames(name, namespace)) names.push({ ip: t.ip, hostname: `${hostname}.${n}` });
      }
    }
  }
  const aliases = new Map<string, V1HostAlias[]>();
  for (const plan of plans) {
    const byIp = new Map<string, Set<string>>();
    for (const n of names) {
      if (n.namespace !== undefined && n.namespace !== plan.namespace) continue;
      const set = byIp.get(n.ip) ?? new Set<string>();
      set.add(n.hostname);
      byIp.set(n.ip, set);
    }
    aliases.set(
      plan.key,
      [...byIp.entries()].map(([ip, hostnames]) => ({ ip, hostnames: [...hostnames].sort() })),
    );
  }
  // Two Services redirecting one port of one pod to different target ports would be ambiguous.
  const unique = new Map<string, PortRedirect>();
  for (const r of redirects) {
    const k = `${r.pod}:${r.port}`;
    const before = unique.get(k);
    if (before && before.targetPort !== r.targetPort)
      throw new Error(`pod ${r.pod}: two Services map port ${r.port} to ${before.targetPort} and ${r.targetPort}`);
    unique.set(k, r);
  }
  return { aliases, redirects: [...unique.values()], services };
}
