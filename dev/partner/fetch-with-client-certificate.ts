import { request } from 'node:https';

export interface ClientCertificateCredentials {
  certificatePem: string;
  privateKeyPem: string;
  /** Intermediates sent after the leaf so that the server can build the chain to its trusted root. */
  chainPem?: string;
  /** Roots trusted for the server certificate. */
  caPem: string;
  /** Time allowed for connecting, the handshake and the whole response. Default: 10 s. */
  timeoutMs?: number;
}

export interface ClientCertificateResponse {
  status: number;
  body: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Sends GET `url` over HTTPS with a client certificate, on a fresh connection (no agent pooling),
 * so that every call performs its own mTLS handshake. A rejected client certificate rejects the
 * promise: with ECONNRESET from a node:tls server such as the dev partner, or with the TLS alert
 * (for example ERR_SSL_TLSV1_ALERT_UNKNOWN_CA) from servers that send one.
 */
export function fetchWithClientCertificate(url: string, credentials: ClientCertificateCredentials): Promise<ClientCertificateResponse> {
  const timeoutMs = credentials.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'GET',
        cert: credentials.certificatePem + (credentials.chainPem ?? ''),
        key: credentials.privateKeyPem,
        ca: credentials.caPem,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => {
      outgoing.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end();
  });
}
