import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request body above the stand-in's limit; the server responds with 413. */
export class RequestTooLargeError extends Error {
  override name = 'RequestTooLargeError';
}

/** Starts `server` on 127.0.0.1 with a free port and returns the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections and drops open keep-alive connections, so close() returns at once. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

export async function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new RequestTooLargeError(`request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks);
}
