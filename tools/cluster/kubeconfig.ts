// Kubeconfig files for the admin user and for each component.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

import type { CertPair } from './pki.js';

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  client: CertPair;
  user: string;
  clusterName: string;
}

/**
 * Writes a kubeconfig with the certificates embedded (not referenced by path), so the file can be
 * copied elsewhere and still work. Mode 0600: it holds a private key.
 */
export function writeKubeconfig(path: string, spec: KubeconfigSpec): void {
  const b64 = (file: string): string => readFileSync(file).toString('base64');
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: spec.clusterName,
        cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caFile) },
      },
    ],
    users: [
      {
        name: spec.user,
        user: { 'client-certificate-data': b64(spec.client.cert), 'client-key-data': b64(spec.client.key) },
      },
    ],
    contexts: [{ name: spec.clusterName, context: { cluster: spec.clusterName, user: spec.user } }],
    'current-context': spec.clusterName,
    preferences: {},
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(doc), { mode: 0o600 });
  renameSync(tmp, path);
}
