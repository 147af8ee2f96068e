/**
 * The alert rules as the cluster gets them (the `spec.groups` of every synthesized PrometheusRule), as a plain
 * Prometheus rule file: what promtool and a Prometheus without the operator read.
 */
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
