/**
 * The one place where synthesized pod templates become pods that `podman kube play` (4.3) runs. Everything the
 * container runs with is kept as synthesized — image, command, args, env names and values, user and group,
 * read-only root filesystem, capabilities, privilege escalation, memory limit, container ports, mount paths and
 * read-only flags. What podman lacks or does differently is converted here, and only here
 * (measured: ../../../shared/PITFALLS.md, "Containers without Docker"):
 * - Deployment, StatefulSet and Job → one Pod each (a Deployment's or StatefulSet's first replica: `<name>` and
 *   `<name>-0`; a StatefulSet pod gets its `hostname`/`subdomain` as Kubernetes gives them). kube play rejects
 *   StatefulSets and Jobs, and one replica is what a single machine can show.
 * - Volumes → host directories under the stack's state directory, made as the kubelet would (emptyDir and PVC owned
 *   by the user that writes them, since podman ignores `fsGroup`; ConfigMap keys and Secret keys as files). kube
 *   play names an emptyDir's volume after the volume, so two pods' `tmp` would be one directory, and it rejects a
 *   ConfigMap `subPath`: a subPath mount becomes a file mount of that key.
 * - `secretKeyRef` and `fieldRef metadata.namespace`/`status.podIP` → their values (kube play resolves neither).
 * - Probes → kept aside and evaluated by tools/stack/probes.ts: podman turns them into systemd health checks.
 * - Every container port gets its own loopback host port: kube play publishes each container port on the host,
 *   so two pods listening on 8080 would collide.
 * - The ServiceAccount token the kubelet projects (token, ca.crt, namespace at the standard path) and the
 *   KUBERNETES_SERVICE_HOST/PORT it sets, for pods that automount it: tools/stack/stack.ts fills the directory.
 * Services are tools/stack/services.ts.
 */
import { join } from 'node:path';
import type {
  V1Container,
  V1EnvVar,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Probe,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';

/** A synthesized object as parsed from the YAML. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface ContainerProbes {
  container: string;
  readiness?: V1Probe;
  startup?: V1Probe;
  liveness?: V1Probe;
}

/** A directory or file the runner makes on the host before the pod starts. */
export type HostPathEntry =
  | { type: 'dir'; path: string; uid: number; gid: number; mode: number; recursiveOwner: boolean }
  | { type: 'file'; path: string; content: string; mode: number };

export interface PodPlan {
  /** `<namespace>/<name>`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** What it was made from, e.g. `StatefulSet search/valkey`. */
  readonly source: string;
  /** Jobs run to completion before the serving pods start. */
  readonly runsToCompletion: boolean;
  readonly labels: Record<string, string>;
  readonly ip: string;
  /** The Pod kube play gets (hostAliases are added by services.ts). */
  readonly pod: V1Pod;
  readonly probes: ContainerProbes[];
  /** containerPort → the loopback host port it is published on, per container. */
  readonly hostPorts: Array<{ container: string; containerPort: number; hostPort: number; name?: string }>;
  readonly hostPaths: HostPathEntry[];
  /** PVC claim name → host directory, for seeding (e.g. the index-build Job's catalog). */
  readonly claims: Record<string, string>;
  /** Set when the pod automounts its ServiceAccount token: the runner writes token, ca.crt and namespace there. */
  readonly serviceAccount?: { name: string; dir: string };
}

export interface PlanOptions {
  /** Host directory all volumes live under. */
  readonly stateDir: string;
  /** The pod's IP on the stack's network. */
  readonly ipFor: (index: number) => string;
  /** A free loopback port for each container port, in order. */
  readonly hostPortFor: (podKey: string, containerPort: number) => number;
  /** Secret data by `<namespace>/<name>`, e.g. the Valkey password the chart expects the user to create. */
  readonly secrets: Record<string, Record<string, string>>;
  /** The API server as pods see it (the `kubernetes` Service), when the stack has a control plane. */
  readonly kubernetesService?: { host: string; port: number };
}

export class StackPlanError extends Error {}

const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const RUNNABLE = new Set(['Deployment', 'StatefulSet', 'Job']);

function fail(where: string, what: string): never {
  throw new StackPlanError(`${where}: ${what}`);
}

function templateOf(object: KubeObject): V1PodTemplateSpec {
  const spec = object.spec as { template?: V1PodTemplateSpec } | undefined;
  if (!spec?.template?.spec) fail(`${object.kind} ${object.metadata.name}`, 'has no pod template');
  return spec.template;
}

/** Pod name and StatefulSet identity, as the controllers name the first replica. */
function podIdentity(object: KubeObject): { name: string; hostname?: string; subdomain?: string } {
  if (object.kind !== 'StatefulSet') return { name: object.metadata.name };
  const name = `${object.metadata.name}-0`;
  return { name, hostname: name, subdomain: (object as unknown as V1StatefulSet).spec?.serviceName };
}

/** Plans a pod for every Deployment, StatefulSet and Job, in the order given (apply order). */
export function planPods(objects: readonly KubeObject[], options: PlanOptions): PodPlan[] {
  const configMaps = new Map<string, Record<string, string>>();
  for (const o of objects) {
    if (o.kind === 'ConfigMap')
      configMaps.set(`${o.metadata.namespace}/${o.metadata.name}`, (o.data ?? {}) as Record<string, string>);
  }
  const runnable = objects.filter((o) => RUNNABLE.has(o.kind));
  const seen = new Set<string>();
  const plans: PodPlan[] = [];
  for (const [index, object] of runnable.entries()) {
    const namespace = object.metadata.namespace ?? 'default';
    const identity = podIdentity(object);
    const key = `${namespace}/${identity.name}`;
    // podman's pods share one name space; two namespaces' `web` would collide.
    if (seen.has(identity.name))
      fail(`${object.kind} ${key}`, `a second pod named ${identity.name} (run one environment at a time)`);
    seen.add(identity.name);
    plans.push(planOne(object, identity, namespace, options.ipFor(index), configMaps, options));
  }
  return plans;
}

function planOne(
  object: KubeObject,
  identity: { name: string; hostname?: string; subdomain?: string },
  namespace: string,
  ip: string,
  configMaps: Map<string, Record<string, string>>,
  options: PlanOptions,
): PodPlan {
  const where = `${object.kind} ${namespace}/${object.metadata.name}`;
  const template = templateOf(object);
  const source = structuredClone(template.spec) as V1PodSpec;
  const key = `${namespace}/${identity.name}`;
  const podDir = join(options.stateDir, 'pods', `${namespace}-${identity.name}`);
  const hostPaths: HostPathEntry[] = [];
  const claims: Record<string, string> = {};
  const podSecurity = source.securityContext ?? {};
  const containers = [...(source.initContainers ?? []), ...source.containers];
  const uidOf = (c: V1Container): number => c.securityContext?.runAsUser ?? podSecurity.runAsUser ?? 0;
  const gidOf = (c: V1Container): number =>
    podSecurity.fsGroup ?? c.securityContext?.runAsGroup ?? podSecurity.runAsGroup ?? 0;

  const mountsOf = (volume: string): Array<{ container: V1Container; mount: V1VolumeMount }> =>
    containers.flatMap((c) =>
      (c.volumeMounts ?? []).filter((m) => m.name === volume).map((mount) => ({ container: c, mount })),
    );
  /** The user that writes a volume owns it (what fsGroup would give it), else the first that reads it. */
  const ownerOf = (volume: string): { uid: number; gid: number; shared: boolean } => {
    const mounts = mountsOf(volume);
    const writer = mounts.find((m) => !m.mount.readOnly) ?? mounts[0];
    const uids = new Set(mounts.map((m) => uidOf(m.container)));
    return writer
      ? { uid: uidOf(writer.container), gid: gidOf(writer.container), shared: uids.size > 1 }
      : { uid: 0, gid: 0, shared: false };
  };

  const volumes: V1Volume[] = [];
  const fileMounts = new Map<string, string>(); // `${volume}/${subPath}` → volume name of the file mount
  const claimTemplates =
    object.kind === 'StatefulSet' ? ((object as unknown as V1StatefulSet).spec?.volumeClaimTemplates ?? []) : [];
  const allVolumes: V1Volume[] = [
    ...(source.volumes ?? []),
    ...claimTemplates.map((t) => ({
      name: t.metadata?.name ?? fail(where, 'a volumeClaimTemplate has no name'),
      persistentVolumeClaim: { claimName: `${t.metadata?.name}-${identity.name}` },
    })),
  ];
  const hostDirVolume = (name: string, path: string): V1Volume => ({ name, hostPath: { path, type: 'Directory' } });

  for (const volume of allVolumes) {
    const owner = ownerOf(volume.name);
    if (volume.emptyDir) {
      const path = join(podDir, 'empty', volume.name);
      hostPaths.push({
        type: 'dir',
        path,
        uid: owner.uid,
        gid: owner.gid,
        mode: owner.shared ? 0o1777 : 0o750,
        recursiveOwner: false,
      });
      volumes.push(hostDirVolume(volume.name, path));
    } else if (volume.persistentVolumeClaim) {
      const claim = volume.persistentVolumeClaim.claimName;
      const path = join(options.stateDir, 'volumes', `${namespace}-${claim}`);
      claims[claim] = path;
      // fsGroupChangePolicy OnRootMismatch: the kubelet gives the whole volume to the pod's group when its root is
      // not already the pod's; here the writer's user gets it, so what one pod wrote another (same UID) can read.
      hostPaths.push({ type: 'dir', path, uid: owner.uid, gid: owner.gid, mode: 0o755, recursiveOwner: true });
      volumes.push(hostDirVolume(volume.name, path));
      if (volume.persistentVolumeClaim.readOnly) {
        for (const m of mountsOf(volume.name)) m.mount.readOnly = true;
      }
    } else if (volume.configMap || volume.secret) {
      const ref =
        volume.configMap?.name ?? volume.secret?.secretName ?? fail(where, `volume ${volume.name} names no object`);
      const data = volume.configMap ? configMaps.get(`${namespace}/${ref}`) : options.secrets[`${namespace}/${ref}`];
      if (!data)
        fail(
          where,
          `volume ${volume.name} needs ${volume.configMap ? 'ConfigMap' : 'Secret'} ${namespace}/${ref}, which is ${volume.configMap ? 'not among the manifests' : 'not provided'}`,
        );
      const items = volume.configMap?.items ?? volume.secret?.items;
      const files = items
        ? items.map((i) => ({ key: i.key, path: i.path }))
        : Object.keys(data).map((k) => ({ key: k, path: k }));
      const dir = join(podDir, 'config', volume.name);
      hostPaths.push({ type: 'dir', path: dir, uid: 0, gid: 0, mode: 0o755, recursiveOwner: false });
      for (const file of files) {
        const content = data[file.key];
        if (content === undefined) fail(where, `volume ${volume.name}: key ${file.key} is not in ${ref}`);
        hostPaths.push({ type: 'file', path: join(dir, file.path), content, mode: 0o644 });
      }
      for (const { mount } of mountsOf(volume.name)) {
        if (!mount.subPath) continue;
        const fileVolume = `${volume.name}-${fileMounts.size}`;
        fileMounts.set(`${volume.name}/${mount.subPath}`, fileVolume);
        volumes.push({ name: fileVolume, hostPath: { path: join(dir, mount.subPath), type: 'File' } });
      }
      volumes.push(hostDirVolume(volume.name, dir));
    } else {
      fail(
        where,
        `volume ${volume.name} is of a kind tools/stack does not run (only emptyDir, persistentVolumeClaim, configMap, secret)`,
      );
    }
  }

  const kubernetesEnv: V1EnvVar[] = options.kubernetesService
    ? [
        { name: 'KUBERNETES_SERVICE_HOST', value: options.kubernetesService.host },
        { name: 'KUBERNETES_SERVICE_PORT', value: String(options.kubernetesService.port) },
      ]
    : [];
  const automount = source.automountServiceAccountToken !== false && options.kubernetesService !== undefined;
  let serviceAccount: PodPlan['serviceAccount'];
  if (automount) {
    const dir = join(podDir, 'serviceaccount');
    serviceAccount = { name: source.serviceAccountName ?? 'default', dir };
    volumes.push(hostDirVolume('kube-api-access', dir));
  }

  const probes: ContainerProbes[] = [];
  const hostPorts: PodPlan['hostPorts'] = [];
  const convert = (c: V1Container): V1Container => {
    const out = structuredClone(c);
    probes.push({ container: c.name, readiness: c.readinessProbe, startup: c.startupProbe, liveness: c.livenessProbe });
    delete out.readinessProbe;
    delete out.startupProbe;
    delete out.livenessProbe;
    // envFrom first: an `env` entry of the same name wins, as in Kubernetes.
    const fromSources: V1EnvVar[] = (c.envFrom ?? []).flatMap((source) => {
      const ref = source.configMapRef?.name ?? source.secretRef?.name;
      const data = source.configMapRef ? configMaps.get(`${namespace}/${ref}`) : options.secrets[`${namespace}/${ref}`];
      if (!data) {
        if (source.configMapRef?.optional || source.secretRef?.optional) return [];
        fail(
          where,
          `container ${c.name} envFrom ${source.configMapRef ? 'ConfigMap' : 'Secret'} ${namespace}/${ref}, which is ${source.configMapRef ? 'not among the manifests' : 'not provided'}`,
        );
      }
      return Object.entries(data).map(([name, value]) => ({ name: `${source.prefix ?? ''}${name}`, value }));
    });
    const explicit = (c.env ?? []).map((e) => resolveEnv(e, where, c.name, namespace, ip, options.secrets));
    const names = new Set(explicit.map((e) => e.name));
    out.env = [...fromSources.filter((e) => !names.has(e.name)), ...explicit, ...kubernetesEnv];
    delete out.envFrom;
    out.volumeMounts = (c.volumeMounts ?? []).map((m) => {
      const fileVolume = m.subPath ? fileMounts.get(`${m.name}/${m.subPath}`) : undefined;
      if (m.subPath && !fileVolume)
        fail(
          where,
          `container ${c.name} mounts a subPath of ${m.name}, which only ConfigMap and Secret volumes support here`,
        );
      // (A read-only PVC's mounts were all marked read-only above, as the volume source says.)
      return fileVolume
        ? { name: fileVolume, mountPath: m.mountPath, readOnly: true }
        : { ...m, readOnly: m.readOnly ?? false };
    });
    if (serviceAccount)
      out.volumeMounts.push({ name: 'kube-api-access', mountPath: SERVICE_ACCOUNT_MOUNT, readOnly: true });
    out.ports = (c.ports ?? []).map((p) => {
      const hostPort = options.hostPortFor(key, p.containerPort);
      hostPorts.push({
        container: c.name,
        containerPort: p.containerPort,
        hostPort,
        ...(p.name ? { name: p.name } : {}),
      });
      return { ...p, hostPort, hostIP: '127.0.0.1' };
    });
    return out;
  };

  const initContainers = (source.initContainers ?? []).map(convert);
  const spec: V1PodSpec = {
    ...(identity.hostname ? { hostname: identity.hostname } : {}),
    ...(identity.subdomain ? { subdomain: identity.subdomain } : {}),
    restartPolicy: object.kind === 'Job' ? 'Never' : 'Always',
    securityContext: source.securityContext,
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers: source.containers.map(convert),
    volumes,
  };
  // The StatefulSet controller labels its pods with their name and index (a Service may select one: valkey's does).
  const labels = {
    ...(template.metadata?.labels ?? {}),
    ...(object.kind === 'StatefulSet'
      ? { 'statefulset.kubernetes.io/pod-name': identity.name, 'apps.kubernetes.io/pod-index': '0' }
      : {}),
  };
  return {
    key,
    namespace,
    name: identity.name,
    source: `${object.kind} ${namespace}/${object.metadata.name}`,
    runsToCompletion: object.kind === 'Job',
    labels,
    ip,
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: identity.name, namespace, labels }, spec },
    probes,
    hostPorts,
    hostPaths,
    claims,
    ...(serviceAccount ? { serviceAccount } : {}),
  };
}

function resolveEnv(
  env: V1EnvVar,
  where: string,
  container: string,
  namespace: string,
  ip: string,
  secrets: PlanOptions['secrets'],
): V1EnvVar {
  const from = env.valueFrom;
  if (!from) return env;
  if (from.secretKeyRef) {
    const { name, key } = from.secretKeyRef;
    const value = secrets[`${namespace}/${name}`]?.[key];
    if (value === undefined)
      fail(
        where,
        `container ${container} env ${env.name} needs key ${key} of Secret ${namespace}/${name}, which is not provided`,
      );
    return { name: env.name, value };
  }
  if (from.configMapKeyRef) fail(where, `container ${container} env ${env.name}: configMapKeyRef is not run here`);
  if (from.fieldRef) {
    switch (from.fieldRef.fieldPath) {
      case 'metadata.namespace':
        return { name: env.name, value: namespace };
      case 'status.podIP':
        return { name: env.name, value: ip };
      case 'metadata.name':
        return env; // kube play resolves the pod's name itself.
      default:
        fail(where, `container ${container} env ${env.name}: fieldRef ${from.fieldRef.fieldPath} is not run here`);
    }
  }
  fail(where, `container ${container} env ${env.name}: resourceFieldRef is not run here`);
}
