/**
 * Runs an environment's synthesized pods as real containers (podman kube play, runc) on one podman network, from
 * the YAML files `roleplane synth` wrote. pods.ts converts what podman lacks, services.ts gives them Service names
 * and ports, probes.ts judges them ready. With a control plane, pods that automount their ServiceAccount token get
 * one from the API server (TokenRequest), its CA and namespace at the standard path, and reach it as in a cluster:
 * KUBERNETES_SERVICE_HOST is the `kubernetes` Service IP, which a DNAT rule in the pod's network namespace sends to
 * a forwarder on the network's gateway (the local API server listens on loopback only), as kube-proxy would.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { dirname, join, posix } from 'node:path';
import type { V1PodSpec } from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { podReady } from './probes.js';
import { containerName, podman, run } from './podman.js';
import { type KubeObject, type PodPlan, planPods, StackPlanError } from './pods.js';
import { routeServices, type ServiceRoutes } from './services.js';

export const STACK_NETWORK = 'roleplane-stack';
const SUBNET_PREFIX = '10.89.77';
const GATEWAY = `${SUBNET_PREFIX}.1`;
/** The `kubernetes` Service IP of the local control plane (tools/cluster: first address of 10.96.0.0/16). */
const KUBERNETES_SERVICE_IP = '10.96.0.1';

export interface StackControlPlane {
  readonly kubeconfigPath: string;
  /** Runs the control plane's kubectl with that kubeconfig; throws with stderr on failure. */
  readonly kubectl: (args: readonly string[], input?: string) => Promise<string>;
}

/** Files the index-build Job reads, put on its volume where its arguments say (`--catalog`, `--rules`, `--model`). */
export interface IndexInputs {
  readonly catalog: string;
  readonly rules: string;
  readonly modelDir: string;
}

export interface StackOptions {
  /** An environment's synthesized output, e.g. dist/prod. */
  readonly distDir: string;
  /** Where volumes, pod files and logs live; emptied first. */
  readonly stateDir: string;
  readonly indexInputs: IndexInputs;
  readonly controlPlane?: StackControlPlane;
  /** Secrets the manifests reference but leave to the user; generated when absent (the Valkey password). */
  readonly secrets?: Record<string, Record<string, string>>;
  /** Longest wait for one pod to pass its probes (a loaded 2-core machine loads an index slowly). */
  readonly readyTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface RunningPod {
  readonly plan: PodPlan;
  /** The loopback URL of a container port, e.g. `http://127.0.0.1:41234`. */
  url(containerPort: number): string;
}

export interface RunningStack {
  readonly pods: readonly RunningPod[];
  readonly routes: ServiceRoutes;
  readonly stateDir: string;
  /** Seconds from start to every pod ready, and the index Job's own. */
  readonly timings: { jobSeconds: number; readySeconds: number };
  pod(name: string): RunningPod;
  /** Probes a pod until it passes or the deadline, as after a restart. */
  waitReady(name: string, timeoutMs?: number): Promise<void>;
  /** Kills a container (SIGKILL) and keeps it down, as a crash before the kubelet restarts it. */
  stopContainer(pod: string, container: string): Promise<void>;
  /** Starts it again, with the pod's network rules. */
  startContainer(pod: string, container: string): Promise<void>;
  stop(): Promise<void>;
}

/** Every object of the environment's YAML files (not its CRDs), in apply order. */
export function readManifests(distDir: string): KubeObject[] {
  const files = readdirSync(distDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  if (files.length === 0) throw new StackPlanError(`${distDir} holds no YAML files (run \`npm run synth\` first)`);
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(distDir, file), 'utf8'))
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null && typeof o === 'object' && typeof o.kind === 'string'),
  );
}

/** A port nothing listens on at this moment (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function images(objects: readonly KubeObject[]): string[] {
  const found = new Set<string>();
  for (const o of objects) {
    if (!['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) continue;
    const spec = (o.spec as { template?: { spec?: V1PodSpec } } | undefined)?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) if (c.image) found.add(c.image);
  }
  return [...found].sort();
}

/** Every Secret key a container's env reads. */
function secretRefs(objects: readonly KubeObject[]): Array<{ namespace: string; name: string; key: string }> {
  const refs: Array<{ namespace: string; name: string; key: string }> = [];
  for (const o of objects) {
    const spec = (o.spec as { template?: { spec?: V1PodSpec } } | undefined)?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])])
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref?.name) refs.push({ namespace: o.metadata.namespace ?? 'default', name: ref.name, key: ref.key });
      }
  }
  return refs;
}

async function ensureNetwork(): Promise<void> {
  if ((await run('podman', ['network', 'exists', STACK_NETWORK])).status === 0) return;
  await podman(['network', 'create', '--subnet', `${SUBNET_PREFIX}.0/24`, '--gateway', GATEWAY, STACK_NETWORK]);
}

function materialize(plan: PodPlan): void {
  for (const entry of plan.hostPaths) {
    if (entry.type === 'dir') {
      mkdirSync(entry.path, { recursive: true });
      chownSync(entry.path, entry.uid, entry.gid);
      chmodSync(entry.path, entry.mode);
    } else {
      mkdirSync(dirname(entry.path), { recursive: true });
      writeFileSync(entry.path, entry.content, { mode: entry.mode });
    }
  }
}

/** Gives a PVC's files to the user the plan says owns it (fsGroup's OnRootMismatch change, done by hand). */
async function ownClaims(plan: PodPlan): Promise<void> {
  for (const entry of plan.hostPaths) {
    if (entry.type === 'dir' && entry.recursiveOwner) {
      const result = await run('chown', ['-R', `${entry.uid}:${entry.gid}`, entry.path]);
      if (result.status !== 0) throw new Error(`chown -R ${entry.path}: ${result.stderr}`);
    }
  }
}

/** Where a path inside a container lives on the host, through the container's volume mounts. */
function hostPathOf(plan: PodPlan, containerPath: string): string {
  const container = plan.pod.spec?.containers[0];
  const mounts = [...(container?.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const m of mounts) {
    const prefix = m.mountPath.endsWith('/') ? m.mountPath : `${m.mountPath}/`;
    if (containerPath !== m.mountPath && !containerPath.startsWith(prefix)) continue;
    const volume = plan.pod.spec?.volumes?.find((v) => v.name === m.name);
    if (!volume?.hostPath) break;
    return join(volume.hostPath.path, posix.relative(m.mountPath, containerPath));
  }
  throw new StackPlanError(`${plan.source}: ${containerPath} is on no volume, so nothing can be put there`);
}

function flag(args: readonly string[], name: string, where: string): string {
  const at = args.indexOf(name);
  const value = at >= 0 ? args[at + 1] : undefined;
  if (!value) throw new StackPlanError(`${where}: no ${name} in its arguments ${JSON.stringify(args)}`);
  return value;
}

/** Puts the catalog, rules and model where the index-build Job's arguments read them. */
function seedIndexJob(plan: PodPlan, inputs: IndexInputs): void {
  const args = plan.pod.spec?.containers[0]?.args ?? [];
  const put = (from: string, containerPath: string, dir: boolean): void => {
    const to = hostPathOf(plan, containerPath);
    mkdirSync(dir ? to : dirname(to), { recursive: true });
    if (dir) cpSync(from, to, { recursive: true });
    else copyFileSync(from, to);
  };
  put(inputs.catalog, flag(args, '--catalog', plan.source), false);
  put(inputs.rules, flag(args, '--rules', plan.source), false);
  put(inputs.modelDir, flag(args, '--model', plan.source), true);
}

/** A locally administered MAC made from the pod's IP (02:…), so it is the same on every start. */
function macFor(ip: string): string {
  const octets = ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return `02:52:${octets.join(':')}`;
}

async function netnsPid(pod: string): Promise<string> {
  const infra = (await podman(['pod', 'inspect', pod, '--format', '{{.InfraContainerID}}'])).trim();
  return (await podman(['inspect', '--format', '{{.State.Pid}}', infra])).trim();
}

async function iptables(pid: string, rule: readonly string[]): Promise<void> {
  const result = await run('nsenter', ['-t', pid, '-n', 'iptables', '-w', ...rule]);
  if (result.status !== 0)
    throw new Error(`iptables ${rule.join(' ')} in netns of pid ${pid}: ${result.stderr.trim()}`);
}

/** A TCP forwarder from the network's gateway to the loopback-only API server. */
function startForwarder(target: URL): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((client) => {
      const upstream = connect({ host: target.hostname, port: Number(target.port) });
      client.pipe(upstream).pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    server.once('error', reject);
    server.listen(0, GATEWAY, () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve({ server, port: address.port });
      else reject(new Error('forwarder has no address'));
    });
  });
}

async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<{ ok: boolean; detail: string }>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await check();
    if (outcome.ok) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s; last: ${outcome.detail}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** How long a container may keep restarting while its pod starts: a start-up race settles well within it. */
const CRASH_LOOP_GRACE_MS = 15_000;

/**
 * The pod's probes, but a container that keeps exiting fails before the deadline (a spec that cannot run, e.g. a
 * path the read-only root forbids, crashes at every start). podman restarts at once, without the kubelet's back-off,
 * so a few restarts are a start-up race the pod survives (Debian's nginx exporter exits while nginx is not up yet);
 * a container that has given up, or that is still restarting after the grace, cannot run.
 */
function readyOrCrashed(plan: PodPlan): () => Promise<{ ok: boolean; detail: string }> {
  const started = Date.now();
  const seen = new Map<string, number>();
  return async () => {
    const outcome = await podReady(plan);
    if (outcome.ok) return outcome;
    for (const c of plan.pod.spec?.containers ?? []) {
      const state = await run('podman', [
        'inspect',
        '--format',
        '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}',
        containerName(plan.name, c.name),
      ]);
      const [status, restartText, exitCode] = state.stdout.trim().split(' ');
      const restarts = Number(restartText);
      const before = seen.get(c.name);
      seen.set(c.name, restarts);
      // Between two restarts a container shows as exited too: only after the grace does either count.
      const down = (before !== undefined && restarts > before) || status === 'exited' || status === 'stopped';
      if (down && Date.now() - started > CRASH_LOOP_GRACE_MS)
        throw new Error(
          `${plan.source}: container ${c.name} ${status} with exit code ${exitCode} after ${restarts} restarts; it cannot run as synthesized`,
        );
    }
    return outcome;
  };
}

async function podLogs(plan: PodPlan): Promise<string> {
  const parts: string[] = [];
  for (const c of plan.pod.spec?.containers ?? []) {
    const result = await run('podman', ['logs', '--tail', '30', containerName(plan.name, c.name)]);
    parts.push(`--- ${c.name}:\n${result.stdout}${result.stderr}`);
  }
  return parts.join('\n');
}

async function removePods(names: readonly string[]): Promise<void> {
  for (const name of names) await run('podman', ['pod', 'rm', '-f', '-t', '0', name]);
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const objects = readManifests(options.distDir);
  const missing: string[] = [];
  for (const image of images(objects))
    if ((await run('podman', ['image', 'exists', image])).status !== 0) missing.push(image);
  if (missing.length > 0)
    throw new StackPlanError(
      `images missing: ${missing.join(', ')} (npm run image builds roleplane's, npm run stack:images the stand-ins)`,
    );

  rmSync(options.stateDir, { recursive: true, force: true });
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const secrets = { ...options.secrets };
  const valkeyPassword = randomBytes(18).toString('base64url');
  // Secrets the charts reference but never write (the user creates them, README), here made by the runner.
  for (const ref of secretRefs(objects)) {
    const key = `${ref.namespace}/${ref.name}`;
    secrets[key] = { [ref.key]: valkeyPassword, ...secrets[key] };
  }

  const ports: number[] = [];
  for (let i = 0; i < 64; i++) ports.push(await freePort());
  let nextPort = 0;
  const plans = planPods(objects, {
    stateDir: options.stateDir,
    ipFor: (i) => `${SUBNET_PREFIX}.${10 + i}`,
    hostPortFor: () => {
      const port = ports[nextPort++];
      if (port === undefined) throw new StackPlanError('more container ports than the 64 reserved');
      return port;
    },
    secrets,
    ...(options.controlPlane ? { kubernetesService: { host: KUBERNETES_SERVICE_IP, port: 443 } } : {}),
  });
  const routes = routeServices(objects, plans);
  await ensureNetwork();
  await removePods(plans.map((p) => p.name));

  let forwarder: { server: Server; port: number } | undefined;
  const running: string[] = [];
  const stop = async (): Promise<void> => {
    await removePods(running);
    forwarder?.server.close();
  };

  /**
   * The pod's Service port mappings and the route to the API server, in its network namespace. kube play gives a
   * pod the exit policy `stop`: when its only container stops, the pod's network namespace goes with it, and a new
   * one comes with the restart, so a restart applies them again (idempotent: `iptables -C` first).
   */
  const networkRules = (plan: PodPlan): string[][] => [
    ...routes.redirects
      .filter((x) => x.pod === plan.key)
      .map((r) => [
        'PREROUTING',
        '-p',
        'tcp',
        '--dport',
        String(r.port),
        '-j',
        'REDIRECT',
        '--to-ports',
        String(r.targetPort),
      ]),
    ...(plan.serviceAccount && forwarder
      ? [
          [
            'OUTPUT',
            '-p',
            'tcp',
            '-d',
            KUBERNETES_SERVICE_IP,
            '--dport',
            '443',
            '-j',
            'DNAT',
            '--to-destination',
            `${GATEWAY}:${forwarder.port}`,
          ],
        ]
      : []),
  ];
  const applyNetworkRules = async (plan: PodPlan): Promise<void> => {
    const pid = await netnsPid(plan.name);
    for (const rule of networkRules(plan)) {
      const present = await run('nsenter', ['-t', pid, '-n', 'iptables', '-w', '-t', 'nat', '-C', ...rule]);
      if (present.status !== 0) await iptables(pid, ['-t', 'nat', '-A', ...rule]);
    }
  };

  const play = async (plan: PodPlan): Promise<void> => {
    materialize(plan);
    const pod = structuredClone(plan.pod);
    const aliases = routes.aliases.get(plan.key) ?? [];
    if (pod.spec && aliases.length > 0) pod.spec.hostAliases = aliases;
    const file = join(options.stateDir, 'pods', `${plan.namespace}-${plan.name}.yaml`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, stringify(pod));
    // A fixed MAC with the fixed IP: a pod whose network namespace is made anew on a restart (exit policy `stop`,
    // below) keeps its address, so its peers' neighbour caches stay right instead of blackholing it for ~30 s.
    await podman(['kube', 'play', '--network', STACK_NETWORK, '--ip', plan.ip, '--mac-address', macFor(plan.ip), file]);
    running.push(plan.name);
    await applyNetworkRules(plan);
    log(`stack: ${plan.source} → pod ${plan.name} at ${plan.ip}`);
  };

  try {
    const jobStarted = Date.now();
    for (const plan of plans.filter((p) => p.runsToCompletion)) {
      materialize(plan);
      if (plan.pod.spec?.containers[0]?.args?.includes('--catalog')) seedIndexJob(plan, options.indexInputs);
      await ownClaims(plan);
      await play(plan);
      const container = containerName(plan.name, plan.pod.spec?.containers[0]?.name ?? '');
      const code = (await podman(['wait', container])).trim();
      if (code !== '0') throw new Error(`${plan.source} exited ${code}\n${await podLogs(plan)}`);
      log(`stack: ${plan.source} completed`);
      await removePods([plan.name]);
      running.splice(running.indexOf(plan.name), 1);
    }
    const jobSeconds = (Date.now() - jobStarted) / 1000;

    // Pods that talk to the API server go last: the forwarder binds the gateway, which exists once a pod runs.
    const serving = plans.filter((p) => !p.runsToCompletion);
    const ordered = [...serving.filter((p) => !p.serviceAccount), ...serving.filter((p) => p.serviceAccount)];
    for (const plan of ordered) {
      if (plan.serviceAccount && options.controlPlane) {
        const cp = options.controlPlane;
        const kubeconfig = parse(readFileSync(cp.kubeconfigPath, 'utf8')) as {
          clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
        };
        const cluster = kubeconfig.clusters[0]?.cluster;
        if (!cluster) throw new Error(`${cp.kubeconfigPath} names no cluster`);
        forwarder ??= await startForwarder(new URL(cluster.server));
        const token = (
          await cp.kubectl(['create', 'token', plan.serviceAccount.name, '-n', plan.namespace, '--duration=24h'])
        ).trim();
        mkdirSync(plan.serviceAccount.dir, { recursive: true });
        writeFileSync(join(plan.serviceAccount.dir, 'token'), token, { mode: 0o644 });
        writeFileSync(
          join(plan.serviceAccount.dir, 'ca.crt'),
          Buffer.from(cluster['certificate-authority-data'], 'base64'),
        );
        writeFileSync(join(plan.serviceAccount.dir, 'namespace'), plan.namespace);
      }
      await play(plan);
    }
    const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
    for (const plan of serving) {
      await waitUntil(`${plan.source}`, readyTimeoutMs, readyOrCrashed(plan)).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await podLogs(plan)}`);
      });
      log(`stack: ${plan.source} ready`);
    }
    const pods: RunningPod[] = serving.map((plan) => ({
      plan,
      url: (containerPort: number) => {
        const port = plan.hostPorts.find((p) => p.containerPort === containerPort);
        if (!port) throw new Error(`pod ${plan.key} publishes no container port ${containerPort}`);
        return `http://127.0.0.1:${port.hostPort}`;
      },
    }));
    const byName = (name: string): RunningPod => {
      const found = pods.find((p) => p.plan.name === name);
      if (!found) throw new Error(`no running pod ${name} (have ${pods.map((p) => p.plan.name).join(', ')})`);
      return found;
    };
    return {
      pods,
      routes,
      stateDir: options.stateDir,
      timings: { jobSeconds, readySeconds: (Date.now() - started) / 1000 },
      pod: byName,
      waitReady: (name, timeoutMs = readyTimeoutMs) => {
        const plan = byName(name).plan;
        return waitUntil(plan.source, timeoutMs, () => podReady(plan));
      },
      stopContainer: async (name, container) => {
        await podman(['stop', '-t', '0', containerName(byName(name).plan.name, container)]);
      },
      startContainer: async (name, container) => {
        const plan = byName(name).plan;
        await podman(['start', containerName(plan.name, container)]);
        await applyNetworkRules(plan);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
