import { strict as assert } from 'node:assert';
import { NO_KUBECONFIG_MESSAGE } from '../../operator/kube/kubeconfig.js';
import { setOverride } from '../../operator/overrides.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('setOverride', () => {
  describe('without any kubeconfig (no --kubeconfig, no $KUBECONFIG, no ~/.kube/config, not in a pod)', () => {
    const home = useTempDir('no-kubeconfig-home');
    const saved: Record<string, string | undefined> = {};
    const names = ['KUBECONFIG', 'HOME', 'KUBERNETES_SERVICE_HOST'] as const;
    beforeEach(() => {
      for (const name of names) saved[name] = process.env[name];
      delete process.env.KUBECONFIG;
      delete process.env.KUBERNETES_SERVICE_HOST;
      process.env.HOME = home();
    });
    afterEach(() => {
      for (const name of names) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });

    for (const mode of ['wake', 'sleep'] as const) {
      it(`\`${mode}\` says "${NO_KUBECONFIG_MESSAGE}" before any request`, async () => {
        await assert.rejects(setOverride({ namespace: 'dev', mode, for: '2h' }), {
          message: NO_KUBECONFIG_MESSAGE,
        });
        await assert.rejects(setOverride({ namespace: 'dev', mode }), { message: NO_KUBECONFIG_MESSAGE });
      });
    }
  });
});
