import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/ports.js';
import { waitUntil } from '../../test/helpers/wait.js';
import { aptInstall } from './apt.js';

const REPO = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** `roleplane search serve` in a child process, as a pod runs it, listening on a free loopback port. */
export interface ServiceProcess {
  readonly base: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startService(options: {
  readonly indexDir: string;
  readonly modelDir: string;
  /** Extra SEARCH_* variables. */
  readonly env?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'bin', 'roleplane.js'),
      'search',
      'serve',
      '--data',
      options.indexDir,
      '--model',
      options.modelDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...options.env } },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntil(
      'the service to be ready',
      options.readyTimeoutMs ?? 300_000,
      async () => {
        if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before it was ready`);
        return fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      200,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, child, stop };
}

/** Installs wrk with apt-get when it is missing (as root). */
export function ensureWrk(log: (message: string) => void): void {
  if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined) return;
  aptInstall(['wrk'], log);
}

export interface WrkResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connect, read, write and timeout errors, and non-2xx answers. */
  readonly errors: number;
}

/** One wrk run over `paths`, cycled, from its own process; a Lua script prints the summary as one JSON line. */
export async function runWrk(options: {
  readonly base: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly scriptPath: string;
  /** Sent with every request (e.g. a shopper id). */
  readonly headers?: Readonly<Record<string, string>>;
}): Promise<WrkResult> {
  writeFileSync(
    options.scriptPath,
    [
      `local paths = {${options.paths.map((p) => JSON.stringify(p)).join(', ')}}`,
      ...Object.entries(options.headers ?? {}).map(
        ([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`,
      ),
      'local i = 0',
      'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end',
      'done = function(summary, latency, requests)',
      '  local e = summary.errors',
      '  io.write(string.format("WRK {\\"requests\\": %d, \\"durationUs\\": %d, \\"p50Us\\": %d, \\"p99Us\\": %d, \\"errors\\": %d}\\n",',
      '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout + e.status))',
      'end',
      '',
    ].join('\n'),
  );
  const child = spawn(
    'wrk',
    ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '-s', options.scriptPath, options.base],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  const line = stdout.split('\n').find((l) => l.startsWith('WRK '));
  if (status !== 0 || !line) throw new Error(`wrk failed (${status}): ${stderr || stdout}`);
  const summary = JSON.parse(line.slice(4)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    errors: number;
  };
  return {
    requests: summary.requests,
    rps: summary.requests / (summary.durationUs / 1e6),
    p50Ms: summary.p50Us / 1000,
    p99Ms: summary.p99Us / 1000,
    errors: summary.errors,
  };
}

/** The service's /metrics as name{labels} → value (counters and gauges; histogram lines included as they are). */
export async function scrapeMetrics(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}
