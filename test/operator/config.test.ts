import { strict as assert } from 'node:assert';
import { OPERATOR_DEFAULTS, OPERATOR_ENV, operatorSettings } from '../../operator/config.js';

describe('operatorSettings', () => {
  it('uses the defaults when neither flags nor environment say otherwise', () => {
    assert.deepEqual(operatorSettings({}, {}, 'host-1'), {
      namespace: OPERATOR_DEFAULTS.namespace,
      identity: 'host-1',
      metricsPort: OPERATOR_DEFAULTS.metricsPort,
      healthPort: OPERATOR_DEFAULTS.healthPort,
      concurrency: OPERATOR_DEFAULTS.concurrency,
      logLevel: OPERATOR_DEFAULTS.logLevel,
    });
  });

  it('reads OPERATOR_ENV from the environment, and an empty variable counts as unset', () => {
    const env = { [OPERATOR_ENV.namespace]: 'ops', [OPERATOR_ENV.podName]: 'op-0', [OPERATOR_ENV.logLevel]: '' };
    const settings = operatorSettings({}, env, 'host-1');
    assert.deepEqual(
      [settings.namespace, settings.identity, settings.logLevel],
      ['ops', 'op-0', OPERATOR_DEFAULTS.logLevel],
    );
  });

  it('lets flags win over the environment', () => {
    const env = { [OPERATOR_ENV.namespace]: 'ops', [OPERATOR_ENV.podName]: 'op-0', [OPERATOR_ENV.logLevel]: 'debug' };
    const settings = operatorSettings(
      { namespace: 'mine', identity: 'me', logLevel: 'warn', metricsPort: 0, concurrency: 1 },
      env,
      'host-1',
    );
    assert.deepEqual(
      [settings.namespace, settings.identity, settings.logLevel, settings.metricsPort, settings.concurrency],
      ['mine', 'me', 'warn', 0, 1],
    );
  });
});
