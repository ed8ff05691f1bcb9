import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { closeServer, listenOnLoopback, readRequestBody, RequestTooLargeError } from '../http/server-lifecycle.js';
import type { CertificateAuthority } from '../pki/index.js';
import { certificateChainPem, InvalidCsrError } from '../pki/index.js';
import { issueFromVerifiedCsr, parseVerifiedCsr } from '../pki/issue.js';
import { x509 } from '../pki/x509-provider.js';
import { base64Body, encodeCertsOnly } from './pkcs7-certs-only.js';

export interface EstServerOptions {
  /** CA that issues every enrolled certificate, usually an intermediate. */
  issuer: CertificateAuthority;
  /** HTTPS certificate (leaf first, then intermediates) and key. */
  tls: { certificatePem: string; privateKeyPem: string };
  /** Roots trusted for the client certificates that authenticate simplereenroll. */
  clientCaPem: string;
  /** Credentials that simpleenroll requires with HTTP Basic; without them enrollment is anonymous. */
  basicAuth?: { username: string; password: string };
  /** CA labels (RFC 7030 section 3.2.2) served beside the unlabelled path; another label gets 404. */
  labels?: string[];
  /** Returns the leaf and its issuer chain from enrollments; by default the leaf alone, as many EST servers do. */
  includeChainInEnrollment?: boolean;
  /** Certificates that /cacerts returns after the issuer chain, such as a rollover root. */
  extraCaCertificatePems?: string[];
}

/** One request as the stand-in recorded it. Passwords are never recorded. */
export interface EstRecordedRequest {
  method: string;
  path: string;
  operation: string;
  label: string | undefined;
  contentType: string | undefined;
  contentTransferEncoding: string | undefined;
  /** Username of an HTTP Basic Authorization header. */
  basicUsername: string | undefined;
  /** The client certificate of the TLS session, if one was sent; `subject` is its common name. */
  clientCertificate: { serialNumber: string; subject: string; authorized: boolean } | undefined;
  body: string;
  /** Status of the stand-in's response. */
  status?: number;
}

/** A canned response from a test, or undefined to let the stand-in handle the request. */
export type EstCannedResponse = { status: number; headers?: Record<string, string>; body: string | Buffer } | undefined;
export type EstResponder = (request: EstRecordedRequest) => EstCannedResponse | Promise<EstCannedResponse>;

export interface EstServer {
  /** https://127.0.0.1:<port>/.well-known/est */
  url: string;
  requests: EstRecordedRequest[];
  /** Serial numbers (upper-case hex) of the certificates the stand-in issued. */
  issuedSerialNumbers: string[];
  setResponder(responder: EstResponder | undefined): void;
  close(): Promise<void>;
}

export const EST_BASE_PATH = '/.well-known/est';
const MAX_REQUEST_BODY_BYTES = 64 * 1024;
const SUBJECT_ALT_NAME_OID = '2.5.29.17';
const PKCS7_HEADERS = { 'Content-Type': 'application/pkcs7-mime; smime-type=certs-only', 'Content-Transfer-Encoding': 'base64' };

/** A rejection that the stand-in sends as a text/plain error. */
class EstRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Starts an EST server (RFC 7030) on 127.0.0.1 with cacerts, simpleenroll and simplereenroll, CA
 * labels, HTTP Basic for enrollment and client-certificate authentication for re-enrollment. Its
 * PKCS#7 responses come from `openssl crl2pkcs7`.
 */
export async function startEstServer(options: EstServerOptions): Promise<EstServer> {
  const requests: EstRecordedRequest[] = [];
  const issuedSerialNumbers: string[] = [];
  let responder: EstResponder | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse, recorded: EstRecordedRequest): Promise<void> => {
    const canned = await responder?.(recorded);
    if (canned !== undefined) {
      send(response, recorded, canned.status, canned.headers ?? {}, canned.body);
      return;
    }

    if (recorded.label !== undefined && !(options.labels ?? []).includes(recorded.label)) {
      throw new EstRejection(404, `unknown CA label ${recorded.label}`);
    }
    const method = recorded.operation === 'cacerts' ? 'GET' : 'POST';
    if (!['cacerts', 'simpleenroll', 'simplereenroll'].includes(recorded.operation)) throw new EstRejection(404, `operation ${recorded.operation} is not supported`);
    if (request.method !== method) throw new EstRejection(405, `${recorded.operation} takes ${method}`, { Allow: method });

    if (recorded.operation === 'cacerts') {
      const chain = [...issuerChainPems(options.issuer), ...(options.extraCaCertificatePems ?? [])];
      send(response, recorded, 200, PKCS7_HEADERS, base64Body(await encodeCertsOnly(chain)));
      return;
    }

    if (recorded.operation === 'simpleenroll') checkBasicAuth(request, options.basicAuth);
    const peer = recorded.operation === 'simplereenroll' ? authenticatedPeer(request) : undefined;
    if ((recorded.contentType ?? '').split(';')[0]?.trim().toLowerCase() !== 'application/pkcs10') {
      throw new EstRejection(415, `expected Content-Type application/pkcs10, got ${recorded.contentType ?? 'none'}`);
    }

    const csr = await csrOf(recorded.body);
    if (peer !== undefined) checkReenrollmentNames(csr, peer);
    const leafPem = await issueFromVerifiedCsr(options.issuer, csr, { extendedKeyUsages: ['clientAuth'] });
    issuedSerialNumbers.push(new x509.X509Certificate(leafPem).serialNumber.toUpperCase());

    const issued = options.includeChainInEnrollment === true ? [leafPem, ...issuerChainPems(options.issuer)] : [leafPem];
    send(response, recorded, 200, PKCS7_HEADERS, base64Body(await encodeCertsOnly(issued)));
  };

  const server = createServer(
    { cert: options.tls.certificatePem, key: options.tls.privateKeyPem, ca: options.clientCaPem, requestCert: true, rejectUnauthorized: false },
    (request, response) => {
      void (async () => {
        let recorded: EstRecordedRequest | undefined;
        try {
          recorded = await recordRequest(request);
          requests.push(recorded);
          await handle(request, response, recorded);
        } catch (error) {
          const rejection = asRejection(error);
          if (rejection === undefined) console.error(`dev EST server: ${request.method ?? ''} ${request.url ?? ''} failed: ${String(error)}`);
          const status = rejection?.status ?? 500;
          send(response, recorded, status, { 'Content-Type': 'text/plain; charset=utf-8', ...rejection?.headers }, `${rejection?.message ?? 'internal error'}\n`);
        }
      })();
    },
  );
  const port = await listenOnLoopback(server);

  return {
    url: `https://127.0.0.1:${port}${EST_BASE_PATH}`,
    requests,
    issuedSerialNumbers,
    setResponder: (next) => {
      responder = next;
    },
    close: () => closeServer(server),
  };
}

async function recordRequest(request: IncomingMessage): Promise<EstRecordedRequest> {
  const path = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
  if (!path.startsWith(`${EST_BASE_PATH}/`)) throw new EstRejection(404, `not an EST path: ${path}`);
  const segments = path.slice(EST_BASE_PATH.length + 1).split('/');
  if (segments.length > 2 || segments.some((segment) => segment === '')) throw new EstRejection(404, `not an EST path: ${path}`);
  const [first = '', second] = segments;

  const socket = request.socket as TLSSocket;
  const peer = socket.getPeerCertificate();
  const authorization = request.headers.authorization ?? '';
  const basic = /^Basic\s+(\S+)$/i.exec(authorization)?.[1];

  return {
    method: request.method ?? '',
    path,
    operation: second ?? first,
    label: second === undefined ? undefined : first,
    contentType: request.headers['content-type'],
    contentTransferEncoding: request.headers['content-transfer-encoding'] as string | undefined,
    basicUsername: basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8').split(':')[0],
    clientCertificate: peer?.serialNumber ? { serialNumber: peer.serialNumber.toUpperCase(), subject: String(peer.subject?.CN ?? ''), authorized: socket.authorized } : undefined,
    body: (await readRequestBody(request, MAX_REQUEST_BODY_BYTES)).toString('latin1'),
  };
}

function checkBasicAuth(request: IncomingMessage, expected: EstServerOptions['basicAuth']): void {
  if (expected === undefined) return;
  const challenge = { 'WWW-Authenticate': 'Basic realm="est"' };
  const encoded = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (encoded === undefined) throw new EstRejection(401, 'HTTP Basic authentication required', challenge);

  const presented = Buffer.from(encoded, 'base64');
  const required = Buffer.from(`${expected.username}:${expected.password}`, 'utf8');
  if (presented.length !== required.length || !timingSafeEqual(presented, required)) throw new EstRejection(401, 'invalid username or password', challenge);
}

/** RFC 7030 section 3.3.2: re-enrollment is authenticated by a client certificate that chains to a trusted root. */
function authenticatedPeer(request: IncomingMessage): x509.X509Certificate {
  const socket = request.socket as TLSSocket;
  const peer = socket.getPeerCertificate();
  if (peer?.raw === undefined) throw new EstRejection(401, 'simplereenroll requires a client certificate');
  if (!socket.authorized) throw new EstRejection(401, `client certificate not accepted: ${String(socket.authorizationError)}`);

  return new x509.X509Certificate(peer.raw);
}

async function csrOf(body: string): Promise<x509.Pkcs10CertificateRequest> {
  const compact = body.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new EstRejection(400, 'request body is not base64');
  }
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${compact.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE REQUEST-----\n`;
  try {
    return await parseVerifiedCsr(pem);
  } catch (error) {
    if (error instanceof InvalidCsrError) throw new EstRejection(400, error.message);
    throw error;
  }
}

/** RFC 7030 section 4.2.2: subject and subjectAltName of a re-enrollment equal those of the certificate it renews. */
function checkReenrollmentNames(csr: x509.Pkcs10CertificateRequest, peer: x509.X509Certificate): void {
  if (csr.subject !== peer.subject) {
    throw new EstRejection(400, `re-enrollment subject "${csr.subject}" differs from the current certificate's "${peer.subject}"`);
  }
  const namesOf = (extension: x509.Extension | null) =>
    extension === null ? '[]' : JSON.stringify(new x509.SubjectAlternativeNameExtension(extension.rawData).names.toJSON().map((name) => `${name.type}:${name.value}`).sort());
  if (namesOf(csr.getExtension(SUBJECT_ALT_NAME_OID)) !== namesOf(peer.getExtension(SUBJECT_ALT_NAME_OID))) {
    throw new EstRejection(400, "re-enrollment subjectAltName differs from the current certificate's");
  }
}

/** Returns the issuer and its parents up to and including the root, the content of the stand-in's /cacerts. */
function issuerChainPems(issuer: CertificateAuthority): string[] {
  let root = issuer;
  while (root.parent !== undefined) root = root.parent;
  const chain = certificateChainPem(issuer);
  const intermediates = chain === '' ? [] : chain.split(/(?<=-----END CERTIFICATE-----\n?)/).filter((pem) => pem.trim() !== '');

  return [...intermediates, root.certificatePem];
}

function asRejection(error: unknown): EstRejection | undefined {
  if (error instanceof EstRejection) return error;
  if (error instanceof RequestTooLargeError) return new EstRejection(413, error.message);

  return undefined;
}

function send(response: ServerResponse, recorded: EstRecordedRequest | undefined, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (recorded !== undefined) recorded.status = status;
  if (response.headersSent) return;
  response.writeHead(status, headers);
  response.end(body);
}
