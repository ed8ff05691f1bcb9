import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { isLoopbackHost } from '../../src/lib/config/url-policy.js';

/**
 * A network fault the proxy applies to a connection:
 * - `delay`: keeps the connection waiting for `ms`, then connects to the target and forwards;
 * - `drop`: accepts the connection and reads from it, but never connects onward or responds;
 * - `reset`: accepts the connection, then resets it (TCP RST);
 * - `cut`: forwards both ways, and closes the connection once `afterBytes` bytes of the target's
 *   response have reached the client, in the middle of the stream.
 */
export type ProxyFault = { kind: 'delay'; ms: number } | { kind: 'drop' } | { kind: 'reset' } | { kind: 'cut'; afterBytes: number };

export type ProxyFaultKind = ProxyFault['kind'];

export interface FaultProxy {
  /** The port the proxy listens on, at 127.0.0.1. */
  port: number;
  /** Returns `url` with its host and port replaced by the proxy's, keeping scheme and path. */
  urlFor(url: string): string;
  /**
   * Applies `fault` to the next `connections` new connections, or to every new one when omitted;
   * later connections pass unchanged. `undefined` lets every connection pass. Replaces the
   * previous setting. Open connections keep what they had.
   */
  setFault(fault: ProxyFault | undefined, options?: { connections?: number }): void;
  /** Destroys every open connection, so clients that keep connections alive connect again and meet the current fault. */
  closeConnections(): void;
  /** Connections accepted so far, how many of them got each fault, and how many `cut` connections reached their limit. */
  stats: { connections: number; faulted: Record<ProxyFaultKind, number>; cutsMade: number };
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on 127.0.0.1 in front of `target`, which must be a loopback address too. It
 * works below TLS, so HTTPS clients keep verifying the target's certificate: point them at the
 * proxy's port on the same IP address.
 */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  if (!isLoopbackHost(target.host)) throw new Error(`fault proxy target must be a loopback host, got ${target.host}`);

  const sockets = new Set<Socket>();
  const stats: FaultProxy['stats'] = { connections: 0, faulted: { delay: 0, drop: 0, reset: 0, cut: 0 }, cutsMade: 0 };
  let fault: ProxyFault | undefined;
  let remainingFaulted = Number.POSITIVE_INFINITY;

  const track = (socket: Socket): Socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Resets and cuts are the point of the proxy, so socket errors are expected here.
    socket.on('error', () => undefined);

    return socket;
  };

  const forward = (client: Socket, cutAfterBytes?: number): void => {
    const upstream = track(connect({ host: target.host, port: target.port }));
    client.pipe(upstream);
    let forwarded = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (cutAfterBytes === undefined) {
        client.write(chunk);

        return;
      }
      const room = cutAfterBytes - forwarded;
      forwarded += chunk.length;
      if (room > chunk.length) {
        client.write(chunk);

        return;
      }
      stats.cutsMade += 1;
      client.end(chunk.subarray(0, Math.max(0, room)));
      upstream.destroy();
    });
    upstream.on('end', () => client.end());
    upstream.on('close', () => client.end());
    client.on('close', () => upstream.destroy());
  };

  const server = createServer((client) => {
    track(client);
    stats.connections += 1;
    const applied = remainingFaulted > 0 ? fault : undefined;
    if (applied !== undefined) {
      remainingFaulted -= 1;
      stats.faulted[applied.kind] += 1;
    }

    switch (applied?.kind) {
      case undefined:
        forward(client);
        break;
      case 'delay':
        // The client's bytes wait in the socket's buffer, because nothing reads them before forward().
        setTimeout(() => {
          if (!client.destroyed) forward(client);
        }, applied.ms);
        break;
      case 'drop':
        client.on('data', () => undefined);
        break;
      case 'reset':
        client.resetAndDestroy();
        break;
      case 'cut':
        forward(client, applied.afterBytes);
        break;
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const closeConnections = () => {
    for (const socket of sockets) socket.destroy();
  };

  return {
    port,
    urlFor(url) {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);

      return proxied.toString();
    },
    setFault(next, options = {}) {
      fault = next;
      remainingFaulted = options.connections ?? Number.POSITIVE_INFINITY;
    },
    closeConnections,
    stats,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        closeConnections();
      }),
  };
}
