import type { LabelSelector, PowerScheduleSpec } from '../api/power-schedule.js';
import type { NamespaceObject } from '../kube/api.js';

/** Label selector semantics as the API server applies them (matchLabels AND every matchExpression). */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    byLabels &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = Object.prototype.hasOwnProperty.call(labels, e.key);
      switch (e.operator) {
        case 'In':
          return has && (e.values ?? []).includes(labels[e.key]!);
        case 'NotIn':
          return !has || !(e.values ?? []).includes(labels[e.key]!);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
      }
      return false;
    })
  );
}

/** Namespaces named in the spec (existing or not) plus those the selector matches, sorted. */
export function selectedNamespaces(spec: PowerScheduleSpec, all: readonly NamespaceObject[]): string[] {
  const names = new Set(spec.namespaces ?? []);
  if (spec.namespaceSelector) {
    for (const ns of all)
      if (matchesSelector(spec.namespaceSelector, ns.metadata.labels ?? {})) names.add(ns.metadata.name);
  }
  return [...names].sort();
}

/** Whether a schedule selects a namespace: used to find which schedules an event concerns. */
export function selects(spec: PowerScheduleSpec, ns: NamespaceObject | undefined, name: string): boolean {
  if (spec.namespaces?.includes(name)) return true;
  return (
    ns !== undefined &&
    spec.namespaceSelector !== undefined &&
    matchesSelector(spec.namespaceSelector, ns.metadata.labels ?? {})
  );
}
