import { Command, CommanderError } from 'commander';
import { VALUES_FILE_ENV, ValuesError } from '../charts/values/load.js';
import { clusterDown, clusterStatus, clusterUp } from '../cluster/cli.js';
import { parseEnvironments, synth } from './synth.js';

/** The `roleplane` command line; each component adds its subcommands here. */
export function buildProgram(): Command {
  const program = new Command('roleplane')
    .description('One dedicated node pool per server role on Kubernetes: manifests, a power-schedule operator and product search.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('synth')
    .description('synthesize the manifests of each environment into <out>/<env>/')
    .option('-e, --env <name...>', 'environments to synthesize (prod, staging, dev)', [])
    .option('-f, --values <file>', 'YAML values file merged over the defaults (sections: all, prod, staging, dev); also $ROLEPLANE_VALUES')
    .option('-o, --out <dir>', 'output directory', 'dist')
    .action((opts: { env: string[]; values?: string; out: string }) => {
      const written = synth({ environments: parseEnvironments(opts.env), outDir: opts.out, ...(opts.values ? { valuesFile: opts.values } : {}) });
      for (const dir of written) process.stdout.write(`wrote ${dir}/\n`);
    });

  const cluster = program.command('cluster').description('a local Kubernetes control plane (etcd, apiserver, controller-manager, scheduler, kwok nodes per pool)');
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

  return program;
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
