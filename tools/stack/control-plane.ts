/**
 * What the local control plane needs before the stack's operator and waker containers run against it: the CRDs, the
 * namespaces and their installs (ServiceAccounts, RBAC, Lease namespace) from the environment's own output,
 * and a namespace for the operator to put to sleep. That namespace holds the dev environment's workloads (its
 * Deployments, StatefulSet and CronJob as synthesized, moved into it) and is managed by a PowerSchedule that is
 * always awake, so that only the overrides the fault table sets decide, whatever the time of day of the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { installCrds } from '../cluster/kubectl.js';
import { readManifests } from './stack.js';

export const SLEEP_NAMESPACE = 'stack-sleep';
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'CronJob']);
const FIELD_MANAGER = 'roleplane-stack';

export type Kubectl = (args: readonly string[], input?: string) => Promise<string>;

async function apply(kubectl: Kubectl, yaml: string): Promise<void> {
  await kubectl(['apply', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], yaml);
}

export async function prepareControlPlane(kubectl: Kubectl, prodDist: string, devDist: string): Promise<void> {
  await installCrds(kubectl, join(prodDist, 'crds'), ['powerschedules']);
  // The install of each pod that talks to the API server: the operator's and the waker's (RBAC, ServiceAccounts).
  for (const file of ['01-namespaces.yaml', '20-operator.yaml', '21-waker.yaml'])
    if (existsSync(join(prodDist, file))) await apply(kubectl, readFileSync(join(prodDist, file), 'utf8'));

  const workloads = readManifests(devDist).filter((o) => WORKLOAD_KINDS.has(o.kind));
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SLEEP_NAMESPACE } },
    {
      apiVersion: 'roleplane.io/v1alpha1',
      kind: 'PowerSchedule',
      metadata: { name: SLEEP_NAMESPACE },
      spec: { namespaces: [SLEEP_NAMESPACE], uptime: 'always', timeZone: 'UTC' },
    },
    ...workloads.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: SLEEP_NAMESPACE } })),
  ];
  await apply(kubectl, docs.map((d) => stringify(d)).join('---\n'));
}
