/**
 * kube-downscaler's cluster-wide settings, read off its Deployment's container: command-line flags first, then the
 * environment variables py-kube-downscaler reads as their defaults (`--default-uptime` over `DEFAULT_UPTIME` over
 * `always`), as its argparse set-up does. Pure: takes the Deployment as the API returns it.
 */

/** A setting the migration maps, with where its value came from (named in every message about it). */
export interface Setting {
  readonly value: string;
  /** `--default-uptime`, `env DEFAULT_UPTIME` or `kube-downscaler's default`. */
  readonly origin: string;
}

export interface DownscalerSettings {
  /** What was read, for the output's header: `Deployment kube-downscaler/kube-downscaler` or the defaults. */
  readonly source: string;
  readonly defaultUptime: Setting;
  readonly defaultDowntime: Setting;
  readonly upscalePeriod: Setting;
  readonly downscalePeriod: Setting;
  readonly downtimeReplicas: Setting;
  readonly gracePeriodSeconds: Setting;
  /** Comma list of regular expressions a whole namespace name must match to be left alone. */
  readonly excludeNamespaces: Setting;
  /** Comma list of workload names (any kind) left alone. */
  readonly excludeNames: Setting;
  /** Comma list of resource kinds (plural, lower case) it scales. */
  readonly includeResources: Setting;
  /** Constrained mode: only these namespaces (comma list); empty means every namespace. */
  readonly namespaces: Setting;
  readonly matchingLabels: Setting;
  /** Zone for timespans that name none (`Mon-Fri 08:00-20:00`), when set. */
  readonly defaultTimeZone?: Setting;
  /** Days for timespans that name none (`08:00-20:00 Europe/Paris`), when set. */
  readonly defaultWeekframe?: Setting;
  /** Flags and variables that have no counterpart in a PowerSchedule, as `--name[=value]`. */
  readonly otherFlags: readonly Setting[];
  /** Values that could not be read (an env var from a ConfigMap or Secret), each with why. */
  readonly unreadable: readonly string[];
}

interface Known {
  readonly key: keyof Omit<DownscalerSettings, 'source' | 'otherFlags' | 'unreadable'>;
  readonly flag?: string;
  readonly env: string;
  readonly fallback?: string;
}

/** py-kube-downscaler's flags and variables (kube_downscaler/cmd.py) and their defaults. */
const KNOWN: readonly Known[] = [
  { key: 'defaultUptime', flag: '--default-uptime', env: 'DEFAULT_UPTIME', fallback: 'always' },
  { key: 'defaultDowntime', flag: '--default-downtime', env: 'DEFAULT_DOWNTIME', fallback: 'never' },
  { key: 'upscalePeriod', flag: '--upscale-period', env: 'UPSCALE_PERIOD', fallback: 'never' },
  { key: 'downscalePeriod', flag: '--downscale-period', env: 'DOWNSCALE_PERIOD', fallback: 'never' },
  { key: 'downtimeReplicas', flag: '--downtime-replicas', env: 'DOWNTIME_REPLICAS', fallback: '0' },
  { key: 'gracePeriodSeconds', flag: '--grace-period', env: 'GRACE_PERIOD', fallback: '900' },
  { key: 'excludeNamespaces', flag: '--exclude-namespaces', env: 'EXCLUDE_NAMESPACES', fallback: 'kube-system' },
  {
    key: 'excludeNames',
    flag: '--exclude-deployments',
    env: 'EXCLUDE_DEPLOYMENTS',
    fallback: 'py-kube-downscaler,kube-downscaler,downscaler',
  },
  { key: 'includeResources', flag: '--include-resources', env: 'INCLUDE_RESOURCES', fallback: 'deployments' },
  { key: 'namespaces', flag: '--namespace', env: 'NAMESPACE', fallback: '' },
  { key: 'matchingLabels', flag: '--matching-labels', env: 'MATCHING_LABELS', fallback: '' },
  { key: 'defaultTimeZone', env: 'DEFAULT_TIMEZONE' },
  { key: 'defaultWeekframe', env: 'DEFAULT_WEEKFRAME' },
];

/** Flags that take no value (argparse `store_true`). */
const SWITCHES = new Set([
  '--dry-run',
  '--debug',
  '-d',
  '--once',
  '--upscale-target-only',
  '--enable-events',
  '--json-logs',
]);

/** Other variables py-kube-downscaler reads; they become `otherFlags` when set. */
const OTHER_ENV: Readonly<Record<string, string>> = {
  API_SERVER_TIMEOUT: '--api-server-timeout',
  MAX_RETRIES_ON_CONFLICT: '--max-retries-on-conflict',
  QPS: '--qps',
  BURST: '--burst',
  ADMISSION_CONTROLLER: '--admission-controller',
};

export const KUBE_DOWNSCALER_DEFAULTS_SOURCE = "kube-downscaler's defaults (no kube-downscaler Deployment found)";

/** A container as the API returns it, cut to what is read here. */
export interface ContainerShape {
  readonly name?: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: ReadonlyArray<{ readonly name: string; readonly value?: string; readonly valueFrom?: object }>;
}

export interface DeploymentShape {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: { readonly template?: { readonly spec?: { readonly containers?: readonly ContainerShape[] } } };
}

/** Whether a Deployment runs kube-downscaler: by its image, or by one of the names its charts give it. */
export function isKubeDownscaler(deployment: DeploymentShape): boolean {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  if (containers.some((c) => /downscaler/i.test(c.image ?? ''))) return true;
  return ['kube-downscaler', 'py-kube-downscaler'].includes(deployment.metadata?.name ?? '');
}

/** Splits `--flag=value` and `--flag value` pairs; a switch takes no value. */
function parseFlags(tokens: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.startsWith('-')) continue;
    const eq = token.indexOf('=');
    if (eq > 0) {
      flags.set(token.slice(0, eq), token.slice(eq + 1));
    } else if (SWITCHES.has(token)) {
      flags.set(token, '');
    } else {
      const next = tokens[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags.set(token, next);
        i++;
      } else {
        flags.set(token, '');
      }
    }
  }
  return flags;
}

/** The settings of one kube-downscaler Deployment, or kube-downscaler's own defaults when there is none. */
export function readDownscalerSettings(deployment: DeploymentShape | undefined): DownscalerSettings {
  const containers = deployment?.spec?.template?.spec?.containers ?? [];
  const container = containers.find((c) => /downscaler/i.test(c.image ?? '')) ?? containers[0];
  const flags = parseFlags([...(container?.command ?? []), ...(container?.args ?? [])]);
  const env = new Map<string, string>();
  const unreadable: string[] = [];
  for (const variable of container?.env ?? []) {
    if (variable.value !== undefined) env.set(variable.name, variable.value);
    else if (variable.valueFrom !== undefined)
      unreadable.push(
        `env ${variable.name} comes from ${Object.keys(variable.valueFrom).join(', ')}, which this migration does not read; set it as a literal value or a flag and run again`,
      );
  }

  const settings: Record<string, Setting> = {};
  const used = new Set<string>();
  for (const known of KNOWN) {
    const fromFlag = known.flag !== undefined ? flags.get(known.flag) : undefined;
    if (known.flag !== undefined) used.add(known.flag);
    const fromEnv = env.get(known.env);
    if (fromFlag !== undefined) settings[known.key] = { value: fromFlag, origin: known.flag! };
    else if (fromEnv !== undefined) settings[known.key] = { value: fromEnv, origin: `env ${known.env}` };
    else if (known.fallback !== undefined)
      settings[known.key] = { value: known.fallback, origin: `kube-downscaler's default for ${known.flag}` };
  }
  const otherFlags: Setting[] = [];
  for (const [flag, value] of flags) {
    if (!used.has(flag)) otherFlags.push({ value, origin: value === '' ? flag : `${flag}=${value}` });
  }
  for (const [variable, flag] of Object.entries(OTHER_ENV)) {
    const value = env.get(variable);
    if (value !== undefined && !flags.has(flag))
      otherFlags.push({ value, origin: `${flag}=${value} (env ${variable})` });
  }
  const name = deployment?.metadata?.name;
  return {
    source:
      deployment === undefined
        ? KUBE_DOWNSCALER_DEFAULTS_SOURCE
        : `Deployment ${deployment.metadata?.namespace}/${name}`,
    ...(settings as unknown as Omit<DownscalerSettings, 'source' | 'otherFlags' | 'unreadable'>),
    otherFlags,
    unreadable,
  };
}
