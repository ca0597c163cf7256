import { createServer } from 'node:net';

/**
 * Asks the OS for a TCP port that is free on 127.0.0.1 right now (listen on
 * port 0, read it, close). Another process could take it before you bind it,
 * which is unlikely enough for tests.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('Could not read the port of a probe server')),
      );
    });
  });
}
