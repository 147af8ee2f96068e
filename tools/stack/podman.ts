// podman as tools/stack runs it: runc and the host's ulimits (tools/image/containers.conf), short names resolved as
// Docker resolves them (tools/image/registries.conf), nothing pulled.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const IMAGE_DIR = fileURLToPath(new URL('../image/', import.meta.url));

export const PODMAN_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  CONTAINERS_CONF: `${IMAGE_DIR}containers.conf`,
  CONTAINERS_REGISTRIES_CONF: `${IMAGE_DIR}registries.conf`,
  PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`,
};

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: PODMAN_ENV,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
    if (input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // a command that exits without reading its input
      child.stdin.end(input);
    }
  });
}

/** Runs podman and throws with its stderr when it fails. */
export async function podman(args: readonly string[], input?: string): Promise<string> {
  const result = await run('podman', args, input);
  if (result.status !== 0)
    throw new Error(
      `podman ${args.join(' ')} failed (${result.status}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  return result.stdout;
}

/** The container kube play makes for a pod's container. */
export function containerName(pod: string, container: string): string {
  return `${pod}-${container}`;
}
