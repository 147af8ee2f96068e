import { strict as assert } from 'node:assert';
import {
  findKubeconfig,
  type KubeconfigSources,
  SERVICE_ACCOUNT_TOKEN_PATH,
} from '../../../operator/kube/kubeconfig.js';

const HOME = '/home/someone';
const HOME_CONFIG = `${HOME}/.kube/config`;

function sources(env: Record<string, string>, files: readonly string[] = []): KubeconfigSources {
  return { env: { HOME, ...env }, exists: (path) => files.includes(path) };
}

describe('findKubeconfig', () => {
  it('takes an explicit file over everything else', () => {
    assert.deepEqual(findKubeconfig('/tmp/k.yaml', sources({ KUBECONFIG: '/etc/k' }, [HOME_CONFIG])), {
      kind: 'file',
      path: '/tmp/k.yaml',
    });
  });

  it('then $KUBECONFIG, then ~/.kube/config, then the pod ServiceAccount, as client-node looks', () => {
    const inCluster = { KUBERNETES_SERVICE_HOST: '10.0.0.1' };
    assert.deepEqual(findKubeconfig(undefined, sources({ KUBECONFIG: '/etc/k', ...inCluster }, [HOME_CONFIG])), {
      kind: 'env',
      value: '/etc/k',
    });
    assert.deepEqual(findKubeconfig(undefined, sources(inCluster, [HOME_CONFIG, SERVICE_ACCOUNT_TOKEN_PATH])), {
      kind: 'home',
      path: HOME_CONFIG,
    });
    assert.deepEqual(findKubeconfig(undefined, sources(inCluster, [SERVICE_ACCOUNT_TOKEN_PATH])), {
      kind: 'in-cluster',
    });
  });

  it('finds none without a file, $KUBECONFIG (empty counts as unset), ~/.kube/config or a pod ServiceAccount', () => {
    assert.equal(findKubeconfig(undefined, sources({})), undefined);
    assert.equal(findKubeconfig(undefined, sources({ KUBECONFIG: '' })), undefined);
    assert.equal(findKubeconfig('', sources({})), undefined);
    assert.equal(
      findKubeconfig(undefined, sources({}, [SERVICE_ACCOUNT_TOKEN_PATH])),
      undefined,
      'a token file without the API server address in the environment is not a cluster',
    );
  });
});
