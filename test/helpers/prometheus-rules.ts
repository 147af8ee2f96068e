/**
 * The alert rules as the cluster gets them (the `spec.groups` of every synthesized PrometheusRule), as a plain
 * Prometheus rule file, and a runner for Debian's promtool over it.
 */
import { spawnSync } from 'node:child_process';
import type { Manifest } from '../../charts/synth.js';

export interface RuleSpec {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroupSpec {
  name: string;
  rules: RuleSpec[];
}

/** Every group of every PrometheusRule among the objects, in order: a rule file's `groups`. */
export function ruleGroupsOf(objects: readonly Manifest[]): RuleGroupSpec[] {
  return objects
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((o) => (o.spec as { groups: RuleGroupSpec[] }).groups);
}

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
