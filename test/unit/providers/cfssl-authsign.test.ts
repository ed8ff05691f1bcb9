import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCfsslServer, type CfsslServer } from '../../../dev/ca/cfssl-server.js';
import { createTestPki, type TestPki } from '../../../dev/pki/index.js';
import { parseRotationConfig } from '../../../src/lib/config/rotation-config.js';
import { CredentialsError, ProviderError } from '../../../src/lib/errors.js';
import { CfsslProvider } from '../../../src/lib/providers/cfssl.js';
import { authenticateCfsslRequest, cfsslAuthKeyOf } from '../../../src/lib/providers/cfssl-auth.js';
import type { CfsslProviderConfig } from '../../../src/lib/providers/cfssl-config.js';
import { newIssueRequest, TEST_SUBJECT } from '../../support/issue-request.js';
import { capturedOutput } from '../../support/leak-guard.js';
import { testProviderContext } from '../../support/provider-context.js';

const AUTH_KEY_HEX = '0123456789abcdef0123456789abcdef';
const WRONG_KEY_HEX = 'fedcba9876543210fedcba9876543210';

let pki: TestPki;
let authenticated: CfsslServer;
let open: CfsslServer;

beforeAll(async () => {
  pki = await createTestPki();
  authenticated = await startCfsslServer({ signer: pki.intermediate, authKeyHex: AUTH_KEY_HEX });
  open = await startCfsslServer({ signer: pki.intermediate });
});
afterAll(async () => {
  await Promise.all([authenticated.close(), open.close()]);
  expect(capturedOutput()).not.toContain(AUTH_KEY_HEX);
});

/** HMAC-SHA-256 computed by openssl, independent of node:crypto. */
function opensslHmacBase64(keyHex: string, data: Buffer): string {
  return execFileSync('openssl', ['dgst', '-sha256', '-mac', 'HMAC', '-macopt', `hexkey:${keyHex}`, '-binary'], { input: data }).toString('base64');
}

async function post(url: string, body: unknown): Promise<{ status: number; body: { success: boolean; result: { certificate?: string } | null; errors: { code: number; message: string }[] } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  return { status: response.status, body: (await response.json().catch(() => ({}))) as never };
}

async function issueThrough(server: CfsslServer, keyHex: string | undefined) {
  const provider = { type: 'cfssl', url: server.signUrl, allowInsecureHttp: true, ...(keyHex === undefined ? {} : { credentialsSecretId: 'cfssl/auth' }) };
  const context = testProviderContext({ credentials: { 'cfssl/auth': { key: keyHex } } });
  const { request } = await newIssueRequest(provider, context);

  return new CfsslProvider(request.config.provider as CfsslProviderConfig).issue(request);
}

describe('authenticateCfsslRequest', () => {
  it('matches an openssl HMAC of the request bytes', () => {
    const signRequest = { certificate_request: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n', profile: 'client' };

    const envelope = authenticateCfsslRequest(Buffer.from(AUTH_KEY_HEX, 'hex'), signRequest, new Date('2026-01-02T03:04:05Z'));

    const requestBytes = Buffer.from(envelope.request, 'base64');
    expect(JSON.parse(requestBytes.toString('utf8'))).toEqual(signRequest);
    expect(envelope.token).toBe(opensslHmacBase64(AUTH_KEY_HEX, requestBytes));
    expect(envelope.timestamp).toBe(1767323045);
  });
});

describe('cfsslAuthKeyOf', () => {
  it('decodes hex', () => {
    expect(cfsslAuthKeyOf({ key: 'ABcd' }, 's').toString('hex')).toBe('abcd');
  });

  it.each([
    ['a missing key', {}, 'has no non-empty string field "key"'],
    ['an odd length', { key: 'abc' }, 'is not an even number of hexadecimal digits'],
    ['non-hex text', { key: 'not-hex-secret-value' }, 'is not an even number of hexadecimal digits'],
  ])('rejects %s without quoting it', (_case, credentials, fragment) => {
    const error = (() => {
      try {
        cfsslAuthKeyOf(credentials, 'cfssl/auth');
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a CredentialsError');
    })();

    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain('not-hex-secret-value');
  });
});

describe('dev CFSSL authsign endpoint', () => {
  it('signs a request with a valid token', async () => {
    const { request } = await newIssueRequest({ type: 'cfssl', url: authenticated.signUrl, allowInsecureHttp: true }, testProviderContext());

    const answer = await post(authenticated.authsignUrl, authenticateCfsslRequest(Buffer.from(AUTH_KEY_HEX, 'hex'), { certificate_request: request.csrPem }));

    expect(answer.status).toBe(200);
    expect(answer.body.result?.certificate).toContain('-----BEGIN CERTIFICATE-----');
  });

  it.each([
    ['a token for another key', { key: WRONG_KEY_HEX }, 'invalid token'],
    ['a token that is not base64', { token: '!!!' }, 'illegal base64 data in field token'],
    ['a request that is not JSON', { request: Buffer.from('not json').toString('base64') }, 'Unable to parse authenticated sign request'],
  ])('refuses %s with HTTP 400', async (_case, change, message) => {
    const valid = authenticateCfsslRequest(Buffer.from('key' in change ? change.key : AUTH_KEY_HEX, 'hex'), { certificate_request: 'x', profile: 'client' });
    const { key: _key, ...fieldChanges } = change as Record<string, string>;

    const answer = await post(authenticated.authsignUrl, { ...valid, ...fieldChanges });

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ code: 400, message }]);
  });

  it('serves no unauthenticated sign', async () => {
    expect((await post(authenticated.signUrl, { certificate_request: 'x' })).status).toBe(404);
  });

  it('serves no authsign without a key', async () => {
    expect((await post(open.authsignUrl, {})).status).toBe(404);
  });
});

describe('CfsslProvider with credentialsSecretId', () => {
  it('signs through authsign', async () => {
    const before = authenticated.requests.length;

    const result = await issueThrough(authenticated, AUTH_KEY_HEX);

    expect(authenticated.requests.slice(before).map((request) => request.path)).toEqual(['/api/v1/cfssl/authsign', '/api/v1/cfssl/info']);
    expect(Object.keys(authenticated.requests[before]!.body as object).sort()).toEqual(['request', 'timestamp', 'token']);
    expect(result.certificates).toHaveLength(2);
  });

  it('reports a wrong key', async () => {
    const error = (await issueThrough(authenticated, WRONG_KEY_HEX).catch((caught: unknown) => caught)) as ProviderError;

    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      "provider 'cfssl' authsign rejected the request with HTTP 400: 400: \"invalid token\"; if CFSSL reports an invalid token, the key in credentials secret cfssl/auth is not the auth_key of the signing profile",
    );
    expect(error.context).toEqual({ provider: 'cfssl', operation: 'authsign', status: 400 });
    expect(error.retryable).toBe(false);
  });

  it('keeps sign without credentials', async () => {
    const before = open.requests.length;

    await issueThrough(open, undefined);

    expect(open.requests[before]?.path).toBe('/api/v1/cfssl/sign');
  });

  it('still requires the sign URL', () => {
    expect(() =>
      parseRotationConfig({ provider: { type: 'cfssl', url: 'https://ca.example/api/v1/cfssl/authsign', credentialsSecretId: 'cfssl/auth' }, subject: TEST_SUBJECT }),
    ).toThrow('rotation.provider.url: must be the CFSSL sign endpoint, ending in /api/v1/cfssl/sign; with credentialsSecretId the authsign endpoint is derived from it');
  });
});
