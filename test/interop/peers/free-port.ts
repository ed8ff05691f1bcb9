import { createServer } from 'node:net';

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago.
 * Another process can still take it before the peer binds it, so peers
 * retry on PeerStartError.addressInUse.
 */
export function reserveFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`Cannot read the port of a listening socket: address is ${String(address)}`));

        return;
      }

      server.close(() => resolve(address.port));
    });
  });
}
