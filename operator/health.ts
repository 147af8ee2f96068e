import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthServers {
  readonly healthPort: number;
  readonly metricsPort: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

/** `/healthz` and `/readyz` on one port (for the kubelet), `/metrics` on another (for Prometheus). Port 0 picks a free one. */
export async function startHealthServers(opts: {
  healthPort: number;
  metricsPort: number;
  host?: string;
  isReady: () => boolean;
  registry: Registry;
}): Promise<HealthServers> {
  const host = opts.host ?? '0.0.0.0';
  const health = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (req.url === '/readyz') {
      const ready = opts.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok\n' : 'not ready\n');
    } else {
      res.writeHead(404).end();
    }
  });
  const metrics = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    opts.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  const healthPort = await listen(health, opts.healthPort, host);
  const metricsPort = await listen(metrics, opts.metricsPort, host);
  return {
    healthPort,
    metricsPort,
    close: () =>
      Promise.all([health, metrics].map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(
        () => undefined,
      ),
  };
}
