import { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { checkStandInAuth, type StandInAuth } from '../http/auth-check.js';
import { closeServer, listenOnLoopback, readRequestBody, RequestTooLargeError } from '../http/server-lifecycle.js';

export interface RegistrationServerOptions {
  /** HTTPS certificate chain and key. */
  tls: { certificatePem: string; privateKeyPem: string };
  /** Roots trusted for client certificates, needed for `auth: { type: 'mtls' }`. */
  clientCaPem?: string;
  auth?: StandInAuth;
  /** Status for a certificate that is already registered, such as 409; by default a repeat gets 200. */
  alreadyRegisteredStatus?: number;
}

/** One certificate the partner accepted. */
export interface RegisteredCertificate {
  serialNumber: string;
  fingerprint256: string;
  subject: string;
  chainLength: number;
}

/** One request as the stand-in recorded it; credentials are never recorded, bodies are. */
export interface RegistrationRecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  identity: string | undefined;
  body: string;
  status?: number;
}

export type RegistrationCannedResponse = { status: number; headers?: Record<string, string>; body: string } | undefined;
/** `headers` are the request's headers, credentials included, so a test can fake a server that echoes them. */
export type RegistrationResponder = (
  request: RegistrationRecordedRequest,
  headers: IncomingHttpHeaders,
) => RegistrationCannedResponse | Promise<RegistrationCannedResponse>;

export interface RegistrationServer {
  /** https://127.0.0.1:<port>/v1/client-certificates: POST JSON `{"certificate": "<PEM>", "chain"?: "<PEM>"}`. */
  url: string;
  requests: RegistrationRecordedRequest[];
  /** Certificates accepted so far, each once, in order. */
  registered: RegisteredCertificate[];
  setResponder(responder: RegistrationResponder | undefined): void;
  close(): Promise<void>;
}

export const REGISTRATION_PATH = '/v1/client-certificates';
const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/**
 * Starts a partner API on 127.0.0.1 that accepts client certificates for registration, as the
 * target of `rotation.registration`. A repeat of a registered certificate gets 200, or
 * `alreadyRegisteredStatus` when set, the status that partners rejecting duplicates return.
 */
export async function startRegistrationServer(options: RegistrationServerOptions): Promise<RegistrationServer> {
  const requests: RegistrationRecordedRequest[] = [];
  const registered: RegisteredCertificate[] = [];
  const auth = options.auth ?? { type: 'none' };
  let responder: RegistrationResponder | undefined;

  const respond = (response: ServerResponse, recorded: RegistrationRecordedRequest, status: number, body: object): void => {
    recorded.status = status;
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
    const authCheck = checkStandInAuth(request, auth);
    const recorded: RegistrationRecordedRequest = {
      method: request.method ?? '',
      path,
      contentType: request.headers['content-type'],
      identity: authCheck.ok ? authCheck.identity : undefined,
      body: '',
    };
    requests.push(recorded);
    try {
      recorded.body = (await readRequestBody(request, MAX_REQUEST_BODY_BYTES)).toString('utf8');
    } catch (error) {
      if (!(error instanceof RequestTooLargeError)) throw error;
      respond(response, recorded, 413, { error: error.message });
      return;
    }

    const canned = await responder?.(recorded, request.headers);
    if (canned !== undefined) {
      recorded.status = canned.status;
      response.writeHead(canned.status, canned.headers ?? { 'Content-Type': 'application/json' });
      response.end(canned.body);
      return;
    }

    if (!authCheck.ok) return respond(response, recorded, authCheck.status, { error: authCheck.message });
    if (path !== REGISTRATION_PATH) return respond(response, recorded, 404, { error: `no route for ${path}` });
    if (request.method !== 'POST' && request.method !== 'PUT') return respond(response, recorded, 405, { error: `${recorded.method} is not allowed` });

    const certificate = certificateOf(recorded.body);
    if (certificate === undefined) return respond(response, recorded, 400, { error: 'field "certificate" must hold one PEM certificate' });

    const known = registered.find((entry) => entry.fingerprint256 === certificate.leaf.fingerprint256);
    if (known !== undefined) {
      return respond(response, recorded, options.alreadyRegisteredStatus ?? 200, { error: options.alreadyRegisteredStatus ? 'certificate already registered' : undefined, ...known });
    }
    const entry = {
      serialNumber: certificate.leaf.serialNumber.toUpperCase(),
      fingerprint256: certificate.leaf.fingerprint256,
      subject: certificate.leaf.subject.replaceAll('\n', ', '),
      chainLength: certificate.chainLength,
    };
    registered.push(entry);
    respond(response, recorded, 201, entry);
  };

  const server = createServer(
    { cert: options.tls.certificatePem, key: options.tls.privateKeyPem, ca: options.clientCaPem, requestCert: options.clientCaPem !== undefined, rejectUnauthorized: false },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        console.error(`dev registration server: ${request.method ?? ''} ${request.url ?? ''} failed: ${String(error)}`);
        if (!response.headersSent) response.writeHead(500).end();
      });
    },
  );
  const port = await listenOnLoopback(server);

  return {
    url: `https://127.0.0.1:${port}${REGISTRATION_PATH}`,
    requests,
    registered,
    setResponder: (next) => {
      responder = next;
    },
    close: () => closeServer(server),
  };
}

function certificateOf(body: string): { leaf: X509Certificate; chainLength: number } | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    if (typeof parsed.certificate !== 'string' || (parsed.certificate.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length !== 1) return undefined;
    const chain = typeof parsed.chain === 'string' ? (parsed.chain.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length : 0;

    return { leaf: new X509Certificate(parsed.certificate), chainLength: chain };
  } catch {
    return undefined;
  }
}
