/** A runner for Debian's promtool; the rule file comes from tools/prometheus/rule-file.ts. */
import { spawnSync } from 'node:child_process';

export { type RuleGroupSpec, type RuleSpec, ruleGroupsOf } from '../../tools/prometheus/rule-file.js';

export interface ToolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs promtool with the arguments in `cwd`; its stdout and stderr together, for assertion messages. */
export function promtool(binary: string, args: readonly string[], cwd: string): ToolResult {
  const result = spawnSync(binary, [...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
