// Root hooks for the whole mocha run. They load nothing but the teardown list: a suite that starts something for
// the whole run (the local control plane) registers its stop there when it starts it.
import { runTeardowns } from './run-teardown.js';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await runTeardowns();
  },
};
