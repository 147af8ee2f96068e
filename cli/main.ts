import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { OPERATOR_DEFAULTS, OPERATOR_ENV } from '../operator/config.js';
import type { OperatorCommandOptions } from '../operator/main.js';
import { WAKER_DEFAULTS, WAKER_ENV } from '../operator/waker/config.js';
import type { WakerCommandOptions } from '../operator/waker/main.js';
import {
  SEARCH_SETTINGS,
  type SearchFlags,
  type SearchSetting,
  type SearchSettingName,
} from '../workloads/search/service/config.js';
import type { SuggestionsAction } from '../workloads/search/service/suggestions-command.js';

// Each command imports its component when it runs, not before: `roleplane --help` stays fast, and the runtime image
// (the operator and search only) works without the synth and local-cluster code that it leaves out.

/** `roleplane search index` flags, as commander parses them. */
interface SearchIndexFlags {
  catalog: string;
  rules: string;
  out: string;
  model?: string;
  embeddings?: string;
  batchSize?: number;
}

/** The package's version, as `roleplane --version` prints it. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** A bad values file (exit 2), told apart from other failures without loading the charts to know its class. */
function isValuesError(err: unknown): err is Error {
  return err instanceof Error && (err.name === 'ValuesError' || err.name === 'PriceTableError');
}

/**
 * Imports a component for its command. A component left out of this installation (the runtime image has no synth or
 * local cluster) fails with a sentence saying so rather than a module-resolution stack trace.
 */
async function component<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(
        `\`roleplane ${command}\` is not part of this installation (the runtime image carries the operator and search only); run it from a checkout of roleplane`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The `roleplane` command line; each component adds its subcommands here. */
export function buildProgram(): Command {
  const program = new Command('roleplane')
    .description(
      'One dedicated node pool per server role on Kubernetes: manifests, a power-schedule operator and product search.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('synth')
    .description('synthesize the manifests of each environment into <out>/<env>/')
    .option('-e, --env <name...>', 'environments to synthesize (prod, staging, dev)', [])
    .option(
      '-f, --values <file>',
      'YAML values file merged over the defaults (sections: all, prod, staging, dev); also $ROLEPLANE_VALUES',
    )
    .option('-o, --out <dir>', 'output directory', 'dist')
    .action(async (opts: { env: string[]; values?: string; out: string }) => {
      const { parseEnvironments, synth } = await component('synth', () => import('./synth.js'));
      const written = synth({
        environments: parseEnvironments(opts.env),
        outDir: opts.out,
        ...(opts.values ? { valuesFile: opts.values } : {}),
      });
      for (const dir of written) process.stdout.write(`wrote ${dir}/\n`);
    });

  program
    .command('diff <envA> <envB>')
    .description(
      "every difference between two environments' manifests once names, namespaces, pools, sizes, replica counts and the power schedule are set aside",
    )
    .option('-f, --values <file>', 'YAML values file merged over both environments (also $ROLEPLANE_VALUES)')
    .option('--expected', 'also list each place where an expected difference was set aside')
    .action(async (a: string, b: string, opts: { values?: string; expected?: boolean }) => {
      const { runDiffCommand } = await component('diff', () => import('./diff-command.js'));
      const { VALUES_FILE_ENV } = await component('diff', () => import('../charts/values/load.js'));
      const valuesFile = opts.values ?? process.env[VALUES_FILE_ENV];
      emit(runDiffCommand({ a, b, showExpected: opts.expected === true, ...(valuesFile ? { valuesFile } : {}) }));
    });

  program
    .command('cost')
    .description(
      'nodes and price per pool from the NodePools and PowerSchedules: always on, with the schedules, and the IPv4 charge IPv6 avoids',
    )
    .option('-e, --env <name...>', "environments whose pods are costed (default: all; the pools are always prod's)", [])
    .option('-f, --values <file>', 'YAML values file merged over the defaults (also $ROLEPLANE_VALUES)')
    .option('--prices <file>', 'price table (JSON, the shape of cli/cost/price-table.json) instead of the built-in one')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { env: string[]; values?: string; prices?: string; output: string }) => {
      const { runCostCommand } = await component('cost', () => import('./cost-command.js'));
      const { VALUES_FILE_ENV } = await component('cost', () => import('../charts/values/load.js'));
      const valuesFile = opts.values ?? process.env[VALUES_FILE_ENV];
      emit(
        runCostCommand({
          environments: opts.env,
          output: opts.output,
          ...(valuesFile ? { valuesFile } : {}),
          ...(opts.prices ? { pricesFile: opts.prices } : {}),
        }),
      );
    });

  program
    .command('diagram')
    .description(
      "draw the stack from the synthesized manifests: pools with their workloads, the flows the NetworkPolicies allow, the edge, each PowerSchedule's week",
    )
    .option('-e, --env <name...>', 'environments drawn together (default: all, the whole cluster)', [])
    .option('-f, --values <file>', 'YAML values file merged over the defaults (also $ROLEPLANE_VALUES)')
    .option(
      '-o, --out <file>',
      'write f.svg, f.html or f.mmd (the format follows the extension); default Mermaid on stdout',
    )
    .action(async (opts: { env: string[]; values?: string; out?: string }) => {
      const { runDiagramCommand } = await component('diagram', () => import('./diagram-command.js'));
      const { VALUES_FILE_ENV } = await component('diagram', () => import('../charts/values/load.js'));
      const valuesFile = opts.values ?? process.env[VALUES_FILE_ENV];
      emit(
        runDiagramCommand({
          environments: opts.env,
          ...(valuesFile ? { valuesFile } : {}),
          ...(opts.out ? { out: opts.out } : {}),
        }),
      );
    });

  program
    .command('preflight')
    .description(
      'check a cluster for what the manifests need (CRDs and versions, storage classes, ingress, metrics API, Secrets, permission to apply); exit 1 on a failure',
    )
    .option('--kubeconfig <path>', 'kubeconfig (default: $KUBECONFIG, then ~/.kube/config)')
    .option('-e, --env <name...>', 'environments to be applied (default: all)', [])
    .option('-f, --values <file>', 'YAML values file merged over the defaults (also $ROLEPLANE_VALUES)')
    .action(async (opts: { kubeconfig?: string; env: string[]; values?: string }) => {
      const { runPreflightCommand } = await component('preflight', () => import('./preflight-command.js'));
      const { VALUES_FILE_ENV } = await component('preflight', () => import('../charts/values/load.js'));
      const valuesFile = opts.values ?? process.env[VALUES_FILE_ENV];
      const { stdout, stderr, exitCode } = await runPreflightCommand({
        environments: opts.env,
        ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
        ...(valuesFile ? { valuesFile } : {}),
      });
      emit({ stdout, stderr, exitCode });
    });

  const cluster = program
    .command('cluster')
    .description(
      'a local Kubernetes control plane (etcd, apiserver, controller-manager, scheduler, kwok nodes per pool)',
    );
  cluster
    .command('up')
    .description('build (once) and start the local cluster; the last line printed is KUBECONFIG=<path>')
    .option('-d, --dir <dir>', 'state directory (default: ~/.cache/roleplane/cluster)')
    .option('-f, --values <file>', 'values file whose pools become fake nodes (also $ROLEPLANE_VALUES)')
    .action(async (opts: { dir?: string; values?: string }) => {
      const { clusterUp } = await component('cluster up', () => import('../tools/cluster/cli.js'));
      const { VALUES_FILE_ENV } = await component('cluster up', () => import('../charts/values/load.js'));
      const valuesFile = opts.values ?? process.env[VALUES_FILE_ENV];
      await clusterUp({ ...(opts.dir ? { dir: opts.dir } : {}), ...(valuesFile ? { valuesFile } : {}) });
    });
  cluster
    .command('down')
    .description('stop the local cluster (its state is kept unless --purge)')
    .option('-d, --dir <dir>', 'state directory (default: ~/.cache/roleplane/cluster)')
    .option('--purge', 'also delete the state directory')
    .action(async (opts: { dir?: string; purge?: boolean }) => {
      const { clusterDown } = await component('cluster down', () => import('../tools/cluster/cli.js'));
      await clusterDown({ ...(opts.dir ? { dir: opts.dir } : {}), purge: opts.purge === true });
    });
  cluster
    .command('status')
    .description('say which components run and whether they are healthy')
    .option('-d, --dir <dir>', 'state directory (default: ~/.cache/roleplane/cluster)')
    .action(async (opts: { dir?: string }) => {
      const { clusterStatus } = await component('cluster status', () => import('../tools/cluster/cli.js'));
      const status = await clusterStatus(opts.dir ? { dir: opts.dir } : {});
      if (!status.ready) process.exitCode = 3;
    });

  const schedule = program
    .command('schedule')
    .description("PowerSchedules: explain a timespan offline, show the cluster's with their week");
  schedule
    .command('explain')
    .description(
      'evaluate a schedule at an instant; prints {"awake": bool, "nextTransition": UTC RFC3339 | null, "meaning": [each item in words]}',
    )
    .option('--uptime <spec>', 'timespans during which namespaces are awake, e.g. "Mon-Fri 07:00-20:00"')
    .option('--downtime <spec>', 'timespans during which namespaces are asleep')
    .option('--time-zone <zone>', 'IANA zone for timespans that name none (default UTC)')
    .option('--at <time>', 'RFC3339 instant to evaluate at')
    .option(
      '--holidays <dates>',
      'days asleep all day in the time zone, comma list of YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (inclusive); adds "holidays" and "nextHoliday" to the output',
    )
    .action(async (opts: { uptime?: string; downtime?: string; timeZone?: string; at?: string; holidays?: string }) => {
      const { runExplain } = await import('../operator/schedule/explain.js');
      emit(runExplain(opts));
    });
  schedule
    .command('show')
    .description(
      'every PowerSchedule: its namespaces, their phase and next sleep/wake, and the week as a strip of awake/asleep hours in its time zone',
    )
    .option('--kubeconfig <path>', 'kubeconfig (default: $KUBECONFIG, then ~/.kube/config)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--ascii', 'draw the week with # . + instead of █ · ▌')
    .action(async (opts: { kubeconfig?: string; output: string; ascii?: boolean }) => {
      const { runScheduleShow } = await import('../operator/schedule-show-command.js');
      emit(
        await runScheduleShow({
          output: opts.output,
          ascii: opts.ascii === true,
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
        }),
      );
    });

  program
    .command('migrate')
    .description('move a cluster from another scheduler to PowerSchedules')
    .command('kube-downscaler')
    .description(
      "print the PowerSchedules, exclusions and overrides that do what the cluster's kube-downscaler annotations and settings do, with a line for each thing that cannot be carried over; writes nothing unless --apply",
    )
    .option('--kubeconfig <path>', 'kubeconfig (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--deployment <namespace/name>', 'the kube-downscaler Deployment (default: the one found by its image)')
    .option('--apply', 'apply the printed objects (server-side apply, field manager roleplane-migrate)')
    .action(async (opts: { kubeconfig?: string; deployment?: string; apply?: boolean }) => {
      const { runMigrateKubeDownscaler } = await import('../operator/migrate/migrate-command.js');
      emit(
        await runMigrateKubeDownscaler({
          apply: opts.apply === true,
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
          ...(opts.deployment ? { deployment: opts.deployment } : {}),
        }),
      );
    });

  const search = program
    .command('search')
    .description('the product-search service: query understanding, index build, HTTP server');
  search
    .command('filters <query>')
    .description('print the filters extracted from a query as JSON: {"text", "filters", "exclude"}')
    .requiredOption('--rules <file>', 'filter rules (filters.json)')
    .action(async (query: string, opts: { rules: string }) => {
      const { runFiltersCommand } = await import('../workloads/search/query/filters-command.js');
      emit(runFiltersCommand({ rules: opts.rules, query }));
    });

  search
    .command('index')
    .description(
      'embed a catalog and write embeddings.npy, products.jsonl, filters.json and manifest.json atomically into <out>',
    )
    .requiredOption('--catalog <jsonl>', 'products, one JSON object per line (id, title, price, attributes)')
    .requiredOption('--rules <json>', 'filter rules (filters.json)')
    .requiredOption('--out <dir>', 'index directory (replaced whole when the build succeeds)')
    .option('--model <dir>', 'local model directory (default: the built-in tiny model)')
    .option(
      '--embeddings <npy>',
      "the products' vectors as a float .npy (row i = product i) instead of embedding them; --model then embeds queries only",
    )
    .option('--batch-size <n>', 'products per embedding call', parsePositiveInt)
    .action(async (opts: SearchIndexFlags) => {
      const { runIndexCommand } = await import('../workloads/search/index/build/index-command.js');
      emit(
        await runIndexCommand({
          catalog: opts.catalog,
          rules: opts.rules,
          out: opts.out,
          ...(opts.model ? { model: opts.model } : {}),
          ...(opts.embeddings ? { embeddings: opts.embeddings } : {}),
          ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
        }),
      );
    });

  const suggestions = search
    .command('suggestions')
    .description('what autocomplete and related searches may show (the suggestions of a service with Valkey)');
  const suggestionsAction =
    (action: SuggestionsAction) =>
    async (
      query: string | undefined,
      opts: { prefix?: string; limit?: number; valkey?: string; blocklist?: string },
    ) => {
      const { runSuggestionsCommand } = await import('../workloads/search/service/suggestions-command.js');
      emit(
        await runSuggestionsCommand({
          action,
          ...(query !== undefined ? { query } : {}),
          ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          ...(opts.valkey !== undefined ? { valkey: opts.valkey } : {}),
          ...(opts.blocklist !== undefined ? { blocklist: opts.blocklist } : {}),
        }),
      );
    };
  const valkeyOption = '--valkey <url>';
  const valkeyHelp = 'Valkey/Redis URL (also $SEARCH_VALKEY_URL; the password comes from $SEARCH_VALKEY_PASSWORD)';
  suggestions
    .command('list')
    .description('the popular queries suggestions come from, most searched first, with their decayed counts')
    .option('--prefix <text>', 'only those starting with this')
    .option('--limit <n>', 'how many', parsePositiveInt, 50)
    .option(valkeyOption, valkeyHelp)
    .action((opts: { prefix?: string; limit?: number; valkey?: string }) => suggestionsAction('list')(undefined, opts));
  suggestions
    .command('remove <query>')
    .description('take a suggestion down now and keep it from coming back (restore undoes it)')
    .option(valkeyOption, valkeyHelp)
    .action(suggestionsAction('remove'));
  suggestions
    .command('restore <query>')
    .description('let a removed query become a suggestion again')
    .option(valkeyOption, valkeyHelp)
    .action(suggestionsAction('restore'));
  suggestions
    .command('check <query>')
    .description('say whether a query may ever be suggested, and if not why (text rules and the blocklist)')
    .option('--blocklist <file>', 'blocklist file (also $SEARCH_SUGGEST_BLOCKLIST)')
    .action(suggestionsAction('check'));

  const serve = search
    .command('serve')
    .description('serve /search, /products/:id/related, /related-searches, /autocomplete, /healthz, /readyz, /metrics');
  // The flags come from the service's settings table, with the variable and default each one overrides.
  const flagSettings = new Map<string, SearchSettingName>();
  for (const [name, setting] of Object.entries(SEARCH_SETTINGS) as Array<[SearchSettingName, SearchSetting]>) {
    if (setting.flag === undefined) continue;
    const fallback =
      setting.default === undefined || typeof setting.default === 'function'
        ? ''
        : `; default ${String(setting.default)}`;
    const option = new Option(setting.flag, `${setting.help} (also $${setting.env}${fallback})`);
    flagSettings.set(option.attributeName(), name);
    serve.addOption(option);
  }
  serve.action(async (opts: Record<string, string>) => {
    const flags: SearchFlags = {};
    for (const [attribute, value] of Object.entries(opts)) {
      const name = flagSettings.get(attribute);
      if (name !== undefined) flags[name] = value;
    }
    const { runSearchServe } = await import('../workloads/search/service/main.js');
    process.exitCode = await runSearchServe(flags);
  });

  program
    .command('operator')
    .description('run the power-schedule operator (scales dev and staging to zero on a schedule and restores them)')
    .option(
      '--kubeconfig <path>',
      "kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then the pod's ServiceAccount)",
    )
    .option('--leader-elect', 'hold a Lease before acting (run with more than one replica)', false)
    .option(
      '--namespace <ns>',
      `namespace of the Lease (default: $${OPERATOR_ENV.namespace} or ${OPERATOR_DEFAULTS.namespace})`,
    )
    .option('--identity <name>', `this replica in the Lease and Events (default: $${OPERATOR_ENV.podName} or host-pid)`)
    .option('--metrics-port <port>', 'Prometheus /metrics port', parsePort, OPERATOR_DEFAULTS.metricsPort)
    .option('--health-port <port>', '/healthz and /readyz port', parsePort, OPERATOR_DEFAULTS.healthPort)
    .option('--concurrency <n>', 'patches in flight per namespace', parsePositiveInt, OPERATOR_DEFAULTS.concurrency)
    // No commander default here: it would hide $LOG_LEVEL.
    .option(
      '--log-level <level>',
      `pino log level (default: $${OPERATOR_ENV.logLevel} or ${OPERATOR_DEFAULTS.logLevel})`,
    )
    .action(async (opts: OperatorCommandOptions) => {
      const { runOperator } = await import('../operator/main.js');
      process.exitCode = await runOperator(opts);
    });

  program
    .command('waker')
    .description(
      'serve the "waking up" page a sleeping site\'s Ingress falls back to; a page view sets roleplane.io/awake-until on the host\'s namespace',
    )
    .option(
      '--kubeconfig <path>',
      "kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then the pod's ServiceAccount)",
    )
    .option('--hosts <pairs>', `host=namespace pairs, comma separated (default: $${WAKER_ENV.hosts})`)
    .option(
      '--awake-for <duration>',
      `how long a page view keeps a namespace awake (default: $${WAKER_ENV.awakeFor} or ${WAKER_DEFAULTS.awakeFor})`,
    )
    .option('--port <port>', 'the page', parsePort, WAKER_DEFAULTS.port)
    .option('--health-port <port>', '/healthz and /readyz', parsePort, WAKER_DEFAULTS.healthPort)
    .option('--metrics-port <port>', 'Prometheus /metrics', parsePort, WAKER_DEFAULTS.metricsPort)
    .option(
      '--per-namespace-seconds <n>',
      `at most one wake attempt per namespace this often (default: $${WAKER_ENV.perNamespaceSeconds} or ${WAKER_DEFAULTS.perNamespaceSeconds})`,
      parsePositiveInt,
    )
    .option(
      '--burst <n>',
      `wake attempts at once across namespaces (default: $${WAKER_ENV.burst} or ${WAKER_DEFAULTS.burst})`,
      parsePositiveInt,
    )
    .option(
      '--per-minute <n>',
      `wake attempts refilled per minute (default: $${WAKER_ENV.perMinute} or ${WAKER_DEFAULTS.perMinute})`,
      parsePositiveInt,
    )
    .option('--log-level <level>', `pino log level (default: $${WAKER_ENV.logLevel} or ${WAKER_DEFAULTS.logLevel})`)
    .action(async (opts: WakerCommandOptions) => {
      const { runWaker } = await import('../operator/waker/main.js');
      process.exitCode = await runWaker(opts);
    });

  for (const mode of ['wake', 'sleep'] as const) {
    program
      .command(`${mode} <namespace>`)
      .description(
        mode === 'wake'
          ? 'wake a namespace now (annotation roleplane.io/awake-until)'
          : 'put a namespace to sleep now (annotation roleplane.io/asleep-until)',
      )
      .option('--for <duration>', 'how long, e.g. 2h or 90m (default: until the schedule does the same by itself)')
      .option('--kubeconfig <path>', 'kubeconfig (default: $KUBECONFIG, then ~/.kube/config)')
      .action(async (namespace: string, opts: { for?: string; kubeconfig?: string }) => {
        const { setOverride } = await import('../operator/overrides.js');
        const result = await setOverride({
          namespace,
          mode,
          ...(opts.for ? { for: opts.for } : {}),
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
        });
        process.stdout.write(`namespace ${namespace}: ${result.annotation}=${result.until}\n`);
      });
  }

  return program;
}

function emit(result: { stdout: string; stderr: string; exitCode: number }): void {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`not a port number: "${text}"`);
  return port;
}

function parsePositiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive integer: "${text}"`);
  return n;
}

/** Runs the CLI; returns the exit code instead of exiting so callers (tests, main.ts) decide. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isValuesError(err)) {
      process.stderr.write(`roleplane: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`roleplane: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
