// Certificates and keys for the local control plane, made with the openssl CLI (Node's crypto
// can make keys but not X.509 certificates).
//
// One CA signs the apiserver's serving certificate and a client certificate per identity, so each
// component talks to the apiserver as the user RBAC's bootstrap policy expects
// (system:kube-controller-manager, system:kube-scheduler) rather than everyone as an admin.
// Files are reused across `up` runs, so a restarted cluster keeps its CA and the kubeconfig a user
// copied stays valid; a certificate close to expiry is made again.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A certificate and its private key, as file paths. */
export interface CertPair {
  cert: string;
  key: string;
}

/** Everything the control plane needs, as file paths under `<stateDir>/pki`. */
export interface ClusterPki {
  dir: string;
  ca: CertPair;
  apiServerServing: CertPair;
  admin: CertPair;
  controllerManager: CertPair;
  scheduler: CertPair;
  kwok: CertPair;
  /**
   * A second CA for the aggregation layer's request-header authentication (kubeadm's layout):
   * it must differ from the client CA, or any client certificate could assert other identities
   * through the X-Remote-* headers.
   */
  frontProxyCa: CertPair;
  /** The apiserver's client certificate towards aggregated API servers (such as metrics-server). */
  frontProxyClient: CertPair;
  /** The service-account token signing key pair (RSA, as the apiserver's JWT signer expects). */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export interface PkiOptions {
  /** Cluster IP of the `kubernetes` Service, which in-cluster clients dial. */
  kubernetesServiceIp: string;
}

async function openssl(args: string[], what: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { maxBuffer: 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error(`pki: openssl is not installed (needed to ${what})`, { cause: err });
    throw new Error(`pki: openssl failed to ${what}: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/** True when the certificate exists and stays valid for at least another day. */
async function stillValid(cert: string): Promise<boolean> {
  if (!existsSync(cert)) return false;
  try {
    await execFileAsync('openssl', ['x509', '-in', cert, '-noout', '-checkend', '86400']);
    return true;
  } catch {
    return false;
  }
}

async function ecKey(path: string): Promise<void> {
  await openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path],
    `make key ${path}`,
  );
}

// openssl reads distinguished names and extensions from a config file; writing a minimal one keeps
// the system openssl.cnf (and its default extensions) out of the result.
function writeConfig(path: string, subject: Record<string, string>, extensions: string[]): void {
  const dn = Object.entries(subject).map(([k, v]) => `${k} = ${v}`);
  writeFileSync(
    path,
    [
      '[req]',
      'prompt = no',
      'distinguished_name = dn',
      'x509_extensions = ext',
      'req_extensions = ext',
      '',
      '[dn]',
      ...dn,
      '',
      '[ext]',
      ...extensions,
      '',
    ].join('\n'),
  );
}

/** Makes a CA unless a valid one exists; `isNew` tells whether its leaves must be signed again. */
async function makeCa(dir: string, name: string, commonName: string): Promise<CertPair & { isNew: boolean }> {
  const pair: CertPair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(pair.key) && (await stillValid(pair.cert))) return { ...pair, isNew: false };
  const cnf = join(dir, `${name}.cnf`);
  writeConfig(cnf, { CN: commonName }, [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
    'subjectKeyIdentifier = hash',
  ]);
  await ecKey(pair.key);
  await openssl(
    ['req', '-x509', '-new', '-key', pair.key, '-config', cnf, '-days', '3650', '-out', pair.cert],
    `make the CA ${name}`,
  );
  return { ...pair, isNew: true };
}

interface LeafSpec {
  name: string;
  commonName: string;
  organization?: string;
  usage: 'serverAuth' | 'clientAuth';
  altNames?: string[];
}

async function makeLeaf(dir: string, ca: CertPair, spec: LeafSpec, caIsNew: boolean): Promise<CertPair> {
  const pair: CertPair = { cert: join(dir, `${spec.name}.crt`), key: join(dir, `${spec.name}.key`) };
  if (!caIsNew && existsSync(pair.key) && (await stillValid(pair.cert))) return pair;
  const cnf = join(dir, `${spec.name}.cnf`);
  const subject: Record<string, string> = {};
  // Kubernetes maps O to groups and CN to the user name.
  if (spec.organization) subject.O = spec.organization;
  subject.CN = spec.commonName;
  const ext = [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${spec.usage}`,
  ];
  if (spec.altNames && spec.altNames.length > 0) ext.push(`subjectAltName = ${spec.altNames.join(', ')}`);
  writeConfig(cnf, subject, ext);
  const csr = join(dir, `${spec.name}.csr`);
  await ecKey(pair.key);
  await openssl(['req', '-new', '-key', pair.key, '-config', cnf, '-out', csr], `make a request for ${spec.name}`);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      '365',
      '-extfile',
      cnf,
      '-extensions',
      'ext',
      '-out',
      pair.cert,
    ],
    `sign the certificate for ${spec.name}`,
  );
  return pair;
}

/** Creates (or reuses) the CA, serving and client certificates and the service-account keys. */
export async function ensurePki(stateDir: string, opts: PkiOptions): Promise<ClusterPki> {
  const dir = join(stateDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const { isNew: caIsNew, ...ca } = await makeCa(dir, 'ca', 'roleplane-local-ca');

  const apiServerServing = await makeLeaf(
    dir,
    ca,
    {
      name: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'serverAuth',
      altNames: [
        'IP:127.0.0.1',
        'DNS:localhost',
        `IP:${opts.kubernetesServiceIp}`,
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
      ],
    },
    caIsNew,
  );
  const admin = await makeLeaf(
    dir,
    ca,
    {
      name: 'admin',
      commonName: 'roleplane-admin',
      organization: 'system:masters',
      usage: 'clientAuth',
    },
    caIsNew,
  );
  const controllerManager = await makeLeaf(
    dir,
    ca,
    {
      name: 'kube-controller-manager',
      commonName: 'system:kube-controller-manager',
      usage: 'clientAuth',
    },
    caIsNew,
  );
  const scheduler = await makeLeaf(
    dir,
    ca,
    {
      name: 'kube-scheduler',
      commonName: 'system:kube-scheduler',
      usage: 'clientAuth',
    },
    caIsNew,
  );
  // kwok plays the kubelet of every fake node and writes the status of any node and pod, so it
  // needs cluster-wide write access; on this local cluster that is system:masters.
  const kwok = await makeLeaf(
    dir,
    ca,
    {
      name: 'kwok',
      commonName: 'kwok-controller',
      organization: 'system:masters',
      usage: 'clientAuth',
    },
    caIsNew,
  );

  const { isNew: frontProxyCaIsNew, ...frontProxyCa } = await makeCa(dir, 'front-proxy-ca', 'roleplane-front-proxy-ca');
  const frontProxyClient = await makeLeaf(
    dir,
    frontProxyCa,
    {
      name: 'front-proxy-client',
      commonName: 'front-proxy-client',
      usage: 'clientAuth',
    },
    frontProxyCaIsNew,
  );

  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  if (!existsSync(serviceAccountKey) || !existsSync(serviceAccountPub)) {
    await openssl(
      ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', serviceAccountKey],
      'make the service-account signing key',
    );
    await openssl(
      ['pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub],
      'write the service-account public key',
    );
  }

  return {
    dir,
    ca,
    apiServerServing,
    admin,
    controllerManager,
    scheduler,
    kwok,
    frontProxyCa,
    frontProxyClient,
    serviceAccountKey,
    serviceAccountPub,
  };
}
