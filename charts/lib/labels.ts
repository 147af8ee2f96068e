/** `app.kubernetes.io/*` labels; every object carries them (set on the Chart), pods also get their component. */
export const PART_OF = 'roleplane';
export const MANAGED_BY = 'roleplane';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_VERSION = 'app.kubernetes.io/version';

/** Labels set on every object of one chart. */
export function chartLabels(opts: { name: string; instance: string; version: string }): Record<string, string> {
  return {
    [LABEL_NAME]: opts.name,
    [LABEL_INSTANCE]: opts.instance,
    [LABEL_VERSION]: opts.version,
    [LABEL_PART_OF]: PART_OF,
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
}

/** The pod labels NetworkPolicies select on: stable, unlike cdk8s-plus's generated selector label. */
export function componentLabels(component: string): Record<string, string> {
  return { [LABEL_COMPONENT]: component };
}
