/**
 * Typed views of the pod templates in synthesized objects: what the policy checks, the network graph and the cost
 * and diagram commands read.
 */
import type { Manifest } from '../synth.js';

/** Minimal typed views of the pod template fields the checks read. */
export interface Container {
  name: string;
  image: string;
  ports?: Array<{ containerPort: number }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  args?: string[];
  command?: string[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: Array<{ matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }>;
      };
    };
    podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: Array<{ topologyKey: string }> };
  };
  tolerations?: Array<{ key?: string; operator?: string; value?: string; effect?: string }>;
  volumes?: Array<{
    name: string;
    emptyDir?: unknown;
    persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
    configMap?: { name: string };
    hostPath?: unknown;
  }>;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  topologySpreadConstraints?: Array<{ topologyKey: string }>;
}

export interface PodTemplate {
  /** `Kind namespace/name` of the owning workload, for messages. */
  owner: string;
  kind: string;
  namespace: string;
  labels: Record<string, string>;
  spec: PodSpec;
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'];

/** The pod template of every workload object (CronJob → its job template's). */
export function podTemplates(objects: readonly Manifest[]): PodTemplate[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.includes(o.kind))
    .map((o) => {
      type Template = { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
      const spec = o.spec as { template?: Template; jobTemplate?: { spec: { template: Template } } };
      const template: Template | undefined =
        o.kind === 'CronJob'
          ? spec.jobTemplate?.spec.template
          : o.kind === 'Pod'
            ? { metadata: o.metadata, spec: o.spec as PodSpec }
            : spec.template;
      if (!template) throw new Error(`${o.kind} ${o.metadata.name} has no pod template`);
      return {
        owner: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
        kind: o.kind,
        namespace: o.metadata.namespace ?? 'default',
        labels: template.metadata?.labels ?? {},
        spec: template.spec,
      };
    });
}
