// Starting, watching and stopping the control plane's processes.
//
// The processes outlive the `roleplane cluster up` command that starts them, so everything needed
// to find and stop them again lives in files: the PID file (pids.json) and one log per component.

import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  readlinkSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from 'node:fs';

/** One running component, as recorded in pids.json. */
export interface ProcessRecord {
  name: string;
  pid: number;
  /** Absolute path of the executable, used to tell our process from a later one that reused the PID. */
  binary: string;
  logFile: string;
  startedAt: string;
}

/** The contents of `<stateDir>/pids.json`. */
export interface PidFile {
  version: 1;
  processes: ProcessRecord[];
}

export interface SpawnOptions {
  name: string;
  binary: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A started process; `exited` is set if it dies while this Node process still watches it. */
export interface StartedProcess {
  record: ProcessRecord;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
}

/**
 * An error from one component, carrying the end of its log: the log is nearly always where the
 * real reason is (a bad flag, a port in use, a certificate problem), so it goes into the message.
 */
export class ComponentError extends Error {
  readonly component: string;
  readonly logFile: string | undefined;
  readonly logTail: string;

  constructor(component: string, problem: string, logFile?: string) {
    const logTail = logFile ? tailOfFile(logFile, 200) : '';
    let where = '';
    if (logFile) {
      // Components log at info level by default, so the reason is often far above the last line;
      // pull the last error-level lines to the top and keep a short tail for context.
      const errors = errorLines(logTail).slice(-5);
      const shortTail = logTail.split('\n').slice(-15).join('\n');
      where =
        (errors.length > 0 ? `\n--- last errors in ${logFile} ---\n${errors.join('\n')}` : '') +
        `\n--- last lines of ${logFile} ---\n${shortTail}`;
    }
    super(`${component}: ${problem}${where}`);
    this.name = 'ComponentError';
    this.component = component;
    this.logFile = logFile;
    this.logTail = logTail;
  }
}

/** Error-level lines: klog's E/F prefixes (Kubernetes components) and zap's JSON levels (etcd). */
export function errorLines(text: string): string[] {
  return text
    .split('\n')
    .filter(
      (line) =>
        /^[EF]\d{4} /.test(line) ||
        /"level":"(error|fatal|panic)"/i.test(line) ||
        /^level=(error|fatal)/.test(line) ||
        /^(ERROR|FATAL|Error:|panic:)/.test(line),
    );
}

/** The last `lines` lines of a file, or a note saying why there are none. */
export function tailOfFile(path: string, lines: number): string {
  if (!existsSync(path)) return '(no log file)';
  // Logs can be large (klog is chatty); only the end matters.
  const maxBytes = 64 * 1024;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const text = buf.toString('utf8');
    const all = text.split('\n');
    if (all.length > 0 && all[all.length - 1] === '') all.pop();
    const tail = all.slice(-lines).join('\n');
    return tail === '' ? '(log is empty)' : tail;
  } finally {
    closeSync(fd);
  }
}

/**
 * Starts a process detached in its own process group, with stdout and stderr appended to its log
 * file, and unreferenced so the starting command can exit while it keeps running.
 */
export function spawnDetached(opts: SpawnOptions): StartedProcess {
  const fd = openSync(opts.logFile, 'a');
  try {
    writeFileSync(fd, `\n==== ${new Date().toISOString()} starting ${opts.binary} ${opts.args.join(' ')}\n`);
    // Record the real path: /proc/<pid>/exe shows it, not the symlink (KUBEBUILDER_ASSETS setups
    // hand us a directory of symlinks), and isRunning compares against it.
    let binary: string;
    try {
      binary = realpathSync(opts.binary);
    } catch (err) {
      throw new ComponentError(opts.name, `cannot start ${opts.binary}: ${(err as Error).message}`);
    }
    const child = spawn(binary, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    // A spawn failure (EACCES, a bad cwd) arrives as an event after this returns; without a
    // listener it would crash the whole command. Record it like any other early death.
    let spawnError: Error | null = null;
    const started: StartedProcess = {
      record: {
        name: opts.name,
        pid: child.pid ?? -1,
        binary,
        logFile: opts.logFile,
        startedAt: new Date().toISOString(),
      },
      exited: null,
    };
    child.on('error', (err: Error) => {
      spawnError = err;
      writeLogLine(opts.logFile, `spawn error: ${err.message}`);
      started.exited = { code: null, signal: null };
    });
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      started.exited = { code, signal };
    });
    if (child.pid === undefined) {
      const reason = spawnError === null ? '' : `: ${(spawnError as Error).message}`;
      throw new ComponentError(opts.name, `could not start ${opts.binary}${reason}`, opts.logFile);
    }
    child.unref();
    return started;
  } finally {
    closeSync(fd);
  }
}

function writeLogLine(logFile: string, line: string): void {
  try {
    const fd = openSync(logFile, 'a');
    try {
      writeFileSync(fd, `${line}\n`);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The log is best effort; the caller reports the failure itself.
  }
}

/**
 * Whether the recorded process is still ours and alive. A PID alone is not enough: after a reboot
 * or a long time the number may belong to an unrelated process, so the executable must match, and
 * a zombie (exited, not yet reaped) counts as dead.
 */
export function isRunning(record: ProcessRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    // EPERM means it exists but is not ours to signal, so it cannot be one we started.
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const exe = readlinkSync(`/proc/${record.pid}/exe`).replace(/ \(deleted\)$/, '');
    return exe === record.binary;
  } catch {
    // No /proc (not Linux) or the process vanished between the calls.
    return false;
  }
}

/** Reads pids.json; a missing file means nothing was started. */
export function readPidFile(path: string): PidFile {
  if (!existsSync(path)) return { version: 1, processes: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!isPidFile(parsed)) throw new Error(`${path} is not a roleplane PID file`);
  return parsed;
}

function isPidFile(value: unknown): value is PidFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { version?: unknown; processes?: unknown };
  if (v.version !== 1 || !Array.isArray(v.processes)) return false;
  return v.processes.every((p: unknown) => {
    if (typeof p !== 'object' || p === null) return false;
    const r = p as Record<string, unknown>;
    return (
      typeof r.name === 'string' &&
      typeof r.pid === 'number' &&
      typeof r.binary === 'string' &&
      typeof r.logFile === 'string' &&
      typeof r.startedAt === 'string'
    );
  });
}

/** Writes pids.json atomically, so a concurrent `down` or `status` never reads half a file. */
export function writePidFile(path: string, file: PidFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(tmp, path);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function signalGroup(record: ProcessRecord, signal: NodeJS.Signals): void {
  try {
    // Negative PID: the whole process group that spawnDetached created, in case it forked.
    process.kill(-record.pid, signal);
  } catch {
    try {
      process.kill(record.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Stops processes: SIGTERM, then SIGKILL for whatever is still running after `timeoutMs`.
 * Returns the names that had to be killed.
 */
export async function stopProcesses(records: ProcessRecord[], timeoutMs: number): Promise<string[]> {
  const running = records.filter(isRunning);
  for (const r of running) signalGroup(r, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && running.some(isRunning)) await sleep(100);
  const stubborn = running.filter(isRunning);
  for (const r of stubborn) signalGroup(r, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && stubborn.some(isRunning)) await sleep(50);
  const left = stubborn.filter(isRunning);
  if (left.length > 0) {
    throw new Error(`could not stop ${left.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}`);
  }
  return stubborn.map((r) => r.name);
}
