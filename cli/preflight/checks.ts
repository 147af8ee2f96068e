/**
 * What a cluster must already have before the synthesized manifests can work there, checked through the API as far
 * as the API can tell: every kind the manifests use is served (Karpenter's CRDs, the Prometheus Operator's when
 * asked for), the storage classes the values name and their CSI drivers, the ingress controller's namespace and
 * IngressClass, the metrics API the HPAs need, a CNI that enforces NetworkPolicy (where it can be seen), the Secrets
 * the pods read, and the permission to apply everything.
 */
import {
  ApiException,
  ApiregistrationV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  StorageV1Api,
  VersionApi,
} from '@kubernetes/client-node';
import type { Manifest } from '../../charts/synth.js';
import type { Values } from '../../charts/values/schema.js';

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export interface CheckResult {
  readonly status: CheckStatus;
  /** What was checked, in a few words. */
  readonly item: string;
  /** What was found. */
  readonly detail: string;
  /** What to do when it is not a pass. */
  readonly fix?: string;
}

/** Kinds roleplane ships the CRD for itself (dist/prod/crds), applied before the rest. */
const SHIPPED_GROUPS = new Set(['roleplane.io']);

/** What installs a CRD group the manifests may use. */
const INSTALLS: Readonly<Record<string, string>> = {
  'karpenter.sh':
    'install Karpenter (v1.x; its chart installs the karpenter.sh and karpenter.k8s.aws CRDs) with its controller IAM role and the node role the values name',
  'karpenter.k8s.aws': 'install Karpenter for AWS (v1.x), which installs the EC2NodeClass CRD',
  'monitoring.coreos.com':
    'install the Prometheus Operator CRDs (e.g. the kube-prometheus-stack chart, or prometheus-operator-crds)',
};

/** CSI drivers the usual storage classes need, by provisioner. */
const CSI_DRIVERS: Readonly<Record<string, string>> = {
  'ebs.csi.aws.com': 'the Amazon EBS CSI driver (EKS add-on aws-ebs-csi-driver)',
  'efs.csi.aws.com': 'the Amazon EFS CSI driver (EKS add-on aws-efs-csi-driver) and an EFS file system',
};

const STORAGE_CLASS_FIX: Readonly<Record<string, string>> = {
  gp3: 'create StorageClass gp3: provisioner ebs.csi.aws.com, parameters {type: gp3, encrypted: "true"}, volumeBindingMode WaitForFirstConsumer',
  efs: 'create StorageClass efs: provisioner efs.csi.aws.com, parameters {provisioningMode: efs-ap, fileSystemId: <your EFS id>, directoryPerms: "700"}',
};

/** Exposes client-node's discovery lookup (kind → resource, namespaced), which it keeps protected. */
class Discovery extends KubernetesObjectApi {
  async find(apiVersion: string, kind: string) {
    try {
      return await this.resource(apiVersion, kind);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      if (err instanceof Error && /404|not found/i.test(err.message)) return undefined;
      throw err;
    }
  }
}

function statusCode(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

async function exists(read: () => Promise<unknown>): Promise<boolean | 'forbidden'> {
  try {
    await read();
    return true;
  } catch (err) {
    if (statusCode(err) === 404) return false;
    if (statusCode(err) === 403) return 'forbidden';
    throw err;
  }
}

export interface PreflightInput {
  readonly kubeConfig: KubeConfig;
  /** Every environment's values, as checked (storage classes, ingress, Secrets). */
  readonly values: readonly Values[];
  /** Their synthesized objects (kinds to serve and to apply). */
  readonly objects: readonly Manifest[];
}

/** Runs every check; a check that cannot run (an API error) reports `unknown` with the error, never throws. */
export async function runChecks({ kubeConfig, values, objects }: PreflightInput): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const guard = async (item: string, check: () => Promise<CheckResult[]>) => {
    try {
      results.push(...(await check()));
    } catch (err) {
      results.push({
        status: 'unknown',
        item,
        detail: `could not check: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        fix: 'see that the kubeconfig reaches the API server and may read this',
      });
    }
  };

  let reachable = false;
  await guard('API server', async () => {
    const version = await kubeConfig.makeApiClient(VersionApi).getCode();
    reachable = true;
    return [
      {
        status: 'pass',
        item: 'API server',
        detail: `${kubeConfig.getCurrentCluster()?.server ?? ''} answers, Kubernetes ${version.gitVersion}`,
      },
    ];
  });
  if (!reachable) return results;

  const discovery = kubeConfig.makeApiClient(Discovery);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const kinds = [...new Map(objects.map((o) => [`${o.apiVersion} ${o.kind}`, o])).values()];

  // Every kind the manifests use is served (built-in or by a CRD).
  await guard('kinds', async () => {
    const byGroupVersion = new Map<string, string[]>();
    for (const o of kinds) byGroupVersion.set(o.apiVersion, [...(byGroupVersion.get(o.apiVersion) ?? []), o.kind]);
    const out: CheckResult[] = [];
    for (const [apiVersion, kindNames] of byGroupVersion) {
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
      const missing: string[] = [];
      for (const kind of kindNames) if (!(await discovery.find(apiVersion, kind))) missing.push(kind);
      const isBuiltIn = !group.includes('.') || group.endsWith('.k8s.io');
      if (missing.length === 0) {
        if (!isBuiltIn)
          out.push({ status: 'pass', item: `API ${apiVersion}`, detail: `serves ${kindNames.join(', ')}` });
      } else if (SHIPPED_GROUPS.has(group)) {
        out.push({
          status: 'pass',
          item: `API ${apiVersion}`,
          detail: `not served yet (${missing.join(', ')}): roleplane's own CRD, applied first from dist/prod/crds`,
        });
      } else {
        out.push({
          status: 'fail',
          item: `API ${apiVersion}`,
          detail: `not served: ${missing.join(', ')}`,
          fix:
            INSTALLS[group] ??
            `install what provides ${apiVersion} (${missing.join(', ')}); Kubernetes itself may be too old for it`,
        });
      }
    }
    return out;
  });

  // Storage classes named by the values, and the CSI drivers behind them.
  await guard('storage classes', async () => {
    const storage = kubeConfig.makeApiClient(StorageV1Api);
    const classes = [
      ...new Set(
        values.flatMap((v) =>
          [v.erp?.storage.storageClass, v.search.embeddings.storageClass, v.valkey.storage.storageClass].filter(
            (c): c is string => c !== undefined,
          ),
        ),
      ),
    ].sort();
    const out: CheckResult[] = [];
    for (const name of classes) {
      let provisioner: string | undefined;
      try {
        provisioner = (await storage.readStorageClass({ name })).provisioner;
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
      if (provisioner === undefined) {
        out.push({
          status: 'fail',
          item: `StorageClass ${name}`,
          detail: 'missing',
          fix: STORAGE_CLASS_FIX[name] ?? `create StorageClass ${name}, or name an existing one in the values`,
        });
        continue;
      }
      if (!provisioner.includes('csi')) {
        out.push({ status: 'pass', item: `StorageClass ${name}`, detail: `exists (provisioner ${provisioner})` });
        continue;
      }
      const driver = await exists(() => storage.readCSIDriver({ name: provisioner }));
      out.push(
        driver === true
          ? { status: 'pass', item: `StorageClass ${name}`, detail: `exists, CSI driver ${provisioner} installed` }
          : {
              status: driver === 'forbidden' ? 'unknown' : 'fail',
              item: `StorageClass ${name}`,
              detail: `exists, but CSI driver ${provisioner} is ${driver === 'forbidden' ? 'not readable' : 'not installed'}`,
              fix: `install ${CSI_DRIVERS[provisioner] ?? `the CSI driver ${provisioner}`}`,
            },
      );
    }
    return out;
  });

  // The ingress controller: its namespace (the only source the web pods accept) and the IngressClass.
  await guard('ingress', async () => {
    const networking = kubeConfig.makeApiClient(NetworkingV1Api);
    const out: CheckResult[] = [];
    const namespaces = [...new Set(values.map((v) => v.web.ingress.controllerNamespace))];
    for (const name of namespaces) {
      const found = await exists(() => core.readNamespace({ name }));
      out.push(
        found === true
          ? { status: 'pass', item: `ingress namespace ${name}`, detail: 'exists' }
          : {
              status: found === 'forbidden' ? 'unknown' : 'fail',
              item: `ingress namespace ${name}`,
              detail:
                found === 'forbidden'
                  ? 'not readable'
                  : 'missing: the NetworkPolicies let only this namespace reach the web pods',
              fix: `install the ingress controller into namespace ${name} (e.g. ingress-nginx), or set web.ingress.controllerNamespace to where yours runs`,
            },
      );
    }
    for (const name of [...new Set(values.map((v) => v.web.ingress.className))]) {
      const found = await exists(() => networking.readIngressClass({ name }));
      out.push(
        found === true
          ? { status: 'pass', item: `IngressClass ${name}`, detail: 'exists' }
          : {
              status: found === 'forbidden' ? 'unknown' : 'fail',
              item: `IngressClass ${name}`,
              detail: found === 'forbidden' ? 'not readable' : 'missing',
              fix: `install an ingress controller providing IngressClass ${name}, or set web.ingress.className`,
            },
      );
    }
    return out;
  });

  // The metrics API the HPAs scale on.
  await guard('metrics API', async () => {
    const registration = kubeConfig.makeApiClient(ApiregistrationV1Api);
    const fix = 'install metrics-server (EKS add-on metrics-server, or its manifest), so the HPAs can read CPU';
    let service;
    try {
      service = await registration.readAPIService({ name: 'v1beta1.metrics.k8s.io' });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      return [{ status: 'fail', item: 'metrics API', detail: 'metrics.k8s.io is not registered', fix }];
    }
    const available = service.status?.conditions?.find((c) => c.type === 'Available');
    return [
      available?.status === 'True'
        ? { status: 'pass', item: 'metrics API', detail: 'v1beta1.metrics.k8s.io is available' }
        : {
            status: 'fail',
            item: 'metrics API',
            detail:
              `v1beta1.metrics.k8s.io is registered but not available (${available?.reason ?? 'no condition'}: ${available?.message ?? ''})`.trim(),
            fix,
          },
    ];
  });

  // NetworkPolicy enforcement: visible on EKS (the VPC CNI's network policy agent), not through the API elsewhere.
  await guard('NetworkPolicy enforcement', async () => {
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    let awsNode;
    try {
      awsNode = await apps.readNamespacedDaemonSet({ name: 'aws-node', namespace: 'kube-system' });
    } catch (err) {
      if (statusCode(err) !== 404 && statusCode(err) !== 403) throw err;
      return [
        {
          status: 'unknown',
          item: 'NetworkPolicy enforcement',
          detail:
            'no AWS VPC CNI (kube-system/aws-node) to look at; the API cannot tell whether the CNI enforces policies',
          fix: 'make sure the CNI enforces NetworkPolicy (Calico, Cilium, or the VPC CNI with its network policy agent), or the policies do nothing',
        },
      ];
    }
    const containers = awsNode.spec?.template.spec?.containers ?? [];
    const agent = containers.find((c) => c.name === 'aws-network-policy-agent');
    const enabled = agent?.args?.some((a) => a === '--enable-network-policy=true') ?? false;
    return [
      enabled
        ? { status: 'pass', item: 'NetworkPolicy enforcement', detail: 'the VPC CNI network policy agent is on' }
        : {
            status: 'fail',
            item: 'NetworkPolicy enforcement',
            detail: 'the VPC CNI runs without its network policy agent: the NetworkPolicies would do nothing',
            fix: 'turn it on: EKS add-on vpc-cni configuration {"enableNetworkPolicy": "true"}',
          },
    ];
  });

  // Secrets the pods read: the Valkey password and the TLS Secrets the Ingresses name.
  await guard('Secrets', async () => {
    const wanted = new Map<string, { namespace: string; name: string; fix: string }>();
    for (const v of values) {
      const { name, key } = v.valkey.passwordSecret;
      wanted.set(`${v.valkey.namespace}/${name}`, {
        namespace: v.valkey.namespace,
        name,
        fix: `kubectl -n ${v.valkey.namespace} create secret generic ${name} --from-literal=${key}=<password> (after the namespaces are applied)`,
      });
      if (v.web.ingress.tlsSecretName)
        wanted.set(`${v.web.namespace}/${v.web.ingress.tlsSecretName}`, {
          namespace: v.web.namespace,
          name: v.web.ingress.tlsSecretName,
          fix: `kubectl -n ${v.web.namespace} create secret tls ${v.web.ingress.tlsSecretName} --cert=<file> --key=<file> (or let cert-manager issue it)`,
        });
    }
    const out: CheckResult[] = [];
    for (const { namespace, name, fix } of wanted.values()) {
      const found = await exists(() => core.readNamespacedSecret({ name, namespace }));
      out.push(
        found === true
          ? { status: 'pass', item: `Secret ${namespace}/${name}`, detail: 'exists' }
          : {
              status: found === 'forbidden' ? 'unknown' : 'fail',
              item: `Secret ${namespace}/${name}`,
              detail: found === 'forbidden' ? 'not readable with this kubeconfig' : 'missing',
              fix,
            },
      );
    }
    return out;
  });

  // Permission to apply: server-side apply needs create and patch on every kind, in every namespace.
  await guard('permission to apply', async () => {
    const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
    const targets = new Map<string, { group: string; resource: string; namespace?: string; kind: string }>();
    for (const o of objects) {
      const resource = await discovery.find(o.apiVersion, o.kind);
      if (!resource) continue; // reported under the kinds
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
      const namespace = resource.namespaced ? (o.metadata.namespace ?? 'default') : undefined;
      targets.set(`${group} ${resource.name} ${namespace ?? ''}`, {
        group,
        resource: resource.name,
        kind: o.kind,
        ...(namespace ? { namespace } : {}),
      });
    }
    const denied: string[] = [];
    for (const t of targets.values()) {
      for (const verb of ['create', 'patch']) {
        const review = await authorization.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                group: t.group,
                resource: t.resource,
                verb,
                ...(t.namespace ? { namespace: t.namespace } : {}),
              },
            },
          },
        });
        if (!review.status?.allowed)
          denied.push(`${verb} ${t.resource}${t.group ? `.${t.group}` : ''}${t.namespace ? ` in ${t.namespace}` : ''}`);
      }
    }
    return [
      denied.length === 0
        ? {
            status: 'pass',
            item: 'permission to apply',
            detail: `create and patch allowed on all ${targets.size} kinds × namespaces`,
          }
        : {
            status: 'fail',
            item: 'permission to apply',
            detail: `denied: ${denied.slice(0, 8).join('; ')}${denied.length > 8 ? `; and ${denied.length - 8} more` : ''}`,
            fix: 'apply with a user bound to cluster-admin, or grant create and patch on these (a ClusterRole and bindings)',
          },
    ];
  });
  return results;
}
