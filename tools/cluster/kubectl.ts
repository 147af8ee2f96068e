// Runs the kubectl built with the control plane (same release), against one kubeconfig.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  readonly binDir: string;
  readonly kubeconfigPath: string;
  /** Runs kubectl; never throws for a non-zero exit (callers assert on the result). */
  run(args: readonly string[], input?: string): Promise<KubectlResult>;
  /** Runs kubectl and throws with its stderr when it fails. */
  must(args: readonly string[], input?: string): Promise<string>;
}

export function kubectl(binDir: string, kubeconfigPath: string): Kubectl {
  const run = (args: readonly string[], input?: string): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  return {
    binDir,
    kubeconfigPath,
    run,
    async must(args, input) {
      const result = await run(args, input);
      if (result.status !== 0)
        throw new Error(`kubectl ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim()}`);
      return result.stdout;
    },
  };
}

/**
 * Applies the CRDs in `dir` server-side and waits until each listed kind can be listed. Established is not yet
 * servable: right after it a list answers 429 "storage is (re)initializing" for a moment, so a create or a list
 * straight after `kubectl wait` fails now and then.
 */
export async function installCrds(
  must: (args: readonly string[]) => Promise<string>,
  dir: string,
  plurals: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  await must(['apply', '--server-side', '--force-conflicts', '-f', dir]);
  await must(['wait', '--for=condition=Established', `--timeout=${Math.round(timeoutMs / 1000)}s`, '-f', dir]);
  const deadline = Date.now() + timeoutMs;
  for (const plural of plurals) {
    for (;;) {
      const listed = await must(['get', plural, '-A', '-o', 'name']).then(
        () => true,
        (error: Error) => {
          if (Date.now() > deadline)
            throw new Error(`${plural} not listable after the CRD was established: ${error.message}`);
          return false;
        },
      );
      if (listed) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
