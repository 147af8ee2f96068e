/**
 * The operator process's settings: the environment variables it reads (the operator chart imports these names, so
 * the manifests and the operator cannot drift apart) and the default of each setting, each written here once.
 * Pure: `operator/main.ts` is the only place that passes the real environment in.
 */

/** Environment variables the operator reads; a flag of the same meaning wins over each. */
export const OPERATOR_ENV = {
  /** Namespace of the leader-election Lease (the chart sets it to the pod's namespace). */
  namespace: 'OPERATOR_NAMESPACE',
  /** This replica's name in the Lease and in Events (the chart sets it to the pod's name). */
  podName: 'POD_NAME',
  /** pino log level. */
  logLevel: 'LOG_LEVEL',
} as const;

export const OPERATOR_DEFAULTS = {
  namespace: 'roleplane-system',
  /**
   * Prometheus `/metrics`. Not 8080, the search service's and the web server's port, so the operator and search
   * can run side by side on one machine; beside the health port, and clear of Prometheus (9090) and the node
   * exporter (9100).
   */
  metricsPort: 8082,
  /** `/healthz` and `/readyz`, for the kubelet's probes. */
  healthPort: 8081,
  /** Workload patches in flight at once within one namespace. */
  concurrency: 8,
  logLevel: 'info',
} as const;

/** The flags of `roleplane operator` that have an environment variable or a default. */
export interface OperatorFlags {
  readonly namespace?: string;
  readonly identity?: string;
  readonly metricsPort?: number;
  readonly healthPort?: number;
  readonly concurrency?: number;
  readonly logLevel?: string;
}

export interface OperatorSettings {
  readonly namespace: string;
  readonly identity: string;
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly concurrency: number;
  readonly logLevel: string;
}

/**
 * Flags over environment over defaults. `fallbackIdentity` names a replica run outside a pod (e.g. host-pid).
 * An empty environment variable counts as unset.
 */
export function operatorSettings(
  flags: OperatorFlags,
  env: Readonly<Record<string, string | undefined>>,
  fallbackIdentity: string,
): OperatorSettings {
  const fromEnv = (name: string) => (env[name] ? env[name] : undefined);
  return {
    namespace: flags.namespace ?? fromEnv(OPERATOR_ENV.namespace) ?? OPERATOR_DEFAULTS.namespace,
    identity: flags.identity ?? fromEnv(OPERATOR_ENV.podName) ?? fallbackIdentity,
    metricsPort: flags.metricsPort ?? OPERATOR_DEFAULTS.metricsPort,
    healthPort: flags.healthPort ?? OPERATOR_DEFAULTS.healthPort,
    concurrency: flags.concurrency ?? OPERATOR_DEFAULTS.concurrency,
    logLevel: flags.logLevel ?? fromEnv(OPERATOR_ENV.logLevel) ?? OPERATOR_DEFAULTS.logLevel,
  };
}
