/**
 * `roleplane operator`: the only place that reads flags and the environment, builds the real KubeConfig, clock,
 * logger and registry, starts the operator and stops it on SIGTERM/SIGINT.
 */
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HEALTH_PORT, METRICS_PORT } from './api/keys.js';
import { systemClock } from './clock.js';
import { startOperator } from './operator.js';

export interface OperatorCommandOptions {
  kubeconfig?: string;
  leaderElect?: boolean;
  namespace?: string;
  identity?: string;
  metricsPort?: number;
  healthPort?: number;
  concurrency?: number;
  logLevel?: string;
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function runOperator(opts: OperatorCommandOptions): Promise<number> {
  const log = pino({
    level: opts.logLevel ?? process.env.LOG_LEVEL ?? 'info',
    base: { component: 'roleplane-operator' },
  });
  const kubeConfig = new KubeConfig();
  if (opts.kubeconfig) kubeConfig.loadFromFile(opts.kubeconfig);
  else kubeConfig.loadFromDefault();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  let exit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const operator = await startOperator({
    kubeConfig,
    clock: systemClock,
    registry,
    log,
    options: {
      leaderElect: opts.leaderElect === true,
      namespace: opts.namespace ?? process.env.OPERATOR_NAMESPACE ?? 'roleplane-system',
      identity: opts.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`,
      healthPort: opts.healthPort ?? HEALTH_PORT,
      metricsPort: opts.metricsPort ?? METRICS_PORT,
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      // Exit and let the Deployment restart us clean: a lost lease means another replica may already act.
      onLostLeadership: () => exit(1),
    },
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing the write in flight');
    operator.stop().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err: String(err) }, 'stop failed');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const code = await exited;
  if (!stopping) await operator.stop().catch(() => undefined);
  return code;
}
