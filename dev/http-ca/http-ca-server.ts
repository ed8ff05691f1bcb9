import { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { checkStandInAuth, type StandInAuth } from '../http/auth-check.js';
import { closeServer, listenOnLoopback, readRequestBody, RequestTooLargeError } from '../http/server-lifecycle.js';
import { certificateChainPem, InvalidCsrError, type CertificateAuthority } from '../pki/index.js';
import { issueFromVerifiedCsr, parseVerifiedCsr } from '../pki/issue.js';

export interface HttpCaServerOptions {
  /** CA that signs every request, usually an intermediate. */
  issuer: CertificateAuthority;
  /** Serves HTTPS with this certificate chain and key; plain HTTP without it. */
  tls?: { certificatePem: string; privateKeyPem: string };
  /** Roots trusted for client certificates, needed for `auth: { type: 'mtls' }`. */
  clientCaPem?: string;
  auth?: StandInAuth;
}

/** One request as the stand-in recorded it; credentials are never recorded. */
export interface HttpCaRecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  /** Identity that the authentication check accepted, e.g. "user rotator", or undefined when it rejected the request. */
  identity: string | undefined;
  body: string;
  status?: number;
}

/** A canned response from a test, or undefined to let the stand-in handle the request. */
export type HttpCaCannedResponse = { status: number; headers?: Record<string, string>; body: string } | undefined;
/** `headers` are the request's headers, credentials included, so a test can fake a server that echoes them. */
export type HttpCaResponder = (request: HttpCaRecordedRequest, headers: IncomingHttpHeaders) => HttpCaCannedResponse | Promise<HttpCaCannedResponse>;

export interface HttpCaServer {
  /** http(s)://127.0.0.1:<port> */
  url: string;
  /** POST JSON `{"csr": "<PEM or base64 DER>"}`; returns 201 `{"data": {"certificate": "<PEM>", "chain": ["<PEM>", ...]}}`. */
  jsonUrl: string;
  /** POST the PEM CSR as the body; returns the PEM leaf followed by its chain. */
  pemUrl: string;
  requests: HttpCaRecordedRequest[];
  setResponder(responder: HttpCaResponder | undefined): void;
  close(): Promise<void>;
}

export const HTTP_CA_JSON_PATH = '/v1/certificates';
export const HTTP_CA_PEM_PATH = '/v1/certificates/pem';
const MAX_REQUEST_BODY_BYTES = 64 * 1024;

class HttpCaRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts a CA with a small REST API of its own on 127.0.0.1, as a stand-in for the CAs that the
 * `http` provider talks to. Errors are JSON `{"error": {"code", "message"}}`.
 */
export async function startHttpCaServer(options: HttpCaServerOptions): Promise<HttpCaServer> {
  const requests: HttpCaRecordedRequest[] = [];
  const auth = options.auth ?? { type: 'none' };
  let responder: HttpCaResponder | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const authCheck = checkStandInAuth(request, auth);
    const body = (await readRequestBody(request, MAX_REQUEST_BODY_BYTES)).toString('utf8');
    const recorded: HttpCaRecordedRequest = {
      method: request.method ?? '',
      path,
      contentType: request.headers['content-type'],
      identity: authCheck.ok ? authCheck.identity : undefined,
      body,
    };
    requests.push(recorded);

    const canned = await responder?.(recorded, request.headers);
    if (canned !== undefined) {
      recorded.status = canned.status;
      response.writeHead(canned.status, canned.headers ?? { 'Content-Type': 'application/json' });
      response.end(canned.body);
      return;
    }

    try {
      if (!authCheck.ok) throw new HttpCaRejection(authCheck.status, authCheck.message);
      if (path !== HTTP_CA_JSON_PATH && path !== HTTP_CA_PEM_PATH) throw new HttpCaRejection(404, `no route for ${path}`);
      if (request.method !== 'POST' && request.method !== 'PUT') throw new HttpCaRejection(405, `${request.method ?? ''} is not allowed`);

      const chain = chainPems(options.issuer);
      if (path === HTTP_CA_PEM_PATH) {
        const leafPem = await issue(options.issuer, body);
        recorded.status = 200;
        response.writeHead(200, { 'Content-Type': 'application/pem-certificate-chain' });
        response.end([leafPem, ...chain].join(''));
        return;
      }

      const csr = csrFieldOf(body);
      const leafPem = await issue(options.issuer, csr);
      recorded.status = 201;
      response.writeHead(201, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ data: { certificate: leafPem, chain, serialNumber: new X509Certificate(leafPem).serialNumber } }));
    } catch (error) {
      let rejection: HttpCaRejection | undefined;
      if (error instanceof HttpCaRejection) rejection = error;
      else if (error instanceof RequestTooLargeError) rejection = new HttpCaRejection(413, error.message);
      if (rejection === undefined) console.error(`dev HTTP CA: ${request.method ?? ''} ${path} failed: ${String(error)}`);
      const status = rejection?.status ?? 500;
      recorded.status = status;
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: { code: status, message: rejection?.message ?? 'internal error' } }));
    }
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      console.error(`dev HTTP CA: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer(
        { cert: options.tls.certificatePem, key: options.tls.privateKeyPem, ca: options.clientCaPem, requestCert: options.clientCaPem !== undefined, rejectUnauthorized: false },
        listener,
      )
    : createHttpServer(listener);
  const port = await listenOnLoopback(server);
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    url,
    jsonUrl: url + HTTP_CA_JSON_PATH,
    pemUrl: url + HTTP_CA_PEM_PATH,
    requests,
    setResponder: (next) => {
      responder = next;
    },
    close: () => closeServer(server),
  };
}

/** Accepts the CSR as PEM or as base64 DER, the two forms the `http` provider's placeholders produce. */
function csrFieldOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpCaRejection(400, 'request body is not JSON');
  }
  const csr = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).csr : undefined;
  if (typeof csr !== 'string' || csr.trim() === '') throw new HttpCaRejection(400, 'field "csr" is missing');
  if (csr.includes('-----BEGIN')) return csr;

  const compact = csr.replace(/\s+/g, '');

  return `-----BEGIN CERTIFICATE REQUEST-----\n${compact.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE REQUEST-----\n`;
}

async function issue(issuer: CertificateAuthority, csrPem: string): Promise<string> {
  try {
    return await issueFromVerifiedCsr(issuer, await parseVerifiedCsr(csrPem), { extendedKeyUsages: ['clientAuth'] });
  } catch (error) {
    if (error instanceof InvalidCsrError) throw new HttpCaRejection(400, error.message);
    throw error;
  }
}

function chainPems(issuer: CertificateAuthority): string[] {
  return certificateChainPem(issuer)
    .split(/(?<=-----END CERTIFICATE-----\n?)/)
    .filter((pem) => pem.trim() !== '');
}
