/**
 * Finds and loads the kubeconfig the way @kubernetes/client-node's `loadFromDefault` does (an explicit file, then
 * $KUBECONFIG, then ~/.kube/config, then the pod's ServiceAccount), but says so when there is none: client-node
 * then falls back to http://localhost:8080 and the first request fails with "HTTP protocol is not allowed when
 * skipTLSVerify is not set", which does not tell a user what is missing.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** Where client-node looks for the in-cluster ServiceAccount token. */
export const SERVICE_ACCOUNT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export const NO_KUBECONFIG_MESSAGE = 'no kubeconfig: set KUBECONFIG or --kubeconfig';

/** What `findKubeconfig` looks at; tests pass their own. */
export interface KubeconfigSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly exists: (path: string) => boolean;
  /** @default - $HOME, else the OS's home directory */
  readonly home?: string;
}

export type KubeconfigSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly value: string }
  | { readonly kind: 'home'; readonly path: string }
  | { readonly kind: 'in-cluster' };

const processSources: KubeconfigSources = { env: process.env, exists: existsSync };

/** The kubeconfig that would be used, or undefined when there is none. */
export function findKubeconfig(
  file: string | undefined,
  sources: KubeconfigSources = processSources,
): KubeconfigSource | undefined {
  if (file) return { kind: 'file', path: file };
  const fromEnv = sources.env.KUBECONFIG;
  if (fromEnv) return { kind: 'env', value: fromEnv };
  const home = sources.home ?? (sources.env.HOME || homedir());
  const inHome = join(home, '.kube', 'config');
  if (sources.exists(inHome)) return { kind: 'home', path: inHome };
  // client-node needs both: the token file, and the API server's address from the environment.
  if (sources.exists(SERVICE_ACCOUNT_TOKEN_PATH) && sources.env.KUBERNETES_SERVICE_HOST) return { kind: 'in-cluster' };
  return undefined;
}

/**
 * The KubeConfig from `file`, else as client-node finds it in this process's environment; throws
 * `no kubeconfig: set KUBECONFIG or --kubeconfig` when there is none to be found.
 */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const source = findKubeconfig(file);
  if (!source) throw new Error(NO_KUBECONFIG_MESSAGE);
  const kc = new KubeConfig();
  if (source.kind === 'file') kc.loadFromFile(source.path);
  else kc.loadFromDefault();
  return kc;
}
