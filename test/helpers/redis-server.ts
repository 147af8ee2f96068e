import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { makeTempDir, removeDir } from './temp-dir.js';
import { waitUntil } from './wait.js';

/**
 * A throwaway redis-server (or valkey-server) on 127.0.0.1 and a port of the test's choosing, never the system
 * one on 6379: no persistence, its own working directory, killed by the test (SIGKILL to simulate a crash) and
 * started again on the same port to test reconnection.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly binary: string,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(binary: string, port: number): Promise<RedisServer> {
    const dir = makeTempDir('redis');
    const server = new RedisServer(binary, port, dir);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server (again) on the same port and resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.isRunning) throw new Error(`redis-server on port ${this.port} is already running`);
    this.output = '';
    const child = spawn(
      this.binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--protected-mode',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child = child;
    await waitUntil(`${this.binary} to answer PING on port ${this.port}`, 15_000, async () => {
      if (!this.isRunning) throw new Error(`${this.binary} exited on start (port ${this.port}): ${this.output.trim()}`);
      return ping(this.port);
    });
  }

  /** Sends `signal` (SIGKILL: a crash, no goodbye to clients) and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** SIGSTOP: the process freezes with its sockets open, as a server stuck in a long command or swapping. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill('SIGKILL');
    removeDir(this.dir);
  }
}

/** Whether something on `port` answers PING with +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
