// A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, and kwok playing the kubelet for fake nodes.
//
// Every process is started detached with its log in <stateDir>/logs/<name>.log and its PID in
// <stateDir>/pids.json, so `roleplane cluster up` can return while the cluster keeps running and a
// later `roleplane cluster down` (another process) can stop it. State (etcd data, certificates,
// chosen ports) stays in stateDir, so `up` after `down` brings the same cluster back.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { KWOK_STAGES_FILE, missingFromBinDir } from './binaries.js';
import { describeProbe, probe, type ProbeResult } from './health.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ensurePki, type ClusterPki } from './pki.js';
import { freePorts } from './ports.js';
import {
  ComponentError,
  isRunning,
  readPidFile,
  spawnDetached,
  stopProcesses,
  writePidFile,
  type ProcessRecord,
  type StartedProcess,
} from './processes.js';

export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Annotation that marks a Node as one kwok manages (see nodes.ts). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

const SERVICE_CIDR = '10.96.0.0/16';
/** The first address of SERVICE_CIDR, which the apiserver gives the `kubernetes` Service. */
const KUBERNETES_SERVICE_IP = '10.96.0.1';
const POD_CIDR = '10.244.0.0/16';
const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const CLUSTER_NAME = 'roleplane';

export type Log = (message: string) => void;

export interface ControlPlaneOptions {
  stateDir: string;
  binDir: string;
  log: Log;
  /** How long to wait for each component to report healthy. */
  readyTimeoutMs?: number;
}

export interface ControlPlane {
  stateDir: string;
  kubeconfigPath: string;
  apiServerUrl: string;
  processes: ProcessRecord[];
  stop(): Promise<void>;
}

/** Ports of one cluster, kept in cluster.json so a restart reuses them. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/** `<stateDir>/cluster.json`: what status and a restart need to know about the cluster. */
export interface ClusterInfo {
  version: 1;
  apiServerUrl: string;
  ports: ClusterPorts;
  binDir: string;
}

/** Paths of the files a cluster keeps in its state directory. */
export function statePaths(stateDir: string): {
  pidFile: string;
  kubeconfig: string;
  logsDir: string;
  clusterInfo: string;
  etcdData: string;
  kubeconfigsDir: string;
} {
  return {
    pidFile: join(stateDir, 'pids.json'),
    kubeconfig: join(stateDir, 'kubeconfig'),
    logsDir: join(stateDir, 'logs'),
    clusterInfo: join(stateDir, 'cluster.json'),
    etcdData: join(stateDir, 'etcd'),
    kubeconfigsDir: join(stateDir, 'kubeconfigs'),
  };
}

export function readClusterInfo(stateDir: string): ClusterInfo | null {
  const path = statePaths(stateDir).clusterInfo;
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClusterInfo>;
    if (parsed.version !== 1 || typeof parsed.apiServerUrl !== 'string' || typeof parsed.ports !== 'object')
      return null;
    return parsed as ClusterInfo;
  } catch {
    return null;
  }
}

function writeClusterInfo(stateDir: string, info: ClusterInfo): void {
  const path = statePaths(stateDir).clusterInfo;
  writeFileSync(`${path}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it succeeds. Fails early, with the component's log, if its process dies,
 * and on timeout reports the last probe answer with the log.
 */
async function waitHealthy(
  started: StartedProcess,
  check: () => Promise<ProbeResult>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (started.exited !== null || !isRunning(started.record)) {
      const how = started.exited
        ? started.exited.signal
          ? `was killed by ${started.exited.signal}`
          : `exited with code ${started.exited.code}`
        : 'is no longer running';
      throw new ComponentError(started.record.name, `process ${how} before becoming healthy`, started.record.logFile);
    }
    const last = await check();
    if (last.ok) return;
    if (Date.now() >= deadline) {
      throw new ComponentError(
        started.record.name,
        `not healthy after ${Math.round(timeoutMs / 1000)} s (last probe: ${describeProbe(last)})`,
        started.record.logFile,
      );
    }
    await sleep(200);
  }
}

function componentArgs(
  name: ComponentName,
  stateDir: string,
  binDir: string,
  pki: ClusterPki,
  ports: ClusterPorts,
): string[] {
  const paths = statePaths(stateDir);
  const kubeconfigOf = (component: string): string => join(paths.kubeconfigsDir, `${component}.kubeconfig`);
  switch (name) {
    case 'etcd': {
      const peer = `http://127.0.0.1:${ports.etcdPeer}`;
      const client = `http://127.0.0.1:${ports.etcdClient}`;
      return [
        '--name=roleplane',
        `--data-dir=${paths.etcdData}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=roleplane=${peer}`,
        '--initial-cluster-state=new',
        // Loopback only and nothing else shares it, so plain HTTP is fine here; the apiserver is
        // etcd's only client.
        '--log-level=warn',
      ];
    }
    case 'kube-apiserver':
      return [
        `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiServer}`,
        `--cert-dir=${join(pki.dir, 'apiserver-generated')}`,
        `--tls-cert-file=${pki.apiServerServing.cert}`,
        `--tls-private-key-file=${pki.apiServerServing.key}`,
        `--client-ca-file=${pki.ca.cert}`,
        '--authorization-mode=Node,RBAC',
        // PodSecurity is on by default; NodeRestriction goes with the Node authorizer.
        '--enable-admission-plugins=NodeRestriction',
        // Privileged pods are allowed by the apiserver itself, so the namespaces' Pod Security
        // labels are what decides, as on a real cluster.
        '--allow-privileged=true',
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        // The apiserver listens on loopback, which is not a valid endpoint address: with the
        // default (lease) reconciler it refuses to start ("may not be in the loopback range").
        // With `none` it logs one harmless "Found stale data" error at every start.
        '--endpoint-reconciler-type=none',
        // Request-header authentication for aggregated APIs, as kubeadm sets it up; without it the
        // other components log errors about a missing requestheader CA all the time.
        `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
        `--proxy-client-key-file=${pki.frontProxyClient.key}`,
        '--profiling=false',
      ];
    case 'kube-controller-manager':
      return [
        `--kubeconfig=${kubeconfigOf(name)}`,
        `--authentication-kubeconfig=${kubeconfigOf(name)}`,
        `--authorization-kubeconfig=${kubeconfigOf(name)}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.controllerManager}`,
        '--controllers=*',
        // Each controller gets its own service account, so RBAC applies per controller.
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.ca.cert}`,
        `--cluster-signing-cert-file=${pki.ca.cert}`,
        `--cluster-signing-key-file=${pki.ca.key}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--cluster-name=${CLUSTER_NAME}`,
        // One instance: leader election would only delay a restart until the old lease expires.
        '--leader-elect=false',
        // With one service account per controller, the default 20 QPS makes start-up take seconds
        // of client-side throttling; a local apiserver has room for more.
        '--kube-api-qps=100',
        '--kube-api-burst=200',
        '--profiling=false',
      ];
    case 'kube-scheduler':
      return [
        `--kubeconfig=${kubeconfigOf(name)}`,
        `--authentication-kubeconfig=${kubeconfigOf(name)}`,
        `--authorization-kubeconfig=${kubeconfigOf(name)}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.scheduler}`,
        '--leader-elect=false',
        '--profiling=false',
      ];
    case 'kwok':
      return [
        `--kubeconfig=${kubeconfigOf(name)}`,
        // Only nodes that nodes.ts marks, so a real node joined by hand is left alone.
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
        // kwok has no built-in stages; these make nodes Ready (with leases) and pods Running.
        `--config=${join(binDir, KWOK_STAGES_FILE)}`,
        '--node-lease-duration-seconds=40',
        `--cidr=${POD_CIDR}`,
        `--server-address=127.0.0.1:${ports.kwok}`,
      ];
  }
}

function healthCheck(
  name: ComponentName,
  pki: Pick<ClusterPki, 'ca' | 'admin'>,
  ports: ClusterPorts,
): () => Promise<ProbeResult> {
  switch (name) {
    case 'etcd':
      return () => probe(`http://127.0.0.1:${ports.etcdClient}/health`);
    case 'kube-apiserver':
      return () =>
        probe(`https://127.0.0.1:${ports.apiServer}/readyz`, {
          tls: { caFile: pki.ca.cert, certFile: pki.admin.cert, keyFile: pki.admin.key },
        });
    // Both serve a self-signed certificate made in memory at start; only the answer matters.
    case 'kube-controller-manager':
      return () => probe(`https://127.0.0.1:${ports.controllerManager}/healthz`, { insecure: true });
    case 'kube-scheduler':
      return () => probe(`https://127.0.0.1:${ports.scheduler}/healthz`, { insecure: true });
    case 'kwok':
      return () => probe(`http://127.0.0.1:${ports.kwok}/healthz`);
  }
}

/**
 * Starts the control plane and returns once every component is healthy. On any failure the
 * components already started are stopped again and the error names the component with its log.
 */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const { stateDir, binDir, log } = opts;
  const timeoutMs = opts.readyTimeoutMs ?? 120_000;
  const paths = statePaths(stateDir);

  const missing = missingFromBinDir(binDir);
  if (missing.length > 0)
    throw new Error(`control plane: ${binDir} lacks ${missing.join(', ')} (run npm run cluster:build)`);

  mkdirSync(paths.logsDir, { recursive: true });
  mkdirSync(paths.kubeconfigsDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.etcdData, { recursive: true, mode: 0o700 });

  const already = readPidFile(paths.pidFile).processes.filter(isRunning);
  if (already.length > 0) {
    throw new Error(
      `control plane: ${stateDir} already has running components: ` +
        `${already.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}; stop them first`,
    );
  }

  const previous = readClusterInfo(stateDir);
  const p = previous?.ports;
  const [etcdClient, etcdPeer, apiServer, controllerManager, scheduler, kwok] = (await freePorts(6, [
    p?.etcdClient,
    p?.etcdPeer,
    p?.apiServer,
    p?.controllerManager,
    p?.scheduler,
    p?.kwok,
  ])) as [number, number, number, number, number, number];
  const ports: ClusterPorts = { etcdClient, etcdPeer, apiServer, controllerManager, scheduler, kwok };
  const apiServerUrl = `https://127.0.0.1:${ports.apiServer}`;
  writeClusterInfo(stateDir, { version: 1, apiServerUrl, ports, binDir });

  const pki = await ensurePki(stateDir, { kubernetesServiceIp: KUBERNETES_SERVICE_IP });
  const kubeconfigOf = (component: string): string => join(paths.kubeconfigsDir, `${component}.kubeconfig`);
  const common = { server: apiServerUrl, caFile: pki.ca.cert, clusterName: CLUSTER_NAME };
  writeKubeconfig(kubeconfigOf('kube-controller-manager'), {
    ...common,
    client: pki.controllerManager,
    user: 'kube-controller-manager',
  });
  writeKubeconfig(kubeconfigOf('kube-scheduler'), { ...common, client: pki.scheduler, user: 'kube-scheduler' });
  writeKubeconfig(kubeconfigOf('kwok'), { ...common, client: pki.kwok, user: 'kwok-controller' });

  const started: StartedProcess[] = [];
  const record = (): void => writePidFile(paths.pidFile, { version: 1, processes: started.map((s) => s.record) });

  const start = (name: ComponentName): StartedProcess => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Components must use only the files we give them, never a user's KUBECONFIG.
    delete env.KUBECONFIG;
    // kwok always also loads ~/.kwok/kwok.yaml; a private HOME keeps a user's kwok setup out.
    if (name === 'kwok') {
      env.HOME = join(stateDir, 'kwok-home');
      mkdirSync(env.HOME, { recursive: true });
    }
    const s = spawnDetached({
      name,
      binary: join(binDir, name),
      args: componentArgs(name, stateDir, binDir, pki, ports),
      logFile: join(paths.logsDir, `${name}.log`),
      env,
      cwd: stateDir,
    });
    started.push(s);
    record();
    return s;
  };

  const stop = async (): Promise<void> => {
    await stopControlPlane(stateDir, { log });
  };

  const begin = Date.now();
  const since = (): string => `${((Date.now() - begin) / 1000).toFixed(1)} s`;
  try {
    const etcd = start('etcd');
    await waitHealthy(etcd, healthCheck('etcd', pki, ports), timeoutMs);
    log(`etcd healthy on 127.0.0.1:${ports.etcdClient} (${since()})`);

    const apiserver = start('kube-apiserver');
    await waitHealthy(apiserver, healthCheck('kube-apiserver', pki, ports), timeoutMs);
    log(`kube-apiserver ready at ${apiServerUrl} (${since()})`);

    // The admin kubeconfig appears only once the apiserver answers, so its presence means usable.
    writeKubeconfig(paths.kubeconfig, { ...common, client: pki.admin, user: 'roleplane-admin' });

    const rest: ComponentName[] = ['kube-controller-manager', 'kube-scheduler', 'kwok'];
    const procs = rest.map((name) => ({ name, proc: start(name) }));
    await Promise.all(
      procs.map(async ({ name, proc }) => {
        await waitHealthy(proc, healthCheck(name, pki, ports), timeoutMs);
        log(`${name} healthy (${since()})`);
      }),
    );

    // Healthy is not yet working: until the service-account controller has made the `default`
    // ServiceAccount, every pod create fails. Wait for it so `up` means "pods can be created".
    const kcm = procs.find((p) => p.name === 'kube-controller-manager');
    if (kcm) {
      await waitHealthy(
        kcm.proc,
        () =>
          probe(`${apiServerUrl}/api/v1/namespaces/default/serviceaccounts/default`, {
            tls: { caFile: pki.ca.cert, certFile: pki.admin.cert, keyFile: pki.admin.key },
          }),
        timeoutMs,
      );
      log(`controllers working: default ServiceAccount exists (${since()})`);
    }
  } catch (err) {
    log(`start failed; stopping what was started`);
    try {
      await stopControlPlane(stateDir, { log });
    } catch (stopErr) {
      log(`while cleaning up: ${(stopErr as Error).message}`);
    }
    throw err;
  }

  return { stateDir, kubeconfigPath: paths.kubeconfig, apiServerUrl, processes: started.map((s) => s.record), stop };
}

/**
 * Stops a control plane from its PID file: kwok and the controllers first (they depend on the
 * apiserver), then the apiserver, then etcd, each with SIGTERM and SIGKILL after `timeoutMs`.
 * Returns the names of the components that were running.
 */
export async function stopControlPlane(stateDir: string, opts: { log: Log; timeoutMs?: number }): Promise<string[]> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const pidFile = statePaths(stateDir).pidFile;
  const records = readPidFile(pidFile).processes;
  const running = records.filter(isRunning);
  const byName = (names: readonly string[]): ProcessRecord[] => running.filter((r) => names.includes(r.name));
  const waves: ProcessRecord[][] = [
    byName(['kwok', 'kube-scheduler', 'kube-controller-manager']),
    byName(['kube-apiserver']),
    byName(['etcd']),
    // Anything recorded under another name (an older layout) goes last.
    running.filter((r) => !(COMPONENTS as readonly string[]).includes(r.name)),
  ];
  for (const wave of waves) {
    if (wave.length === 0) continue;
    const killed = await stopProcesses(wave, timeoutMs);
    for (const r of wave) {
      opts.log(
        `stopped ${r.name} (pid ${r.pid})${killed.includes(r.name) ? ' with SIGKILL after SIGTERM timed out' : ''}`,
      );
    }
  }
  if (existsSync(pidFile)) writePidFile(pidFile, { version: 1, processes: [] });
  return running.map((r) => r.name);
}

export interface ComponentStatus {
  name: ComponentName;
  pid: number | null;
  running: boolean;
  /** Answer of the component's health endpoint (/readyz for the apiserver), or null if not probed. */
  health: string | null;
  healthy: boolean;
  logFile: string;
}

export interface ControlPlaneStatus {
  stateDir: string;
  kubeconfigPath: string | null;
  apiServerUrl: string | null;
  components: ComponentStatus[];
  /** True when every component runs and answers its health check. */
  ready: boolean;
}

/** Which components run, and what their health endpoints answer. */
export async function controlPlaneStatus(stateDir: string): Promise<ControlPlaneStatus> {
  const paths = statePaths(stateDir);
  const info = readClusterInfo(stateDir);
  const records = readPidFile(paths.pidFile).processes;
  const pkiDir = join(stateDir, 'pki');
  const pki: Pick<ClusterPki, 'ca' | 'admin'> = {
    ca: { cert: join(pkiDir, 'ca.crt'), key: join(pkiDir, 'ca.key') },
    admin: { cert: join(pkiDir, 'admin.crt'), key: join(pkiDir, 'admin.key') },
  };
  const components = await Promise.all(
    COMPONENTS.map(async (name): Promise<ComponentStatus> => {
      const rec = records.find((r) => r.name === name);
      const running = rec !== undefined && isRunning(rec);
      let health: string | null = null;
      let healthy = false;
      if (running && info !== null && existsSync(pki.ca.cert)) {
        const result = await healthCheck(name, pki, info.ports)();
        health = describeProbe(result);
        healthy = result.ok;
      }
      return {
        name,
        pid: running && rec ? rec.pid : null,
        running,
        health,
        healthy,
        logFile: join(paths.logsDir, `${name}.log`),
      };
    }),
  );
  return {
    stateDir,
    kubeconfigPath: existsSync(paths.kubeconfig) ? paths.kubeconfig : null,
    apiServerUrl: info?.apiServerUrl ?? null,
    components,
    ready: components.every((c) => c.healthy),
  };
}
