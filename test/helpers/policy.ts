/**
 * Policy checks over synthesized objects. Each returns the list of violations (empty = compliant), so the same
 * checks run over in-memory synth output here and over `dist/` files applied to a real API server later.
 */
import type { Manifest } from '../../charts/synth.js';
import { POOL_KEY } from '../../charts/lib/pool.js';
import { type Container, podTemplates, type PodTemplate } from './manifests.js';

const LONG_RUNNING = ['Deployment', 'StatefulSet', 'DaemonSet'];

function containersOf(pod: PodTemplate): Container[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

/** The pool a pod template requires, or a violation. */
export function requiredPool(pod: PodTemplate): string | undefined {
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const pools = terms.map(
    (t) =>
      t.matchExpressions?.find((e) => e.key === POOL_KEY && e.operator === 'In' && e.values?.length === 1)?.values?.[0],
  );
  // Node selector terms are ORed: every term must pin the same single pool, or the pod could land elsewhere.
  if (pools.length === 0 || pools.some((p) => p === undefined || p !== pools[0])) return undefined;
  return pools[0];
}

/** Every pod requires exactly one pool and tolerates that pool's taint (and no other pool's). */
export function checkPoolPinning(
  objects: readonly Manifest[],
  expectedPool?: (pod: PodTemplate) => string | undefined,
): string[] {
  const violations: string[] = [];
  for (const pod of podTemplates(objects)) {
    const pool = requiredPool(pod);
    if (!pool) {
      violations.push(
        `${pod.owner}: no required node affinity ${POOL_KEY} In [<one pool>] in every node selector term`,
      );
      continue;
    }
    const expected = expectedPool?.(pod);
    if (expected !== undefined && expected !== pool)
      violations.push(`${pod.owner}: pinned to pool ${pool}, expected ${expected}`);
    const tolerations = pod.spec.tolerations ?? [];
    const tolerated = tolerations.filter((t) => t.key === POOL_KEY || (t.key === undefined && t.operator === 'Exists'));
    if (
      !tolerated.some(
        (t) => t.key === POOL_KEY && t.operator === 'Equal' && t.value === pool && t.effect === 'NoSchedule',
      )
    ) {
      violations.push(`${pod.owner}: no toleration for ${POOL_KEY}=${pool}:NoSchedule`);
    }
    if (tolerated.some((t) => t.value !== pool)) violations.push(`${pod.owner}: tolerates another pool's taint`);
  }
  return violations;
}

/** PodSecurity `restricted`, plus a read-only root filesystem. */
export function checkRestrictedSecurity(objects: readonly Manifest[]): string[] {
  const violations: string[] = [];
  for (const pod of podTemplates(objects)) {
    const podCtx = pod.spec.securityContext ?? {};
    if (pod.spec.hostNetwork || pod.spec.hostPID || pod.spec.hostIPC)
      violations.push(`${pod.owner}: uses host namespaces`);
    for (const volume of pod.spec.volumes ?? [])
      if (volume.hostPath) violations.push(`${pod.owner}: hostPath volume ${volume.name}`);
    for (const c of containersOf(pod)) {
      const ctx = c.securityContext ?? {};
      const where = `${pod.owner} container ${c.name}`;
      if (!(ctx.runAsNonRoot ?? podCtx.runAsNonRoot)) violations.push(`${where}: runAsNonRoot is not true`);
      if ((ctx.runAsUser ?? podCtx.runAsUser) === 0) violations.push(`${where}: runs as UID 0`);
      if (ctx.allowPrivilegeEscalation !== false) violations.push(`${where}: allowPrivilegeEscalation is not false`);
      if (ctx.privileged) violations.push(`${where}: privileged`);
      if (!ctx.capabilities?.drop?.includes('ALL')) violations.push(`${where}: does not drop ALL capabilities`);
      if ((ctx.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE'))
        violations.push(`${where}: adds capabilities`);
      const seccomp = ctx.seccompProfile?.type ?? podCtx.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
        violations.push(`${where}: seccompProfile is not RuntimeDefault`);
      if (ctx.readOnlyRootFilesystem !== true) violations.push(`${where}: root filesystem is writable`);
      // A read-only root leaves a process nowhere to write temporary files; Node (tsx's compile cache), nginx and
      // Valkey all need /tmp. The operator once shipped without it and exited at start (tools/stack found it).
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      if (!tmp) violations.push(`${where}: no writable /tmp under a read-only root filesystem`);
      else if (tmp.readOnly) violations.push(`${where}: /tmp is mounted read-only`);
    }
  }
  return violations;
}

/** CPU and memory requests and a memory limit on every container. */
export function checkResources(objects: readonly Manifest[]): string[] {
  const violations: string[] = [];
  for (const pod of podTemplates(objects)) {
    for (const c of containersOf(pod)) {
      const where = `${pod.owner} container ${c.name}`;
      if (!c.resources?.requests?.cpu) violations.push(`${where}: no cpu request`);
      if (!c.resources?.requests?.memory) violations.push(`${where}: no memory request`);
      if (!c.resources?.limits?.memory) violations.push(`${where}: no memory limit`);
    }
  }
  return violations;
}

/** Long-running containers have readiness and liveness probes. */
export function checkProbes(objects: readonly Manifest[]): string[] {
  const violations: string[] = [];
  for (const pod of podTemplates(objects).filter((p) => LONG_RUNNING.includes(p.kind))) {
    for (const c of pod.spec.containers) {
      if (!c.readinessProbe) violations.push(`${pod.owner} container ${c.name}: no readiness probe`);
      if (!c.livenessProbe) violations.push(`${pod.owner} container ${c.name}: no liveness probe`);
    }
  }
  return violations;
}

/** Images pin a tag other than latest, or a digest. */
export function checkPinnedImages(objects: readonly Manifest[]): string[] {
  const violations: string[] = [];
  for (const pod of podTemplates(objects)) {
    for (const c of containersOf(pod)) {
      const last = c.image.slice(c.image.lastIndexOf('/') + 1);
      const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
      if (!c.image.includes('@sha256:') && (tag === undefined || tag === 'latest'))
        violations.push(`${pod.owner} container ${c.name}: image ${c.image} is not pinned`);
    }
  }
  return violations;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
}

/** No `*` in any Role or ClusterRole rule, and no escalation verbs. */
export function checkRbac(objects: readonly Manifest[]): string[] {
  const violations: string[] = [];
  for (const role of objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
    for (const rule of (role.rules as Rule[] | undefined) ?? []) {
      const fields = [
        ...(rule.apiGroups ?? []),
        ...(rule.resources ?? []),
        ...(rule.verbs ?? []),
        ...(rule.nonResourceURLs ?? []),
      ];
      if (fields.some((f) => f.includes('*')))
        violations.push(`${role.kind} ${role.metadata.name}: wildcard in ${JSON.stringify(rule)}`);
      if ((rule.verbs ?? []).some((v) => ['escalate', 'bind', 'impersonate'].includes(v)))
        violations.push(`${role.kind} ${role.metadata.name}: escalation verb in ${JSON.stringify(rule)}`);
      if ((rule.resources ?? []).some((r) => r === 'secrets'))
        violations.push(`${role.kind} ${role.metadata.name}: grants access to secrets`);
    }
  }
  return violations;
}

export const REQUIRED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

/** `app.kubernetes.io/*` labels on every object and every pod template. */
export function checkLabels(objects: readonly Manifest[]): string[] {
  const violations: string[] = [];
  for (const o of objects) {
    const labels = o.metadata.labels ?? {};
    for (const key of REQUIRED_LABELS)
      if (!labels[key]) violations.push(`${o.kind} ${o.metadata.name}: no ${key} label`);
  }
  for (const pod of podTemplates(objects)) {
    for (const key of REQUIRED_LABELS)
      if (!pod.labels[key]) violations.push(`${pod.owner} pod template: no ${key} label`);
  }
  return violations;
}

/** Every policy check at once. */
export function allViolations(objects: readonly Manifest[]): string[] {
  return [
    ...checkPoolPinning(objects),
    ...checkRestrictedSecurity(objects),
    ...checkResources(objects),
    ...checkProbes(objects),
    ...checkPinnedImages(objects),
    ...checkRbac(objects),
    ...checkLabels(objects),
  ];
}
