import { type CommandResult, EXIT_BAD_INPUT, EXIT_OK } from '../command-result.js';
import { extractFilters, toJsonOutput } from './extract-filters.js';
import { loadRules, RulesError } from './rules.js';
import { spellerFor } from './rules-speller.js';

export interface FiltersCommandOptions {
  /** Path of the rules file (filters.json). */
  readonly rules: string;
  readonly query: string;
}

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
    // Typo tolerance against the rules' words only: the catalog's words are known to an index (search serve).
    const output = toJsonOutput(extractFilters(options.query, rules, { speller: spellerFor(rules) }));
    return { stdout: `${JSON.stringify(output)}\n`, stderr: '', exitCode: EXIT_OK };
  } catch (err) {
    // Only a bad rules file is the user's input problem; anything else is a bug and should surface as one.
    if (err instanceof RulesError) return fail(err.message);
    throw err;
  }
}
