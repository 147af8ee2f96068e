/**
 * The waker's settings: the environment variables it reads (the waker chart imports these names, so the manifests
 * and the process cannot drift apart), their defaults and their parsing. Pure: `main.ts` passes the environment in.
 */
import { parseDurationMs } from '../controller/namespace-state.js';

export const WAKER_ENV = {
  /** `host=namespace` pairs, comma separated: which namespace a request's Host header wakes. */
  hosts: 'WAKER_HOSTS',
  /** How long a page view keeps the namespace awake, e.g. `2h`. */
  awakeFor: 'WAKER_AWAKE_FOR',
  /** Seconds between two wake attempts for one namespace, whatever the traffic. */
  perNamespaceSeconds: 'WAKER_PER_NAMESPACE_SECONDS',
  /** Wake attempts (API reads and a patch) allowed at once across all namespaces, and refilled per minute. */
  burst: 'WAKER_BURST',
  perMinute: 'WAKER_PER_MINUTE',
  logLevel: 'LOG_LEVEL',
} as const;

export const WAKER_DEFAULTS = {
  /** The page's port; the operator's are 8081/8082 and search's 8080, so all run side by side on one machine. */
  port: 8090,
  /** `/healthz` and `/readyz` for the kubelet, on a port of their own so no site path can reach them. */
  healthPort: 8091,
  metricsPort: 8092,
  awakeFor: '2h',
  perNamespaceSeconds: 30,
  burst: 10,
  perMinute: 30,
  logLevel: 'info',
} as const;

export interface WakerFlags {
  readonly hosts?: string;
  readonly awakeFor?: string;
  readonly port?: number;
  readonly healthPort?: number;
  readonly metricsPort?: number;
  readonly perNamespaceSeconds?: number;
  readonly burst?: number;
  readonly perMinute?: number;
  readonly logLevel?: string;
}

export interface WakerSettings {
  /** Lower-case host name (no port) → namespace. */
  readonly hosts: ReadonlyMap<string, string>;
  readonly awakeForMs: number;
  readonly port: number;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly perNamespaceMs: number;
  readonly burst: number;
  readonly perMinute: number;
  readonly logLevel: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `a.example.com=dev,b.example.com=staging` → map; throws naming the bad pair. */
export function parseHosts(text: string, where: string): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [host, namespace, ...rest] = pair.split('=').map((p) => p.trim());
    if (host === undefined || namespace === undefined || rest.length > 0)
      throw new Error(`${where}: "${pair}" is not host=namespace`);
    const lower = host.toLowerCase();
    if (!HOST.test(lower)) throw new Error(`${where}: "${host}" is not a host name`);
    if (!DNS_LABEL.test(namespace)) throw new Error(`${where}: "${namespace}" is not a namespace name`);
    if (hosts.has(lower)) throw new Error(`${where}: host "${lower}" is listed twice`);
    hosts.set(lower, namespace);
  }
  if (hosts.size === 0) throw new Error(`${where}: no host=namespace pairs; the waker would wake nothing`);
  return hosts;
}

function positiveInt(value: string | number, where: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: must be a whole number >= 1 (got "${value}")`);
  return n;
}

/** Flags over environment over defaults; an empty variable counts as unset. Throws naming the bad setting. */
export function wakerSettings(flags: WakerFlags, env: Readonly<Record<string, string | undefined>>): WakerSettings {
  const fromEnv = (name: string) => (env[name] ? env[name] : undefined);
  const pick = <T>(
    flag: T | undefined,
    name: string,
    envName: string,
  ): { value: T | string; where: string } | undefined =>
    flag !== undefined
      ? { value: flag, where: `--${name}` }
      : fromEnv(envName) !== undefined
        ? { value: fromEnv(envName)!, where: envName }
        : undefined;

  const hosts = pick(flags.hosts, 'hosts', WAKER_ENV.hosts);
  if (!hosts) throw new Error(`no hosts: set --hosts or ${WAKER_ENV.hosts} (host=namespace, comma separated)`);
  const awakeFor = pick(flags.awakeFor, 'awake-for', WAKER_ENV.awakeFor) ?? {
    value: WAKER_DEFAULTS.awakeFor,
    where: 'default',
  };
  let awakeForMs: number;
  try {
    awakeForMs = parseDurationMs(String(awakeFor.value));
  } catch (err) {
    throw new Error(`${awakeFor.where}: ${(err as Error).message}`, { cause: err });
  }
  if (awakeForMs < 60_000) throw new Error(`${awakeFor.where}: must be at least 1m (got "${awakeFor.value}")`);
  const int = (flag: number | undefined, name: string, envName: string, fallback: number) => {
    const chosen = pick(flag, name, envName);
    return chosen ? positiveInt(chosen.value, chosen.where) : fallback;
  };
  return {
    hosts: parseHosts(String(hosts.value), hosts.where),
    awakeForMs,
    port: flags.port ?? WAKER_DEFAULTS.port,
    healthPort: flags.healthPort ?? WAKER_DEFAULTS.healthPort,
    metricsPort: flags.metricsPort ?? WAKER_DEFAULTS.metricsPort,
    perNamespaceMs:
      int(
        flags.perNamespaceSeconds,
        'per-namespace-seconds',
        WAKER_ENV.perNamespaceSeconds,
        WAKER_DEFAULTS.perNamespaceSeconds,
      ) * 1000,
    burst: int(flags.burst, 'burst', WAKER_ENV.burst, WAKER_DEFAULTS.burst),
    perMinute: int(flags.perMinute, 'per-minute', WAKER_ENV.perMinute, WAKER_DEFAULTS.perMinute),
    logLevel: flags.logLevel ?? fromEnv(WAKER_ENV.logLevel) ?? WAKER_DEFAULTS.logLevel,
  };
}
