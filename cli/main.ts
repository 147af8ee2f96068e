import { Command, CommanderError } from 'commander';
import { ValuesError } from '../charts/values/load.js';
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

  return program;
}

/** Runs the CLI; returns the exit code instead of exiting so callers (tests, main.ts) decide. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
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
