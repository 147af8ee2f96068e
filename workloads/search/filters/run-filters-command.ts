import { extractFilters, toJsonOutput } from './extract-filters.js';
import { loadRules, RulesError } from './rules.js';

export interface FiltersCommandOptions {
  /** Path of the rules file (filters.json). */
  readonly rules: string;
  readonly query: string;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Exit code for bad input (a bad rules file, an empty query), as `roleplane synth` uses for a bad values file. */
export const EXIT_BAD_INPUT = 2;

/**
 * `roleplane search filters --rules <json> "<query>"`: prints the extraction as one line of JSON
 * (`{"text", "filters", "exclude"}`, empty parts omitted). Returns the output instead of writing it, so the
 * commander wiring stays thin and tests need no subprocess.
 */
export function runFiltersCommand(options: FiltersCommandOptions): CommandResult {
  const fail = (message: string): CommandResult => ({
    stdout: '',
    stderr: `roleplane search filters: ${message}\n`,
    exitCode: EXIT_BAD_INPUT,
  });
  if (options.query.trim() === '') return fail('query: must not be empty');
  try {
    const rules = loadRules(options.rules);
    const output = toJsonOutput(extractFilters(options.query, rules));
    return { stdout: `${JSON.stringify(output)}\n`, stderr: '', exitCode: 0 };
  } catch (err) {
    // Only a bad rules file is the user's input problem; anything else is a bug and should surface as one.
    if (err instanceof RulesError) return fail(err.message);
    throw err;
  }
}
