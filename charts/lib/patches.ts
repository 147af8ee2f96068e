/**
 * Every escape hatch around cdk8s-plus-27 lives here: what plus-27 cannot express (pod seccompProfile,
 * StatefulSet volumeClaimTemplates, topologySpreadConstraints, PodDisruptionBudget) is added as a JSON patch
 * on the generated object or as a raw `k8s` object, so the rest of the charts stay on the typed API.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/** PodSecurity `restricted` wants capabilities `drop: ["ALL"]`; plus-27's Capability enum only names CAP_* values. */
export const DROP_ALL = 'ALL' as kplus.Capability;

/** Replicas must resolve each other before they are ready; plus-27's Service has no publishNotReadyAddresses. */
export function publishNotReadyAddresses(service: kplus.Service): void {
  ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));
}

function podSpecPath(workload: kplus.AbstractPod): string {
  return workload instanceof kplus.CronJob ? '/spec/jobTemplate/spec/template/spec' : '/spec/template/spec';
}

/** PodSecurity `restricted` wants a seccomp profile; plus-27 has no field for it (plus-28 added one). */
export function useRuntimeDefaultSeccomp(workload: kplus.AbstractPod): void {
  ApiObject.of(workload).addJsonPatch(
    JsonPatch.add(`${podSpecPath(workload)}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
  );
}

export interface ClaimTemplate {
  readonly name: string;
  /** Where the first container mounts the claim. */
  readonly mountPath: string;
  readonly storageClass: string;
  readonly size: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * plus-27's StatefulSet has no volumeClaimTemplates (cdk8s#2183). The mount is patched in too, since a
 * cdk8s-plus mount would also declare a pod volume of the same name.
 */
export function addVolumeClaimTemplate(statefulSet: kplus.StatefulSet, claim: ClaimTemplate): void {
  ApiObject.of(statefulSet).addJsonPatch(
    JsonPatch.add('/spec/volumeClaimTemplates', [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim.name, labels: { ...claim.labels } },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: claim.storageClass,
          // Typed as a Quantity: the generated StatefulSet converter reads `.value` of each request.
          resources: { requests: { storage: k8s.Quantity.fromString(claim.size) } },
        },
      },
    ]),
    JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: claim.name, mountPath: claim.mountPath }),
    // Keep the data when the StatefulSet is deleted; delete the claims of replicas that are scaled away.
    JsonPatch.add('/spec/persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Delete' }),
  );
}

/**
 * Spreads replicas across zones (best effort) and hosts (best effort). plus-27's `spread` is pod
 * anti-affinity, which blocks scale-up once replicas outnumber hosts; topologySpreadConstraints do not.
 */
export function spreadAcrossZonesAndHosts(
  workload: kplus.Deployment,
  podLabels: Readonly<Record<string, string>>,
): void {
  const constraint = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...podLabels } },
  });
  ApiObject.of(workload).addJsonPatch(
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
      constraint('topology.kubernetes.io/zone'),
      constraint('kubernetes.io/hostname'),
    ]),
  );
}

/** plus-27 has no PodDisruptionBudget construct. */
export function podDisruptionBudget(
  scope: Construct,
  opts: { name: string; namespace: string; podLabels: Readonly<Record<string, string>>; maxUnavailable: number },
): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, `${opts.name}-pdb`, {
    metadata: { name: opts.name, namespace: opts.namespace },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(opts.maxUnavailable),
      selector: { matchLabels: { ...opts.podLabels } },
      // A pod that is not ready protects nothing; let drains evict it instead of blocking on it.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/**
 * A Service of type ExternalName with a port. cdk8s-plus-27 drops `ports` for ExternalName, but ingress-nginx needs
 * one on a default backend (it ignores a default backend Service without ports and connects to the external name at
 * the first port's targetPort).
 */
export function externalNameService(
  scope: Construct,
  opts: { id: string; name: string; namespace: string; externalName: string; port: number },
): k8s.KubeService {
  return new k8s.KubeService(scope, opts.id, {
    metadata: { name: opts.name, namespace: opts.namespace },
    spec: {
      type: 'ExternalName',
      externalName: opts.externalName,
      ports: [{ name: 'http', port: opts.port, targetPort: k8s.IntOrString.fromNumber(opts.port) }],
    },
  });
}
