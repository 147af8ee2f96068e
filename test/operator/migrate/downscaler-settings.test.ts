import { strict as assert } from 'node:assert';
import {
  isKubeDownscaler,
  KUBE_DOWNSCALER_DEFAULTS_SOURCE,
  readDownscalerSettings,
} from '../../../operator/migrate/downscaler-settings.js';

const deployment = (container: object) => ({
  metadata: { name: 'kube-downscaler', namespace: 'ops' },
  spec: { template: { spec: { containers: [container] } } },
});

describe('readDownscalerSettings', () => {
  it("uses kube-downscaler's own defaults when there is no Deployment", () => {
    const s = readDownscalerSettings(undefined);
    assert.equal(s.source, KUBE_DOWNSCALER_DEFAULTS_SOURCE);
    assert.deepEqual(
      [s.defaultUptime.value, s.defaultDowntime.value, s.downtimeReplicas.value, s.gracePeriodSeconds.value],
      ['always', 'never', '0', '900'],
    );
    assert.equal(s.excludeNamespaces.value, 'kube-system');
    assert.equal(s.includeResources.value, 'deployments');
  });

  it('reads --flag=value and --flag value, and a flag wins over its environment variable', () => {
    const s = readDownscalerSettings(
      deployment({
        image: 'ghcr.io/caas-team/py-kube-downscaler:24.8.2',
        args: [
          '--default-uptime=Mon-Fri 07:30-20:30 Europe/Berlin',
          '--downtime-replicas',
          '1',
          '--dry-run',
          '--interval=60',
        ],
        env: [
          { name: 'DEFAULT_UPTIME', value: 'always' },
          { name: 'DEFAULT_DOWNTIME', value: 'Sat-Sun 00:00-24:00 Europe/Berlin' },
          { name: 'DEFAULT_TIMEZONE', value: 'Europe/Berlin' },
        ],
      }),
    );
    assert.equal(s.source, 'Deployment ops/kube-downscaler');
    assert.deepEqual(s.defaultUptime, { value: 'Mon-Fri 07:30-20:30 Europe/Berlin', origin: '--default-uptime' });
    assert.deepEqual(s.defaultDowntime, { value: 'Sat-Sun 00:00-24:00 Europe/Berlin', origin: 'env DEFAULT_DOWNTIME' });
    assert.equal(s.downtimeReplicas.value, '1');
    assert.equal(s.defaultTimeZone?.value, 'Europe/Berlin');
    assert.deepEqual(
      s.otherFlags.map((f) => f.origin),
      ['--dry-run', '--interval=60'],
    );
  });

  it('says which variables it cannot read (from a ConfigMap or Secret)', () => {
    const s = readDownscalerSettings(
      deployment({
        image: 'hjacobs/kube-downscaler:23.2.0',
        env: [{ name: 'DEFAULT_UPTIME', valueFrom: { configMapKeyRef: { name: 'x', key: 'uptime' } } }],
      }),
    );
    assert.equal(s.unreadable.length, 1);
    assert.match(s.unreadable[0]!, /^env DEFAULT_UPTIME comes from configMapKeyRef/);
  });
});

describe('isKubeDownscaler', () => {
  it('knows it by its image or its usual name', () => {
    assert.equal(isKubeDownscaler(deployment({ image: 'ghcr.io/caas-team/py-kube-downscaler:24.8.2' })), true);
    assert.equal(
      isKubeDownscaler({
        metadata: { name: 'web' },
        spec: { template: { spec: { containers: [{ image: 'nginx:1' }] } } },
      }),
      false,
    );
  });
});
