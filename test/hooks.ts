// Root hooks for the whole mocha run.
import { stopSharedCluster } from './integration/cluster.js';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopSharedCluster();
  },
};
