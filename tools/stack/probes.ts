/**
 * The kubelet's probes, evaluated from outside: podman turns probes into systemd health checks (absent here), so
 * the runner asks each container's startup, readiness and liveness probes itself, as the kubelet would — an HTTP
 * GET of the pod's IP (200–399 passes), a TCP connect, or `podman exec` of the command (exit 0 passes).
 */
import { connect } from 'node:net';
import type { V1Probe } from '@kubernetes/client-node';
import { containerName, run } from './podman.js';
import type { PodPlan } from './pods.js';

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

function portNumber(port: number | string | undefined, plan: PodPlan, container: string): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = plan.pod.spec?.containers.find((c) => c.name === container)?.ports?.find((p) => p.name === port);
  if (!named)
    throw new Error(`pod ${plan.key} container ${container}: probe port ${String(port)} is not one of its ports`);
  return named.containerPort;
}

function tcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: ProbeOutcome): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `tcp ${host}:${port} timed out` }));
    socket.once('connect', () => done({ ok: true, detail: `tcp ${host}:${port} open` }));
    socket.once('error', (e) => done({ ok: false, detail: `tcp ${host}:${port}: ${e.message}` }));
  });
}

/** One attempt of a probe against a running pod. */
export async function probeOnce(probe: V1Probe, plan: PodPlan, container: string): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const port = portNumber(probe.httpGet.port, plan, container);
    const url = `${(probe.httpGet.scheme ?? 'HTTP').toLowerCase()}://${plan.ip}:${port}${probe.httpGet.path ?? '/'}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await response.arrayBuffer();
      return { ok: response.status >= 200 && response.status < 400, detail: `GET ${url} → ${response.status}` };
    } catch (error) {
      return { ok: false, detail: `GET ${url}: ${(error as Error).message}` };
    }
  }
  if (probe.tcpSocket) return tcp(plan.ip, portNumber(probe.tcpSocket.port, plan, container), timeoutMs);
  if (probe.exec?.command) {
    const result = await run('timeout', [
      String(Math.max(1, timeoutMs / 1000)),
      'podman',
      'exec',
      containerName(plan.name, container),
      ...probe.exec.command,
    ]);
    return { ok: result.status === 0, detail: `exec ${probe.exec.command.join(' ')} → ${result.status}` };
  }
  throw new Error(`pod ${plan.key} container ${container}: a probe with no httpGet, tcpSocket or exec`);
}

/**
 * Passes when every container's startup probe (if any), then readiness probe, then liveness probe passes once.
 * Returns what failed last when not.
 */
export async function podReady(plan: PodPlan): Promise<ProbeOutcome> {
  const details: string[] = [];
  for (const probes of plan.probes) {
    for (const probe of [probes.startup, probes.readiness, probes.liveness]) {
      if (!probe) continue;
      const outcome = await probeOnce(probe, plan, probes.container);
      if (!outcome.ok) return { ok: false, detail: `${probes.container}: ${outcome.detail}` };
      details.push(`${probes.container}: ${outcome.detail}`);
    }
  }
  return { ok: true, detail: details.join('; ') };
}
