import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runPreflightCommand } from '../../cli/preflight-command.js';
import { runChecks, type CheckResult } from '../../cli/preflight/checks.js';
import { renderEnvironment } from '../../charts/synth.js';
import { loadValues } from '../../charts/values/load.js';
import { loadKubeConfig } from '../../operator/kube/kubeconfig.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { type TestCluster, useCluster } from './cluster.js';

/**
 * prod's values moved into namespaces, classes and names of this test's own, so that what it creates and deletes
 * touches nothing another suite on the shared control plane uses. The storage classes are the local cluster's
 * (gp3 and efs, made by `cluster up`), except Valkey's, which names one that does not exist until the test makes it.
 */
const VALUES = {
  prod: {
    erp: { namespace: 'pf-erp' },
    web: {
      namespace: 'pf-web',
      ingress: { controllerNamespace: 'pf-ingress', className: 'pf-nginx', tlsSecretName: 'pf-tls' },
    },
    search: { namespace: 'pf-search' },
    valkey: { namespace: 'pf-search', storage: { storageClass: 'pf-ebs' } },
    platform: { operator: { namespace: 'pf-system' } },
  },
};

function byItem(results: readonly CheckResult[]): Map<string, CheckResult> {
  return new Map(results.map((r) => [r.item, r]));
}

function expectStatus(results: Map<string, CheckResult>, item: string, status: CheckResult['status'], detail?: RegExp) {
  const r = results.get(item);
  assert.ok(r, `no check "${item}" among: ${[...results.keys()].join(', ')}`);
  assert.equal(r.status, status, `${item}: ${r.detail}`);
  if (detail) assert.match(r.detail, detail, item);
  if (status !== 'pass') assert.ok(r.fix && r.fix.length > 10, `${item} has no fix`);
}

describe('roleplane preflight on the real control plane', function () {
  let cluster: TestCluster;
  const dir = useTempDir('preflight', 'all');
  let valuesFile: string;

  before(async function () {
    cluster = await useCluster(this);
    this.timeout(120_000);
    valuesFile = join(dir(), 'values.yaml');
    writeFileSync(valuesFile, stringify(VALUES));
  });

  /** Objects this test makes, deleted after it whatever happens. */
  const made: string[][] = [];
  /** Puts back CRDs a case took away from the shared control plane. */
  let restoreCrds: (() => Promise<void>) | undefined;
  after(async function () {
    this.timeout(120_000);
    await restoreCrds?.();
    for (const args of made.reverse())
      await cluster.kubectl.run(['delete', '--ignore-not-found', '--wait=false', ...args]);
  });

  const apply = async (objects: object[], ...deleteArgs: string[][]) => {
    await cluster.kubectl.must(['apply', '--server-side', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
    made.push(...deleteArgs);
  };
  const preflight = async (kubeconfig = cluster.kubeconfigPath) =>
    runPreflightCommand({ kubeconfig, environments: ['prod'], valuesFile });

  it('fails each missing part with its fix, and exits 1', async function () {
    this.timeout(120_000);
    const { results, exitCode, stdout } = await preflight();
    const r = byItem(results);
    assert.equal(exitCode, 1);
    expectStatus(r, 'API server', 'pass', /Kubernetes v1\.37/);
    expectStatus(r, 'API karpenter.sh/v1', 'pass', /serves NodePool/);
    expectStatus(r, 'API karpenter.k8s.aws/v1', 'pass', /serves EC2NodeClass/);
    expectStatus(r, 'StorageClass efs', 'pass', /exists \(provisioner kubernetes.io\/no-provisioner\)/);
    expectStatus(r, 'StorageClass pf-ebs', 'fail', /missing/);
    expectStatus(r, 'ingress namespace pf-ingress', 'fail', /missing/);
    expectStatus(r, 'IngressClass pf-nginx', 'fail', /missing/);
    expectStatus(r, 'metrics API', 'fail', /not registered/);
    expectStatus(r, 'NetworkPolicy enforcement', 'unknown', /no AWS VPC CNI/);
    expectStatus(r, 'Secret pf-search/valkey-auth', 'fail', /missing/);
    expectStatus(r, 'Secret pf-web/pf-tls', 'fail', /missing/);
    expectStatus(r, 'permission to apply', 'pass', /create and patch allowed/);
    assert.match(stdout, /^FAIL {2}StorageClass pf-ebs: missing\n {6}fix: create StorageClass pf-ebs/m);
  });

  it("fails a kind no CRD serves (the Prometheus Operator's), naming what installs it", async function () {
    this.timeout(120_000);
    // The shared control plane may have the Prometheus Operator's CRDs from an earlier suite (the manifests are
    // applied with monitoring on): take them away for this case and put them back after it.
    const crds = ['servicemonitors', 'podmonitors', 'prometheusrules'].map((p) => `${p}.monitoring.coreos.com`);
    const installed = (
      await cluster.kubectl.run(['get', 'crd', ...crds, '--ignore-not-found', '-o', 'name'])
    ).stdout.trim();
    if (installed !== '') {
      const saved = await cluster.kubectl.must(['get', 'crd', ...crds, '--ignore-not-found', '-o', 'yaml']);
      await cluster.kubectl.must(['delete', 'crd', ...crds, '--ignore-not-found', '--wait=true']);
      restoreCrds = async () => {
        const items = (parse(saved) as { items: Array<{ metadata: Record<string, unknown> }> }).items.map((crd) => ({
          ...crd,
          metadata: { name: crd.metadata.name, labels: crd.metadata.labels, annotations: crd.metadata.annotations },
          status: undefined,
        }));
        await cluster.kubectl.must(
          ['apply', '--server-side', '--force-conflicts', '-f', '-'],
          items.map((i) => stringify(i)).join('---\n'),
        );
      };
    }
    const values = [loadValues({ environment: 'prod', file: valuesFile })];
    const objects = [
      ...renderEnvironment(values[0]!).flatMap((f) => [...f.objects]),
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'web', namespace: 'pf-web' },
      },
    ];
    const r = byItem(await runChecks({ kubeConfig: loadKubeConfig(cluster.kubeconfigPath), values, objects }));
    expectStatus(r, 'API monitoring.coreos.com/v1', 'fail', /not served: ServiceMonitor/);
    assert.match(r.get('API monitoring.coreos.com/v1')!.fix!, /Prometheus Operator CRDs/);
  });

  it('passes each part once it is there (a CSI class needs its driver too)', async function () {
    this.timeout(180_000);
    await apply(
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pf-ingress' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pf-search' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pf-web' } },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'IngressClass',
          metadata: { name: 'pf-nginx' },
          spec: { controller: 'k8s.io/ingress-nginx' },
        },
        {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'pf-ebs' },
          provisioner: 'ebs.csi.aws.com',
          volumeBindingMode: 'WaitForFirstConsumer',
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'valkey-auth', namespace: 'pf-search' },
          stringData: { password: 'x' },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pf-tls', namespace: 'pf-web' },
          stringData: { 'tls.crt': 'not a certificate', 'tls.key': 'not a key' },
        },
      ],
      ['namespace', 'pf-ingress', 'pf-search', 'pf-web'],
      ['ingressclass', 'pf-nginx'],
      ['storageclass', 'pf-ebs'],
    );
    let r = byItem((await preflight()).results);
    expectStatus(r, 'StorageClass pf-ebs', 'fail', /CSI driver ebs\.csi\.aws\.com is not installed/);
    expectStatus(r, 'ingress namespace pf-ingress', 'pass');
    expectStatus(r, 'IngressClass pf-nginx', 'pass');
    expectStatus(r, 'Secret pf-search/valkey-auth', 'pass');
    expectStatus(r, 'Secret pf-web/pf-tls', 'pass');

    // The driver's registration, the VPC CNI with its policy agent on (on no node: nothing runs), and a metrics
    // APIService the aggregator marks available (a local one; deleted at once, since it serves nothing).
    await apply(
      [
        {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'CSIDriver',
          metadata: { name: 'ebs.csi.aws.com' },
          spec: { attachRequired: true },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'aws-node', namespace: 'kube-system' },
          spec: {
            selector: { matchLabels: { app: 'pf-aws-node' } },
            template: {
              metadata: { labels: { app: 'pf-aws-node' } },
              spec: {
                nodeSelector: { 'roleplane.io/no-such-node': 'true' },
                containers: [
                  { name: 'aws-node', image: 'registry.example/amazon-k8s-cni:v1.19.0' },
                  {
                    name: 'aws-network-policy-agent',
                    image: 'registry.example/aws-network-policy-agent:v1.2.0',
                    args: ['--enable-network-policy=true'],
                  },
                ],
              },
            },
          },
        },
      ],
      ['csidriver', 'ebs.csi.aws.com'],
      ['daemonset', '-n', 'kube-system', 'aws-node'],
    );
    await cluster.kubectl.must(
      ['apply', '--server-side', '-f', '-'],
      stringify({
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: 'v1beta1.metrics.k8s.io' },
        spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 },
      }),
    );
    try {
      r = byItem((await preflight()).results);
    } finally {
      await cluster.kubectl.must(['delete', 'apiservice', 'v1beta1.metrics.k8s.io', '--ignore-not-found']);
    }
    expectStatus(r, 'StorageClass pf-ebs', 'pass', /CSI driver ebs\.csi\.aws\.com installed/);
    expectStatus(r, 'metrics API', 'pass', /available/);
    expectStatus(r, 'NetworkPolicy enforcement', 'pass', /network policy agent is on/);
  });

  it('fails the permission to apply for a user who may not, and cannot tell about Secrets it may not read', async function () {
    this.timeout(120_000);
    await apply(
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pf-users' } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace: 'pf-users' } },
      ],
      ['namespace', 'pf-users'],
    );
    const token = (
      await cluster.kubectl.must(['create', 'token', 'nobody', '-n', 'pf-users', '--duration=10m'])
    ).trim();
    const admin = loadKubeConfig(cluster.kubeconfigPath);
    const server = admin.getCurrentCluster()!;
    const kubeconfig = join(dir(), 'nobody.kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'local',
            cluster: {
              server: server.server,
              ...(server.caData ? { 'certificate-authority-data': server.caData } : {}),
              ...(server.caFile ? { 'certificate-authority': server.caFile } : {}),
            },
          },
        ],
        users: [{ name: 'nobody', user: { token } }],
        contexts: [{ name: 'nobody', context: { cluster: 'local', user: 'nobody' } }],
        'current-context': 'nobody',
      }),
    );
    const { results, exitCode } = await preflight(kubeconfig);
    const r = byItem(results);
    assert.equal(exitCode, 1);
    expectStatus(r, 'permission to apply', 'fail', /denied: create /);
    expectStatus(r, 'Secret pf-search/valkey-auth', 'unknown', /not readable/);
  });
});
