// Free loopback ports for the control plane, so several clusters (or other services on the
// machine, such as a developer's own etcd) never collide on the well-known ports.

import { createServer, type Server } from 'node:net';

function listenOnce(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Returns `count` distinct free ports on 127.0.0.1. `preferred` ports (from an earlier run of the
 * same cluster) are kept when still free, so a restarted cluster keeps its addresses.
 * All ports are held open together while choosing, so no two answers are the same port.
 */
export async function freePorts(count: number, preferred: Array<number | undefined> = []): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const want = preferred[i];
      let server = want !== undefined && want > 0 && !ports.includes(want) ? await listenOnce(want) : null;
      if (server === null) server = await listenOnce(0);
      if (server === null) throw new Error('ports: cannot listen on 127.0.0.1');
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('ports: unexpected listen address');
      held.push(server);
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(held.map(close));
  }
}
