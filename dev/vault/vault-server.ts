import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CertificateAuthority } from '../pki/index.js';
import { VaultApiError, VaultPki, type VaultIssuedCertificate, type VaultRole } from './vault-pki.js';

export interface VaultServerOptions {
  /** CA that signs every request, usually an intermediate from dev/pki. */
  signer: CertificateAuthority;
  /** The only token the server accepts in X-Vault-Token. */
  token: string;
  /** When set, requests must name this namespace in X-Vault-Namespace. */
  namespace?: string;
  /** PKI mount path. Default 'pki'. */
  mount?: string;
  /** Default: one role 'mtls-client' that allows any name. */
  roles?: Record<string, VaultRole>;
  /** Certificate (leaf first, then intermediates) and key for serving HTTPS instead of plain HTTP. */
  tls?: { certificatePem: string; privateKeyPem: string };
}

/** One request as received; the token is never recorded, only whether it matched. */
export interface VaultRecordedRequest {
  method: string;
  path: string;
  tokenAccepted: boolean;
  namespace: string | undefined;
  body: unknown;
}

/** A canned response for a request, or undefined to let the stand-in handle it. */
export type VaultCannedResponse = { status: number; body: string } | undefined;
export type VaultResponder = (path: string, body: unknown) => VaultCannedResponse | Promise<VaultCannedResponse>;

export interface VaultServer {
  /** http(s)://127.0.0.1:<port>, the Vault address without /v1. */
  url: string;
  mount: string;
  requests: VaultRecordedRequest[];
  issued: VaultIssuedCertificate[];
  /** Serials revoked so far, in Vault's colon form. */
  revokedSerials(): string[];
  setResponder(responder: VaultResponder | undefined): void;
  close(): Promise<void>;
}

const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * Starts a stand-in for Vault's PKI secrets engine on 127.0.0.1: `POST /v1/<mount>/sign/<role>` and
 * `POST /v1/<mount>/revoke`, with Vault's token and namespace checks, its `{ "errors": [...] }`
 * error responses and status codes (403 for a bad token, 404 for an unknown path, 400 for a rejected request).
 */
export async function startVaultServer(options: VaultServerOptions): Promise<VaultServer> {
  const mount = options.mount ?? 'pki';
  const pki = new VaultPki(options.signer, options.roles ?? { 'mtls-client': {} });
  const requests: VaultRecordedRequest[] = [];
  let responder: VaultResponder | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const text = await readBody(request);
    const body = parseJson(text);
    const namespace = headerValue(request, 'x-vault-namespace')?.replace(/\/$/, '');
    const tokenAccepted = headerValue(request, 'x-vault-token') === options.token;
    requests.push({ method: request.method ?? '', path, tokenAccepted, namespace, body: body ?? text });

    const canned = await responder?.(path, body ?? text);
    if (canned !== undefined) {
      response.writeHead(canned.status, { 'content-type': 'application/json' });
      response.end(canned.body);

      return;
    }

    // Vault checks the token before routing, so a bad token gets 403 on any path.
    if (!tokenAccepted || namespace !== options.namespace?.replace(/\/$/, '')) throw new VaultApiError(403, 'permission denied');
    if (request.method !== 'POST' && request.method !== 'PUT') throw new VaultApiError(405, `unsupported operation`);
    if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new VaultApiError(400, 'failed to parse JSON input: the body is not a JSON object');
    }

    const route = path.startsWith(`/v1/${mount}/`) ? path.slice(`/v1/${mount}/`.length) : undefined;
    const role = /^sign\/([^/]+)$/.exec(route ?? '')?.[1];
    if (role !== undefined) {
      const signed = await pki.sign(decodeURIComponent(role), body as Record<string, unknown>);
      send(response, 200, { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data: signed.data, wrap_info: null, warnings: signed.warnings.length > 0 ? signed.warnings : null, auth: null });

      return;
    }
    if (route === 'revoke') {
      send(response, 200, { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, ...pki.revoke(body as Record<string, unknown>), warnings: null, auth: null });

      return;
    }

    throw new VaultApiError(404, `no handler for route "${path.replace(/^\/v1\//, '')}". route entry not found.`);
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof VaultApiError) {
        send(response, error.status, { errors: [error.message] });

        return;
      }
      console.error(`dev Vault server: ${request.method ?? ''} ${request.url ?? ''} failed: ${String(error)}`);
      send(response, 500, { errors: ['1 error occurred:\n\t* internal error\n\n'] });
    });
  };

  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.certificatePem, key: options.tls.privateKeyPem }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    mount,
    requests,
    issued: pki.issued,
    revokedSerials: () => pki.issued.filter((certificate) => certificate.revocationTime !== undefined).map((certificate) => certificate.serialNumber),
    setResponder: (next) => {
      responder = next;
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];

  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BODY_BYTES) throw new VaultApiError(413, `request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}
