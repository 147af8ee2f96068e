/**
 * `roleplane operator`: the only place that reads flags and the environment, builds the real KubeConfig, clock,
 * logger and registry, starts the operator and stops it on SIGTERM/SIGINT.
 */
import { hostname } from 'node:os';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { systemClock } from './clock.js';
import { type OperatorFlags, operatorSettings } from './config.js';
import { loadKubeConfig } from './kube/kubeconfig.js';
import { startOperator } from './operator.js';

export interface OperatorCommandOptions extends OperatorFlags {
  kubeconfig?: string;
  leaderElect?: boolean;
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function runOperator(opts: OperatorCommandOptions): Promise<number> {
  const settings = operatorSettings(opts, process.env, `${hostname()}-${process.pid}`);
  const log = pino({ level: settings.logLevel, base: { component: 'roleplane-operator' } });
  const kubeConfig = loadKubeConfig(opts.kubeconfig);
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
      namespace: settings.namespace,
      identity: settings.identity,
      healthPort: settings.healthPort,
      metricsPort: settings.metricsPort,
      concurrency: settings.concurrency,
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
        log.error({ err }, 'stop failed');
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
