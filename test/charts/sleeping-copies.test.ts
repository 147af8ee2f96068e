import { strict as assert } from 'node:assert';
import { POWER_SCHEDULE_LABEL } from '../../operator/api/keys.js';
import { find, objectsOf, ofKind, podTemplates } from '../helpers/manifests.js';
import { requiredPool } from '../helpers/policy.js';

for (const env of ['dev', 'staging'] as const) {
  describe(`the ${env} environment`, () => {
    const objects = objectsOf(env);

    it('holds web, search and Valkey copies and the campaign CronJob, all in its namespace on the dev pool', () => {
      const owners = podTemplates(objects)
        .map((p) => p.owner)
        .sort();
      assert.deepEqual(
        owners.map((o) => o.replace(/search-index-[0-9a-f]+/, 'search-index')),
        [
          `CronJob ${env}/campaign-newsletter`,
          `Deployment ${env}/search`,
          `Deployment ${env}/web`,
          `Job ${env}/search-index`,
          `StatefulSet ${env}/valkey`,
        ],
      );
      for (const pod of podTemplates(objects)) assert.equal(requiredPool(pod), 'dev', pod.owner);
    });

    it('is smaller than prod', () => {
      const hpa = find(objects, 'HorizontalPodAutoscaler', 'web', env).spec as { maxReplicas: number };
      assert.equal(hpa.maxReplicas, 2);
      const valkey = podTemplates([find(objects, 'StatefulSet', 'valkey', env)])[0]!;
      assert.equal(valkey.spec.containers[0]!.resources!.limits!.memory, '512Mi');
    });

    it('joins the office-hours power schedule through its namespace label', () => {
      const ns = find(objects, 'Namespace', env);
      assert.equal(ns.metadata.labels?.[POWER_SCHEDULE_LABEL], 'office-hours');
    });

    it('runs the campaign on a schedule in the site time zone, never twice at once', () => {
      const cron = find(objects, 'CronJob', 'campaign-newsletter', env).spec as {
        schedule: string;
        timeZone: string;
        concurrencyPolicy: string;
      };
      assert.deepEqual(
        [cron.schedule, cron.timeZone, cron.concurrencyPolicy],
        ['0 9 * * 2', 'Europe/Berlin', 'Forbid'],
      );
    });

    it('keeps its own data: every namespace, volume claim, Secret, ConfigMap and Service address it names is its own', () => {
      // Namespaces outside the environment that it may name: the cluster DNS, the ingress controller's and the
      // monitoring namespace's Prometheus (callers), and the platform's waker (the Ingress's fallback while asleep).
      const callers = new Set(['kube-system', 'ingress-nginx', 'monitoring', 'roleplane-system']);
      const named: string[] = [];
      const walk = (node: unknown, key: string): void => {
        if (Array.isArray(node)) return node.forEach((item) => walk(item, key));
        if (typeof node === 'object' && node !== null) {
          for (const [k, v] of Object.entries(node)) walk(v, k);
          return;
        }
        if (typeof node !== 'string') return;
        if (key === 'namespace' || key === 'kubernetes.io/metadata.name') named.push(node);
        // Service addresses in settings: <service>.<namespace>.svc
        for (const match of node.matchAll(/[a-z0-9-]+\.([a-z0-9-]+)\.svc\b/g)) named.push(match[1]!);
      };
      walk(objects, '');
      assert.deepEqual([...new Set(named.filter((ns) => !callers.has(ns)))], [env]);
      for (const pod of podTemplates(objects)) {
        for (const volume of pod.spec.volumes ?? []) {
          // A claim or ConfigMap is looked up in the pod's own namespace; it must be one this environment makes.
          if (volume.persistentVolumeClaim)
            find(objects, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName, env);
          if (volume.configMap) find(objects, 'ConfigMap', volume.configMap.name, env);
        }
        assert.equal(pod.namespace, env, pod.owner);
      }
    });

    it('carries no cluster-wide objects', () => {
      for (const kind of ['NodePool', 'EC2NodeClass', 'CustomResourceDefinition', 'ClusterRole', 'PowerSchedule'])
        assert.equal(ofKind(objects, kind).length, 0, kind);
    });
  });
}

describe('the prod environment', () => {
  it('has the office-hours PowerSchedule that puts dev and staging to sleep outside Mon-Fri 07:00-20:00 in the site zone', () => {
    const schedule = find(
      objectsOf('prod', { site: { timeZone: 'America/Chicago' } }),
      'PowerSchedule',
      'office-hours',
    );
    assert.equal(schedule.apiVersion, 'roleplane.io/v1alpha1');
    assert.deepEqual(schedule.spec, {
      namespaceSelector: { matchLabels: { [POWER_SCHEDULE_LABEL]: 'office-hours' } },
      timeZone: 'America/Chicago',
      uptime: 'Mon-Fri 07:00-20:00',
      downtimeReplicas: 0,
    });
  });

  it('labels its own namespaces for PodSecurity restricted and never for a power schedule', () => {
    for (const ns of ofKind(objectsOf('prod'), 'Namespace')) {
      const labels = ns.metadata.labels ?? {};
      for (const mode of ['enforce', 'audit', 'warn'])
        assert.equal(labels[`pod-security.kubernetes.io/${mode}`], 'restricted', `${ns.metadata.name} ${mode}`);
      assert.equal(labels[POWER_SCHEDULE_LABEL], undefined);
    }
  });
});
