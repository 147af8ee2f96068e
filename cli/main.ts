import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { VALUES_FILE_ENV, ValuesError } from '../charts/values/load.js';
import { clusterDown, clusterStatus, clusterUp } from '../cluster/cli.js';
import { HEALTH_PORT, METRICS_PORT } from '../operator/api/keys.js';
import { type OperatorCommandOptions, runOperator } from '../operator/main.js';
import { setOverride } from '../operator/overrides.js';
import { runExplain } from '../operator/schedule/explain.js';
import { runFiltersCommand } from '../workloads/search/filters/run-filters-command.js';
import { runIndexCommand } from '../workloads/search/index/build-index.js';
import { runSearchServe, type SearchServeOptions } from '../workloads/search/main.js';
import { parseEnvironments, synth } from './synth.js';

/** The `roleplane` command line; each component adds its subcommands here. */
export function buildProgram(): Command {
  const program = new Command('roleplane')
    .description(
      'One dedicated node pool per server role on Kubernetes: manifests, a power-schedule operator and product search.',
    )
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
    .action((opts: { env: string[]; values?: string; out: string }) => {
      const written = synth({
        environments: parseEnvironments(opts.env),
        outDir: opts.out,
        ...(opts.values ? { valuesFile: opts.values } : {}),
      });
      for (const dir of written) process.stdout.write(`wrote ${dir}/\n`);
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
      const valuesFile = opts.values ?? process.env[VALUES_FILE_ENV];
      await clusterUp({ ...(opts.dir ? { dir: opts.dir } : {}), ...(valuesFile ? { valuesFile } : {}) });
    });
  cluster
    .command('down')
    .description('stop the local cluster (its state is kept unless --purge)')
    .option('-d, --dir <dir>', 'state directory (default: ~/.cache/roleplane/cluster)')
    .option('--purge', 'also delete the state directory')
    .action(async (opts: { dir?: string; purge?: boolean }) => {
      await clusterDown({ ...(opts.dir ? { dir: opts.dir } : {}), purge: opts.purge === true });
    });
  cluster
    .command('status')
    .description('say which components run and whether they are healthy')
    .option('-d, --dir <dir>', 'state directory (default: ~/.cache/roleplane/cluster)')
    .action(async (opts: { dir?: string }) => {
      const status = await clusterStatus(opts.dir ? { dir: opts.dir } : {});
      if (!status.ready) process.exitCode = 3;
    });

  const schedule = program.command('schedule').description('PowerSchedule timespans, offline');
  schedule
    .command('explain')
    .description('evaluate a schedule at an instant; prints {"awake": bool, "nextTransition": UTC RFC3339 | null}')
    .option('--uptime <spec>', 'timespans during which namespaces are awake, e.g. "Mon-Fri 07:00-20:00"')
    .option('--downtime <spec>', 'timespans during which namespaces are asleep')
    .option('--time-zone <zone>', 'IANA zone for timespans that name none (default UTC)')
    .option('--at <time>', 'RFC3339 instant to evaluate at')
    .action((opts: { uptime?: string; downtime?: string; timeZone?: string; at?: string }) => {
      emit(runExplain(opts));
    });

  const search = program
    .command('search')
    .description('the product-search service: query understanding, index build, HTTP server');
  search
    .command('filters <query>')
    .description('print the filters extracted from a query as JSON: {"text", "filters", "exclude"}')
    .requiredOption('--rules <file>', 'filter rules (filters.json)')
    .action((query: string, opts: { rules: string }) => {
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
    .option('--batch-size <n>', 'products per embedding call', parsePositiveInt)
    .action(async (opts: { catalog: string; rules: string; out: string; model?: string; batchSize?: number }) => {
      emit(
        await runIndexCommand({
          catalog: opts.catalog,
          rules: opts.rules,
          out: opts.out,
          ...(opts.model ? { model: opts.model } : {}),
          ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
        }),
      );
    });

  search
    .command('serve')
    .description('serve /search, /products/:id/related, /related-searches, /autocomplete, /healthz, /readyz, /metrics')
    .option('--data <dir>', 'index directory written by `search index` (also $SEARCH_DATA_DIR)')
    .option('--port <port>', 'port (also $SEARCH_PORT; default 8080)', parsePort)
    .option('--host <host>', 'address to listen on (also $SEARCH_HOST; default 0.0.0.0)')
    .option(
      '--valkey <url>',
      'Valkey/Redis URL for the shared cache (also $SEARCH_VALKEY_URL; default: in-process cache)',
    )
    .option(
      '--model <dir>',
      'model directory (default: <data>/model, else $SEARCH_MODEL_DIR, else the built-in tiny model)',
    )
    .option(
      '--vector-index <mode>',
      'auto (HNSW graph once an exact scan costs over ~1 ms), exact or hnsw (also $SEARCH_VECTOR_INDEX)',
    )
    .option('--log-level <level>', 'pino log level')
    .action(async (opts: SearchServeOptions) => {
      process.exitCode = await runSearchServe(opts);
    });

  program
    .command('operator')
    .description('run the power-schedule operator (scales dev and staging to zero on a schedule and restores them)')
    .option('--kubeconfig <path>', 'kubeconfig (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)')
    .option('--leader-elect', 'hold a Lease before acting (run with more than one replica)', false)
    .option('--namespace <ns>', 'namespace of the Lease (default: $OPERATOR_NAMESPACE or roleplane-system)')
    .option('--identity <name>', 'this replica in the Lease and Events (default: $POD_NAME or host-pid)')
    .option('--metrics-port <port>', 'Prometheus /metrics port', parsePort, METRICS_PORT)
    .option('--health-port <port>', '/healthz and /readyz port', parsePort, HEALTH_PORT)
    .option('--concurrency <n>', 'patches in flight per namespace', parsePositiveInt, 8)
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (opts: OperatorCommandOptions) => {
      process.exitCode = await runOperator(opts);
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
    if (err instanceof ValuesError) {
      process.stderr.write(`roleplane: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`roleplane: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
