import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CertificateAuthority } from '../pki/index.js';
import {
  assertValidProfiles,
  DEFAULT_CFSSL_PROFILE_NAME,
  DEFAULT_CFSSL_PROFILES,
  expiryString,
  type CfsslProfile,
  type CfsslProfiles,
} from './cfssl-profiles.js';
import { unwrapAuthenticatedRequest } from './cfssl-authsign.js';
import { badRequest, CFSSL_ERROR_CODE, CfsslApiError, sendError, sendSuccess } from './cfssl-response.js';
import { parseSignRequest, signCsr } from './cfssl-sign.js';

export interface CfsslServerOptions {
  /** CA that signs every request, usually an intermediate. */
  signer: CertificateAuthority;
  profiles?: CfsslProfiles;
  /** Profile used when a request names none. Default: 'client'. */
  defaultProfile?: string;
  /**
   * Handling of a profile name that is not configured. 'reject' (default) returns error 5200, so a
   * typo fails the test. 'useDefault' signs with the default profile, as cfssl 1.6 does.
   */
  unknownProfile?: 'reject' | 'useDefault';
  /** Certificate (leaf first, then intermediates) and key for serving HTTPS instead of plain HTTP. */
  tls?: { certificatePem: string; privateKeyPem: string };
  /**
   * Hex HMAC key (cfssl's auth_key) that every profile requires. Then, as in `cfssl serve` when no
   * profile signs without authentication, only authsign is served and sign returns 404. Without
   * it, authsign returns 404.
   */
  authKeyHex?: string;
}

export interface CfsslRecordedRequest {
  path: string;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/**
 * A test override that returns a canned response, or undefined to let the CA handle the request.
 * `headers` replace the default Content-Type. With `endless`, the server sends the status, headers
 * and body, then keeps the response open without ending it, as a stuck server does.
 */
export type CfsslCannedAnswer = { status: number; body: string; headers?: Record<string, string>; endless?: boolean } | undefined;
export type CfsslResponder = (path: string, body: unknown) => CfsslCannedAnswer | Promise<CfsslCannedAnswer>;

export interface CfsslServer {
  /** http(s)://127.0.0.1:<port> */
  url: string;
  signUrl: string;
  authsignUrl: string;
  infoUrl: string;
  requests: CfsslRecordedRequest[];
  setResponder(responder: CfsslResponder | undefined): void;
  close(): Promise<void>;
}

export const CFSSL_SIGN_PATH = '/api/v1/cfssl/sign';
export const CFSSL_INFO_PATH = '/api/v1/cfssl/info';
export const CFSSL_AUTHSIGN_PATH = '/api/v1/cfssl/authsign';
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * Starts a CA on 127.0.0.1 that serves the sign (or authsign) and info endpoints of `cfssl serve`
 * with CFSSL's response envelope, status codes and error codes.
 */
export async function startCfsslServer(options: CfsslServerOptions): Promise<CfsslServer> {
  const profiles = options.profiles ?? DEFAULT_CFSSL_PROFILES;
  const defaultProfile = options.defaultProfile ?? DEFAULT_CFSSL_PROFILE_NAME;
  assertValidProfiles(profiles, defaultProfile);

  const requests: CfsslRecordedRequest[] = [];
  let responder: CfsslResponder | undefined;
  const authKey = options.authKeyHex === undefined ? undefined : Buffer.from(options.authKeyHex, 'hex');
  const signPath = authKey === undefined ? CFSSL_SIGN_PATH : CFSSL_AUTHSIGN_PATH;

  const resolveProfile = (name: string | undefined | null): CfsslProfile => {
    const profileName = name || defaultProfile;
    const profile = Object.hasOwn(profiles, profileName) ? profiles[profileName] : undefined;
    if (profile !== undefined) {
      return profile;
    }
    if (options.unknownProfile === 'useDefault') {
      return profiles[defaultProfile] as CfsslProfile;
    }

    throw new CfsslApiError(
      400,
      CFSSL_ERROR_CODE.INVALID_POLICY,
      `Invalid or unknown policy: profile '${profileName}' is not configured; configured profiles: ${Object.keys(profiles).join(', ')}`,
    );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const text = await readBody(request);
    const body = parseJson(text);
    requests.push({ path, body: body.ok ? body.value : text });

    const canned = await responder?.(path, body.ok ? body.value : text);
    if (canned !== undefined) {
      response.writeHead(canned.status, canned.headers ?? { 'Content-Type': 'application/json' });
      if (canned.endless === true) {
        response.write(canned.body);
      } else {
        response.end(canned.body);
      }
      return;
    }

    if (path !== signPath && path !== CFSSL_INFO_PATH) {
      // Go's ServeMux response for an unregistered path.
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('404 page not found\n');
      return;
    }
    if (request.method !== 'POST') {
      throw new CfsslApiError(405, 405, `Method is not allowed:"${request.method ?? ''}"`);
    }

    if (path === CFSSL_AUTHSIGN_PATH && authKey !== undefined) {
      const { signRequest: inner, tokenValid } = unwrapAuthenticatedRequest(body, authKey);
      const profileName = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>).profile : undefined;
      const profile = resolveProfile(typeof profileName === 'string' ? profileName : undefined);
      if (!tokenValid) {
        throw badRequest('invalid token');
      }
      const signRequest = parseSignRequest(inner);
      sendSuccess(response, { certificate: await signCsr(options.signer, profile, signRequest) });
      return;
    }

    if (path === CFSSL_SIGN_PATH) {
      if (!body.ok) {
        throw badRequest('Unable to parse sign request');
      }
      const signRequest = parseSignRequest(body.value);
      const certificate = await signCsr(options.signer, resolveProfile(signRequest.profile), signRequest);
      sendSuccess(response, { certificate });
      return;
    }

    const infoRequest = parseInfoRequest(body);
    const profile = resolveProfile(infoRequest.profile);
    // CFSSL's Info trims the PEM, so unlike a signed certificate it has no trailing newline.
    sendSuccess(response, {
      certificate: options.signer.certificatePem.trim(),
      usages: profile.usages,
      expiry: expiryString(profile),
    });
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      // Client errors are expected in tests and stay visible in `requests`, so only failures of the
      // dev CA itself are logged.
      if (error instanceof CfsslApiError) {
        sendError(response, error);
        return;
      }
      // CFSSL returns errors outside its own error type with HTTP 500 and code 0.
      console.error(`dev CFSSL server: ${request.method ?? ''} ${request.url ?? ''} failed: ${String(error)}`);
      sendError(response, new CfsslApiError(500, 0, String(error), { cause: error }));
    });
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.certificatePem, key: options.tls.privateKeyPem }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    url,
    signUrl: url + CFSSL_SIGN_PATH,
    authsignUrl: url + CFSSL_AUTHSIGN_PATH,
    infoUrl: url + CFSSL_INFO_PATH,
    requests,
    setResponder: (next) => {
      responder = next;
    },
    close: () => closeServer(server),
  };
}

function parseInfoRequest(body: { ok: true; value: unknown } | { ok: false; error: string }): { label?: string; profile?: string } {
  if (!body.ok) {
    throw badRequest(body.error);
  }
  const value = body.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('json: cannot unmarshal the request body into an info request object');
  }
  const { label, profile } = value as Record<string, unknown>;
  for (const [field, fieldValue] of [['label', label], ['profile', profile]] as const) {
    if (fieldValue !== undefined && fieldValue !== null && typeof fieldValue !== 'string') {
      throw badRequest(`json: cannot unmarshal ${typeof fieldValue} into field ${field} of type string`);
    }
  }

  return value as { label?: string; profile?: string };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BODY_BYTES) {
      throw new CfsslApiError(413, 413, `Request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // fetch keeps connections alive; without this, close() waits for their idle timeout.
    server.closeAllConnections();
  });
}
