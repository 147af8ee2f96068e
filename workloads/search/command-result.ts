/**
 * What the search subcommands (`roleplane search filters | index | serve`) hand back to the CLI: their output and
 * exit code instead of writing and exiting, so the commander wiring stays thin and tests need no subprocess.
 */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export const EXIT_OK = 0;
/** The command could not do its work: a model failing mid-way, a full disk, a port that cannot be bound. */
export const EXIT_FAILED = 1;
/** Bad input — a flag, a variable, a rules or catalog file — as `roleplane synth` uses for a bad values file. */
export const EXIT_BAD_INPUT = 2;
