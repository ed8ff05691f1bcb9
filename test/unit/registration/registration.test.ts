import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, generateKeyPair, issueCertificate, type TestPki } from '../../../dev/pki/index.js';
import { startRegistrationServer, type RegistrationServer } from '../../../dev/registration/registration-server.js';
import { toPem } from '../../../src/lib/certificates/pem.js';
import { summarizeCertificate } from '../../../src/lib/certificates/summary.js';
import { parseRotationConfig, type RegistrationConfig } from '../../../src/lib/config/rotation-config.js';
import { ConfigurationError, RegistrationError } from '../../../src/lib/errors.js';
import { registerCertificate } from '../../../src/lib/registration/register-certificate.js';
import { TEST_SUBJECT } from '../../support/issue-request.js';
import { registerPrivateKey } from '../../support/key-material.js';
import { capturedOutput } from '../../support/leak-guard.js';
import { testProviderContext } from '../../support/provider-context.js';

const HEADER_VALUE = 'registration-api-key-70f1c4';
let pki: TestPki;
let partner: RegistrationServer;
let leaf: X509Certificate;

beforeAll(async () => {
  pki = await createTestPki();
  partner = await startRegistrationServer({
    tls: { certificatePem: pki.server.certificateChainPem, privateKeyPem: pki.server.privateKeyPem },
    auth: { type: 'header', headerName: 'X-Api-Key', value: HEADER_VALUE },
  });
  const key = await generateKeyPair();
  registerPrivateKey(key.privateKeyPem);
  leaf = new X509Certificate(await issueCertificate(pki.intermediate, key.publicKey, { subject: 'CN=registration-unit.example.test' }));
});
afterEach(() => partner.setResponder(undefined));
afterAll(async () => {
  await partner.close();
  expect(capturedOutput()).not.toContain(HEADER_VALUE);
});

function registrationConfig(registration: Record<string, unknown>): RegistrationConfig {
  const config = parseRotationConfig({ provider: { type: 'cfssl', url: 'https://ca.example/api/v1/cfssl/sign' }, subject: TEST_SUBJECT, registration });

  return config.registration as RegistrationConfig;
}

function register(registration: Record<string, unknown>) {
  const config = registrationConfig({
    url: partner.url,
    caCertificates: pki.serverRoot.certificatePem,
    auth: { type: 'header', credentialsSecretId: 'partner/api-key', headerName: 'X-Api-Key' },
    ...registration,
  });
  const sources = testProviderContext({ credentials: { 'partner/api-key': { value: HEADER_VALUE } } });

  return registerCertificate(config, { leaf, chain: [pki.intermediate.certificate] }, sources);
}

describe('registerCertificate', () => {
  it('renders every placeholder', async () => {
    // The stand-in parses JSON bodies only, so this plain-text body gets a canned 204.
    partner.setResponder(() => ({ status: 204, body: '' }));

    const outcome = await register({
      method: 'PUT',
      headers: { 'X-Partner-Id': '42' },
      contentType: 'text/plain',
      body: '{{certificatePem}}|{{chainPem}}|{{serialNumber}}|{{fingerprintSha256}}|{{certificatePemJson}}|{{chainPemJson}}',
    });

    expect(outcome).toBe('registered');
    const request = partner.requests.at(-1)!;
    const summary = summarizeCertificate(leaf);
    const chainPem = toPem(pki.intermediate.certificate);
    expect(request.method).toBe('PUT');
    expect(request.contentType).toBe('text/plain');
    expect(request.identity).toBe('header X-Api-Key');
    expect(request.body).toBe(
      [toPem(leaf), chainPem, summary.serialNumber, summary.fingerprintSha256, JSON.stringify(toPem(leaf)).slice(1, -1), JSON.stringify(chainPem).slice(1, -1)].join('|'),
    );
  });

  it('registers through the JSON body', async () => {
    const outcome = await register({ body: '{"certificate":"{{certificatePemJson}}","chain":"{{chainPemJson}}"}' });

    expect(['registered', 'already-registered']).toContain(outcome);
    expect(partner.registered.some((entry) => entry.fingerprint256 === leaf.fingerprint256 && entry.chainLength === 1)).toBe(true);
  });

  it('treats alreadyRegisteredStatus as success', async () => {
    partner.setResponder(() => ({ status: 409, body: '{"error":"duplicate"}' }));

    await expect(register({ body: '{"certificate":"{{certificatePemJson}}"}', alreadyRegisteredStatus: 409 })).resolves.toBe('already-registered');
  });

  it.each([
    [409, false, 'set rotation.registration.alreadyRegisteredStatus to 409'],
    [401, false, 'the partner refused header X-Api-Key from credentials secret partner/api-key'],
    [429, true, 'a later attempt can succeed'],
  ])('reports HTTP %i', async (status, retryable, hint) => {
    partner.setResponder(() => ({ status, body: '{"error":"no"}' }));

    const error = (await register({ body: '{"certificate":"{{certificatePemJson}}"}' }).catch((caught: unknown) => caught)) as RegistrationError;

    expect(error).toBeInstanceOf(RegistrationError);
    expect(error.message).toMatch(new RegExp(`^partner registration register (was rejected|failed) with HTTP ${status}: "no"`));
    expect(error.message).toContain(hint);
    expect(error.retryable).toBe(retryable);
    expect(error.context).toEqual({ operation: 'register', status });
  });
});

describe('registrationConfigSchema', () => {
  const base = { url: 'https://partner.example/v1/client-certificates', body: '{"certificate":"{{certificatePemJson}}"}' };
  const issuesOf = (registration: Record<string, unknown>): readonly string[] => {
    try {
      registrationConfig(registration);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);

      return (error as ConfigurationError).issues;
    }
    throw new Error('expected the configuration to be rejected');
  };

  it('applies defaults', () => {
    expect(registrationConfig(base)).toMatchObject({ method: 'POST', contentType: 'application/json' });
  });

  it.each([
    ['a body without the certificate', { body: '{"serial":"{{serialNumber}}"}' }, 'rotation.registration.body: must contain the certificate as one of {{certificatePem}}, {{certificatePemJson}}'],
    ['a private key placeholder', { body: '{"certificate":"{{certificatePemJson}}","key":"{{privateKeyPem}}"}' }, 'rotation.registration.body: unknown placeholder {{privateKeyPem}}'],
    ['raw PEM inside JSON', { body: '{"certificate":"{{certificatePem}}"}' }, 'rotation.registration.body: is not valid JSON'],
    ['a 2xx alreadyRegisteredStatus', { alreadyRegisteredStatus: 200 }, 'rotation.registration.alreadyRegisteredStatus'],
    ['credentials in the URL', { url: 'https://user:secret@partner.example/v1' }, 'rotation.registration.url: URL must not contain credentials'],
    ['a Cookie header', { headers: { Cookie: 'session=1' } }, 'rotation.registration.headers.Cookie: header Cookie is not allowed here'],
    ['an unknown field', { retries: 3 }, 'rotation.registration: unknown field "retries"'],
  ])('rejects %s', (_case, overrides, expected) => {
    const issues = issuesOf({ ...base, ...overrides });

    expect(issues.some((issue) => issue.startsWith(expected)), issues.join('\n')).toBe(true);
  });
});
