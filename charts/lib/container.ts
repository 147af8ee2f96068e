import * as kplus from 'cdk8s-plus-27';
import type { Resources } from '../values/schema.js';
import { DROP_ALL } from './patches.js';
import { toCpu, toSize } from './quantity.js';

/** Non-root IDs used by every container we do not know a better ID for. */
export const RUN_AS_USER = 10001;
export const RUN_AS_GROUP = 10001;

/** CPU and memory requests and a memory limit; no CPU limit, so a busy pod is never throttled below its request. */
export function containerResources(resources: Resources): kplus.ContainerResources {
  return {
    cpu: { request: toCpu(resources.cpu) },
    memory: { request: toSize(resources.memory), limit: toSize(resources.memoryLimit) },
  };
}

/** A container that passes PodSecurity `restricted`: non-root, read-only root, no privilege escalation, no capabilities. */
export function hardened(
  props: kplus.ContainerProps & { readonly resourceValues: Resources; readonly user?: number },
): kplus.ContainerProps {
  const { resourceValues, user, ...container } = props;
  return {
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ...container,
    resources: containerResources(resourceValues),
    securityContext: {
      ensureNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      user: user ?? RUN_AS_USER,
      group: RUN_AS_GROUP,
      capabilities: { drop: [DROP_ALL] },
      ...container.securityContext,
    },
  };
}

/** Pod-level security shared by every workload. */
export function podSecurity(fsGroup?: number): kplus.PodSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: RUN_AS_USER,
    group: RUN_AS_GROUP,
    fsGroup: fsGroup ?? RUN_AS_GROUP,
    fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
  };
}
