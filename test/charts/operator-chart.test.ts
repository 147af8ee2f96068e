import { strict as assert } from 'node:assert';
import { CRD_NAME } from '../../operator/api/keys.js';
import { DEFAULT_TIME_ZONE } from '../../operator/api/power-schedule.js';
import { OPERATOR_DEFAULTS, OPERATOR_ENV } from '../../operator/config.js';
import { find, objectsOf, podTemplates } from '../helpers/manifests.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

describe('OperatorChart', () => {
  const objects = objectsOf('prod');

  it('installs the PowerSchedule CRD: cluster-scoped, status subresource, printer columns, schema rules', () => {
    const crd = find(objects, 'CustomResourceDefinition', CRD_NAME).spec as {
      scope: string;
      versions: Array<{
        name: string;
        subresources: { status: object };
        additionalPrinterColumns: Array<{ name: string }>;
        schema: {
          openAPIV3Schema: {
            properties: { spec: { properties: Record<string, unknown>; 'x-kubernetes-validations': unknown[] } };
          };
        };
      }>;
    };
    assert.equal(crd.scope, 'Cluster');
    const version = crd.versions[0]!;
    assert.equal(version.name, 'v1alpha1');
    assert.deepEqual(version.subresources, { status: {} });
    assert.ok(version.additionalPrinterColumns.some((c) => c.name === 'Next Wake'));
    const spec = version.schema.openAPIV3Schema.properties.spec;
    for (const field of [
      'namespaces',
      'namespaceSelector',
      'timeZone',
      'uptime',
      'downtime',
      'downtimeReplicas',
      'suspend',
      'excludedWorkloads',
      'gracePeriod',
      'holidays',
    ]) {
      assert.ok(field in spec.properties, `spec.${field}`);
    }
    assert.equal(spec['x-kubernetes-validations'].length, 2);
  });

  it('prints readable next sleep and wake times, and fills the spec columns before the operator has run', () => {
    const version = (
      find(objects, 'CustomResourceDefinition', CRD_NAME).spec as {
        versions: Array<{
          additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string; priority?: number }>;
          schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, { default?: unknown }> } } } };
        }>;
      }
    ).versions[0]!;
    const column = (name: string) => version.additionalPrinterColumns.find((c) => c.name === name)!;
    // A `date` column prints the age of a time, and a time in the future has none: kubectl shows <invalid>.
    assert.deepEqual(
      version.additionalPrinterColumns.filter((c) => c.type === 'date').map((c) => c.name),
      ['Age'],
    );
    assert.deepEqual(
      [column('Next Sleep').jsonPath, column('Next Wake').jsonPath],
      ['.status.nextSleepLocal', '.status.nextWakeLocal'],
    );
    assert.equal(column('Next Sleep (UTC)').priority, 1);
    // Zone and Suspended read the spec; schema defaults fill them when the manifest leaves them out.
    const spec = version.schema.openAPIV3Schema.properties.spec.properties;
    assert.deepEqual([spec.timeZone!.default, spec.suspend!.default], [DEFAULT_TIME_ZONE, false]);
  });

  it('validates spec.holidays by pattern and length, and has status.nextHoliday as a date', () => {
    type Props = { properties: Record<string, Record<string, unknown>> };
    const crd = find(objects, 'CustomResourceDefinition', CRD_NAME).spec as {
      versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: Props; status: Props } } } }>;
    };
    const { spec, status } = crd.versions[0]!.schema.openAPIV3Schema.properties;
    const holidays = spec.properties.holidays as { maxItems: number; items: { pattern: string } };
    assert.equal(holidays.maxItems, 128);
    const pattern = new RegExp(holidays.items.pattern);
    assert.ok(pattern.test('2026-12-24') && pattern.test('2026-12-24..2026-12-26'));
    assert.ok(!pattern.test('24.12.2026') && !pattern.test('2026-12-24 - 2026-12-26'));
    assert.deepEqual(
      { type: status.properties.nextHoliday!.type, format: status.properties.nextHoliday!.format },
      { type: 'string', format: 'date' },
    );
  });

  it('grants only what the operator needs: no wildcards, no delete, no secrets', () => {
    const rules = (find(objects, 'ClusterRole', 'roleplane-operator') as unknown as { rules: Rule[] }).rules;
    const verbs = (group: string, resource: string) =>
      rules
        .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
        .flatMap((r) => r.verbs)
        .sort();
    assert.deepEqual(verbs('apps', 'deployments'), ['get', 'list', 'patch', 'watch']);
    assert.deepEqual(verbs('batch', 'cronjobs'), ['get', 'list', 'patch', 'watch']);
    assert.deepEqual(verbs('', 'namespaces'), ['get', 'list', 'watch']);
    assert.deepEqual(verbs('roleplane.io', 'powerschedules/status'), ['get', 'patch', 'update']);
    assert.ok(!rules.some((r) => r.verbs.includes('delete') || r.resources.includes('secrets')));
    const lease = (
      find(objects, 'Role', 'roleplane-operator-leader-election', 'roleplane-system') as unknown as { rules: Rule[] }
    ).rules;
    assert.deepEqual(lease.find((r) => r.verbs.includes('update'))?.resourceNames, ['roleplane-operator']);
  });

  it('runs two leader-elected replicas on the erp pool with health probes, and a metrics Service', () => {
    const deployment = find(objects, 'Deployment', 'roleplane-operator', 'roleplane-system');
    assert.equal((deployment.spec as { replicas: number }).replicas, 2);
    const pod = podTemplates([deployment])[0]!;
    const container = pod.spec.containers[0]!;
    assert.ok(container.args!.includes('--leader-elect'));
    assert.equal((container.readinessProbe as { httpGet: { path: string } }).httpGet.path, '/readyz');
    const service = find(objects, 'Service', 'roleplane-operator-metrics', 'roleplane-system').spec as {
      ports: Array<{ port: number }>;
    };
    assert.equal(service.ports[0]!.port, OPERATOR_DEFAULTS.metricsPort);
    const binding = find(objects, 'ClusterRoleBinding', 'roleplane-operator') as unknown as {
      subjects: Array<{ name: string; namespace: string }>;
    };
    assert.deepEqual(
      binding.subjects.map((s) => `${s.namespace}/${s.name}`),
      ['roleplane-system/roleplane-operator'],
    );
  });

  it('sets the Lease namespace and the replica name through the variables the operator reads (OPERATOR_ENV)', () => {
    const pod = podTemplates([find(objects, 'Deployment', 'roleplane-operator', 'roleplane-system')])[0]!;
    const env = pod.spec.containers[0]!.env as unknown as Array<{
      name: string;
      valueFrom?: { fieldRef?: { fieldPath: string } };
    }>;
    assert.deepEqual(
      env.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]),
      [
        [OPERATOR_ENV.namespace, 'metadata.namespace'],
        [OPERATOR_ENV.podName, 'metadata.name'],
      ],
    );
  });

  it("listens for metrics on a port of its own: not its health port, not any other container's port", () => {
    const pods = podTemplates(objects);
    const operator = pods.find((p) => p.owner === 'Deployment roleplane-system/roleplane-operator')!;
    assert.deepEqual(
      operator.spec.containers[0]!.ports!.map((p) => p.containerPort),
      [OPERATOR_DEFAULTS.metricsPort, OPERATOR_DEFAULTS.healthPort],
    );
    assert.ok(operator.spec.containers[0]!.args!.includes(`--metrics-port=${OPERATOR_DEFAULTS.metricsPort}`));
    assert.notEqual(OPERATOR_DEFAULTS.metricsPort, OPERATOR_DEFAULTS.healthPort);
    const others = pods
      .filter((p) => p !== operator)
      .flatMap((p) =>
        p.spec.containers.flatMap((c) => (c.ports ?? []).map((port) => `${p.owner}:${port.containerPort}`)),
      );
    assert.ok(others.length > 0, 'the other workloads declare their ports');
    assert.deepEqual(
      others.filter((o) => o.endsWith(`:${OPERATOR_DEFAULTS.metricsPort}`)),
      [],
      'another container listens on the metrics port',
    );
  });
});
