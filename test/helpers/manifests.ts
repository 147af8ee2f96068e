import { defaultValues } from '../../charts/values/environments.js';
import { mergeValues, validateValues } from '../../charts/values/load.js';
import type { EnvironmentName, Values } from '../../charts/values/schema.js';
import { type Manifest, type RenderedEnvironment, renderEnvironment } from '../../charts/synth.js';

/** Validated values for an environment with test overrides merged on top (same merge as a values file). */
export function testValues(environment: EnvironmentName, overrides: Record<string, unknown> = {}): Values {
  return validateValues(mergeValues(defaultValues(environment), overrides), `test values for ${environment}`);
}

export function render(environment: EnvironmentName, overrides: Record<string, unknown> = {}): RenderedEnvironment {
  return renderEnvironment(testValues(environment, overrides));
}

/** Every object of an environment, in apply order. */
export function objectsOf(environment: EnvironmentName, overrides: Record<string, unknown> = {}): Manifest[] {
  return render(environment, overrides).flatMap((f) => [...f.objects]);
}

export function find(objects: readonly Manifest[], kind: string, name: string, namespace?: string): Manifest {
  const match = objects.find(
    (o) =>
      o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (!match) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} among ${objects.length} objects`);
  return match;
}

export function ofKind(objects: readonly Manifest[], kind: string): Manifest[] {
  return objects.filter((o) => o.kind === kind);
}

export { type Container, type PodSpec, type PodTemplate, podTemplates } from '../../charts/inspect/pod-templates.js';
