import { request as httpRequest, validateHeaderValue, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { HttpRequestError } from '../errors.js';
import { describeTlsError } from './tls-errors.js';

export interface HttpRequestOptions {
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** PEM bundle that replaces the system trust store for this request. */
  caCertificates?: string | undefined;
  /** Client certificate (leaf plus chain, PEM) and key for mTLS. */
  clientCertificate?: { certificatePem: string; privateKeyPem: string } | undefined;
  /** TLS server name (SNI). Default: the URL's host name when it is a DNS name, none for an IP address. */
  servername?: string | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Negotiated TLS version, e.g. "TLSv1.3"; undefined for plain http. */
  tlsProtocol?: string | undefined;
}

/**
 * Sends one HTTP request and reads the whole response, bounded in time and size. TLS verification is
 * always on: `caCertificates` can only narrow whom the client trusts.
 */
export function sendHttpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const url = new URL(options.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: HttpRequestError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };

    const request = send(url, {
      method: options.method,
      headers: { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': Buffer.byteLength(options.body) }) },
      agent: false,
      ca: options.caCertificates,
      cert: options.clientCertificate?.certificatePem,
      key: options.clientCertificate?.privateKeyPem,
      servername: options.servername ?? serverNameOf(url),
      rejectUnauthorized: true,
    });

    const timer = setTimeout(() => {
      fail(new HttpRequestError('timeout', `${options.method} ${url.origin}${url.pathname} timed out after ${options.timeoutMs} ms`, { retryable: true }));
    }, options.timeoutMs);

    request.on('error', (error: NodeJS.ErrnoException) => {
      const tls = describeTlsError(error, url.hostname);
      fail(
        new HttpRequestError(tls === undefined ? 'connection' : 'tls', `${options.method} ${url.origin}${url.pathname} failed: ${tls ?? error.message}`, {
          cause: error,
          // A name that DNS reports as nonexistent stays so; EAI_AGAIN is the transient lookup failure.
          retryable: tls === undefined && error.code !== 'ENOTFOUND',
        }),
      );
    });

    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxResponseBytes) {
          fail(new HttpRequestError('too-large', `answer from ${url.origin}${url.pathname} exceeds ${options.maxResponseBytes} bytes`));

          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => {
        fail(new HttpRequestError('connection', `reading the answer from ${url.origin}${url.pathname} failed: ${error.message}`, { cause: error, retryable: true }));
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const socket = response.socket as { getProtocol?: () => string | null } | null;
        const tlsProtocol = socket?.getProtocol?.() ?? undefined;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), tlsProtocol });
      });
    });

    request.end(options.body);
  });
}

/**
 * Returns whether Node's HTTP client accepts `value` as a header value: tab, printable ASCII and
 * the Latin-1 range U+0080 to U+00FF. It throws on anything else when the request is created.
 */
export function isSendableHeaderValue(value: string): boolean {
  try {
    validateHeaderValue('x-checked', value);

    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_INVALID_CHAR') return false;
    throw error;
  }
}

/**
 * Returns the TLS server name for `url`. Without one, Node's https agent takes it from a Host
 * request header, and the ClientHello carries it in cleartext. An IP address gets the empty
 * string, because RFC 6066 section 3 allows only DNS names in SNI and an empty name stops Node
 * from deriving one.
 */
function serverNameOf(url: URL): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');

  return isIP(host) === 0 ? host : '';
}
