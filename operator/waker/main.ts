/**
 * `roleplane waker`: reads flags and the environment, builds the real KubeConfig, clock and logger, serves the page
 * on one port and /healthz, /readyz (another) and /metrics (a third), and stops on SIGTERM/SIGINT.
 */
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { systemClock } from '../clock.js';
import { startHealthServers } from '../health.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import { buildWakerApp } from './app.js';
import { type WakerFlags, wakerSettings } from './config.js';
import { clientNodeWakerKube } from './wake-namespace.js';

export interface WakerCommandOptions extends WakerFlags {
  readonly kubeconfig?: string;
  /** @default "0.0.0.0" (probes and the ingress controller reach the pod's address) */
  readonly host?: string;
}

export interface RunningWaker {
  readonly port: number;
  readonly healthPort: number;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

/** Starts the waker's servers; port 0 picks a free one (tests). */
export async function startWaker(opts: WakerCommandOptions): Promise<RunningWaker> {
  const settings = wakerSettings(opts, process.env);
  const log = pino({ level: settings.logLevel, base: { component: 'roleplane-waker' } });
  const kube = clientNodeWakerKube(loadKubeConfig(opts.kubeconfig));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = buildWakerApp({ kube, clock: systemClock, log, registry, options: settings });
  const host = opts.host ?? '0.0.0.0';
  await app.listen({ port: settings.port, host });
  const port = (app.server.address() as { port: number }).port;
  const health = await startHealthServers({
    healthPort: settings.healthPort,
    metricsPort: settings.metricsPort,
    host,
    isReady: () => true,
    registry,
  });
  log.info({ port, hosts: Object.fromEntries(settings.hosts), awakeForMs: settings.awakeForMs }, 'waker listening');
  return {
    port,
    healthPort: health.healthPort,
    metricsPort: health.metricsPort,
    stop: async () => {
      await Promise.all([app.close(), health.close()]);
    },
  };
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function runWaker(opts: WakerCommandOptions): Promise<number> {
  const waker = await startWaker(opts);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await waker.stop();
  return 0;
}
