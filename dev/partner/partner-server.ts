import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface PartnerServerOptions {
  /** Server certificate in PEM, followed by any intermediates the client needs to build the chain. */
  certificatePem: string;
  privateKeyPem: string;
  /** Roots trusted for client certificates. A client sends its leaf and intermediates. */
  clientCaPem: string;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
}

/** A client certificate that completed the handshake and reached the HTTP handler. */
export interface PartnerRequest {
  subject: string;
  serialNumber: string;
  fingerprint256: string;
}

/** A connection the server dropped during or right after the handshake. */
export interface PartnerRejectedHandshake {
  /** Verification error of the client certificate, such as UNABLE_TO_GET_ISSUER_CERT_LOCALLY, when that was the cause. */
  authorizationError: string | undefined;
  code: string | undefined;
  message: string;
}

export interface PartnerServer {
  /** https://127.0.0.1:<port>/health */
  url: string;
  port: number;
  requests: PartnerRequest[];
  rejectedHandshakes: PartnerRejectedHandshake[];
  close(): Promise<void>;
}

export const PARTNER_HEALTH_PATH = '/health';

/**
 * Starts an HTTPS server on 127.0.0.1 that requires a client certificate chaining to `clientCaPem`.
 *
 * How a rejection looks to the client (Node 20): a missing certificate fails inside OpenSSL with a
 * TLS alert (certificate_required at TLS 1.3, handshake_failure at TLS 1.2). An untrusted
 * certificate is checked by node:tls only after the server's side of the handshake, and the socket
 * is then closed without an alert. At TLS 1.3 the client has already finished the handshake
 * (RFC 8446 section 4.4.2), so it receives `secureConnect` and then end of stream or ECONNRESET
 * when it reads. At TLS 1.2 the server's Finished message is discarded, so the handshake fails.
 */
export async function startPartnerServer(options: PartnerServerOptions): Promise<PartnerServer> {
  const requests: PartnerRequest[] = [];
  const rejectedHandshakes: PartnerRejectedHandshake[] = [];

  const server: Server = createServer(
    {
      cert: options.certificatePem,
      key: options.privateKeyPem,
      ca: options.clientCaPem,
      requestCert: true,
      rejectUnauthorized: true,
      ...(options.minVersion ? { minVersion: options.minVersion } : {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    },
    (request, response) => {
      const path = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
      if (request.method !== 'GET' || path !== PARTNER_HEALTH_PATH) {
        response.writeHead(404, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ ok: false, error: `not found: ${request.method ?? ''} ${path}` }));
        return;
      }

      // rejectUnauthorized guarantees a verified peer certificate here.
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      const clientSubject = formatSubject(peer.subject);
      requests.push({ subject: clientSubject, serialNumber: peer.serialNumber, fingerprint256: peer.fingerprint256 });

      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ ok: true, clientSubject, clientSerialNumber: peer.serialNumber }));
    },
  );
  // Rejections are the expected outcome of negative tests, so they are recorded instead of logged.
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    rejectedHandshakes.push({
      authorizationError: socket.authorizationError === undefined ? undefined : String(socket.authorizationError),
      code: error.code,
      message: error.message,
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}${PARTNER_HEALTH_PATH}`,
    port,
    requests,
    rejectedHandshakes,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Formats a peer certificate subject as 'CN=..., O=...', in the order node:tls reports it. An
 * attribute that occurs more than once arrives as an array.
 */
function formatSubject(subject: object | undefined): string {
  if (subject === undefined) {
    return '';
  }

  return (Object.entries(subject) as [string, string | string[]][])
    .flatMap(([attribute, values]) => (Array.isArray(values) ? values : [values]).map((value) => `${attribute}=${value}`))
    .join(', ');
}
