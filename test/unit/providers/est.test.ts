import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeCertsOnly } from '../../../dev/est/pkcs7-certs-only.js';
import { startEstServer, type EstCannedResponse, type EstServer } from '../../../dev/est/est-server.js';
import { createRootCa, createTestPki, generateKeyPair, issueCertificate, type TestPki } from '../../../dev/pki/index.js';
import { parseCertificates, toPem } from '../../../src/lib/certificates/pem.js';
import { parseRotationConfig } from '../../../src/lib/config/rotation-config.js';
import { ConfigurationError, ProviderError } from '../../../src/lib/errors.js';
import { retryAfterSeconds } from '../../../src/lib/providers/est-response.js';
import { EstProvider } from '../../../src/lib/providers/est.js';
import type { EstProviderConfig } from '../../../src/lib/providers/est-config.js';
import type { CurrentCredentials } from '../../../src/lib/providers/index.js';
import { newIssueRequest, TEST_SUBJECT, TEST_SUBJECT_ALT_NAMES } from '../../support/issue-request.js';
import { registerPrivateKey } from '../../support/key-material.js';
import { capturedOutput } from '../../support/leak-guard.js';
import { testProviderContext } from '../../support/provider-context.js';

const PASSWORD = 'est-unit-password-5c1d9e';
const CREDENTIALS_ID = 'est/credentials';
const DAY_MS = 24 * 60 * 60 * 1000;

let pki: TestPki;
let est: EstServer;

beforeAll(async () => {
  pki = await createTestPki();
  est = await startEstServer({
    issuer: pki.intermediate,
    tls: { certificatePem: pki.server.certificateChainPem, privateKeyPem: pki.server.privateKeyPem },
    clientCaPem: pki.root.certificatePem,
    basicAuth: { username: 'rotator', password: PASSWORD },
    labels: ['payments'],
  });
});
afterEach(() => est.setResponder(undefined));
afterAll(async () => {
  await est.close();
  expect(capturedOutput()).not.toContain(PASSWORD);
});

function providerConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'est', url: est.url, caCertificates: pki.serverRoot.certificatePem, credentialsSecretId: CREDENTIALS_ID, ...overrides };
}

function contextWith(options: { password?: string; current?: CurrentCredentials } = {}) {
  return testProviderContext({
    credentials: { [CREDENTIALS_ID]: { username: 'rotator', password: options.password ?? PASSWORD } },
    ...(options.current ? { current: options.current } : {}),
  });
}

/** Runs one issue through EstProvider and returns its result with the requests the server saw. */
async function issue(overrides: Record<string, unknown> = {}, options: { password?: string; current?: CurrentCredentials } = {}) {
  const seen = est.requests.length;
  const { request, privateKey, privateKeyPem } = await newIssueRequest(providerConfig(overrides), contextWith(options));
  const provider = new EstProvider(request.config.provider as EstProviderConfig);
  const result = await provider.issue(request);

  return { result, privateKey, privateKeyPem, requests: est.requests.slice(seen) };
}

async function issueError(overrides: Record<string, unknown> = {}, options: { password?: string; current?: CurrentCredentials } = {}): Promise<ProviderError> {
  const error = await issue(overrides, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);

  return error as ProviderError;
}

/** Enrolls once and returns the pair as AWSCURRENT would store it. */
async function currentCredentials(): Promise<CurrentCredentials> {
  const { result, privateKeyPem } = await issue();
  const [leaf, ...chain] = result.certificates;

  return { certificatePem: toPem(leaf!), chainPem: chain.filter((certificate) => certificate.issuer !== certificate.subject).map(toPem).join(''), privateKeyPem };
}

describe('openssl certs-only messages', () => {
  it('parse back to the same certificates', async () => {
    const pems = [pki.intermediate.certificatePem, pki.root.certificatePem, pki.server.certificatePem];

    const parsed = parseCertificates((await encodeCertsOnly(pems)).toString('base64'), 'openssl crl2pkcs7 output');

    expect(parsed.map((certificate) => certificate.fingerprint256)).toEqual(pems.map((pem) => new X509Certificate(pem).fingerprint256));
  });

  it('parse from binary DER', async () => {
    const parsed = parseCertificates(await encodeCertsOnly([pki.root.certificatePem]), 'openssl crl2pkcs7 DER');

    expect(parsed[0]?.fingerprint256).toBe(pki.root.certificate.fingerprint256);
  });
});

describe('EstProvider simpleenroll', () => {
  it('enrolls with HTTP Basic and fetches the chain', async () => {
    const { result, privateKey, requests } = await issue();

    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /.well-known/est/simpleenroll', 'GET /.well-known/est/cacerts']);
    const [leaf, ...chain] = result.certificates;
    expect(leaf?.checkPrivateKey(privateKey)).toBe(true);
    expect(chain.map((certificate) => certificate.fingerprint256)).toEqual([pki.intermediate.certificate.fingerprint256, pki.root.certificate.fingerprint256]);
    expect(result.source).toContain('/cacerts');
  });

  it('sends the RFC 7030 request format', async () => {
    const { requests } = await issue();
    const enroll = requests[0]!;

    expect(enroll.contentType).toBe('application/pkcs10');
    expect(enroll.contentTransferEncoding).toBe('base64');
    expect(enroll.basicUsername).toBe('rotator');
    expect(enroll.clientCertificate).toBeUndefined();
    expect(enroll.body.split('\r\n').every((line) => line.length <= 64)).toBe(true);
  });

  it('uses the CA label in every path', async () => {
    const { requests } = await issue({ label: 'payments' });

    expect(requests.map((request) => request.path)).toEqual(['/.well-known/est/payments/simpleenroll', '/.well-known/est/payments/cacerts']);
  });

  it('skips cacerts when the response has the chain', async () => {
    const chainPems = [pki.intermediate.certificatePem, pki.root.certificatePem];
    est.setResponder(async (request) => {
      if (request.operation !== 'simpleenroll') return undefined;
      const other = await generateKeyPair();
      registerPrivateKey(other.privateKeyPem);
      const leaf = await issueCertificate(pki.intermediate, other.publicKey, { subject: 'CN=canned' });

      return { status: 200, headers: { 'Content-Type': 'application/pkcs7-mime; smime-type=certs-only' }, body: (await encodeCertsOnly([leaf, ...chainPems])).toString('base64') };
    });

    const { result, requests } = await issue();

    expect(requests.map((request) => request.operation)).toEqual(['simpleenroll']);
    expect(result.certificates).toHaveLength(3);
  });

  it('ignores cacerts outside the chain', async () => {
    const rollover = await createRootCa({ commonName: 'Rollover Root' });
    est.setResponder(async (request) =>
      request.operation === 'cacerts'
        ? { status: 200, headers: { 'Content-Type': 'application/pkcs7-mime' }, body: (await encodeCertsOnly([rollover.certificatePem, pki.intermediate.certificatePem, pki.root.certificatePem])).toString('base64') }
        : undefined,
    );

    const { result } = await issue();

    expect(result.certificates.map((certificate) => certificate.subject)).not.toContain('CN=Rollover Root');
    expect(result.certificates).toHaveLength(3);
  });
});

describe('EstProvider simplereenroll', () => {
  it('authenticates with the current certificate', async () => {
    const current = await currentCredentials();
    const currentSerial = new X509Certificate(current.certificatePem).serialNumber.toUpperCase();

    const { requests } = await issue({}, { current });

    expect(requests[0]?.operation).toBe('simplereenroll');
    expect(requests[0]?.clientCertificate).toEqual({ serialNumber: currentSerial, subject: TEST_SUBJECT.commonName, authorized: true });
    expect(requests[0]?.basicUsername).toBeUndefined();
  });

  it('falls back to simpleenroll for an expired certificate', async () => {
    const key = await generateKeyPair();
    registerPrivateKey(key.privateKeyPem);
    const expired = await issueCertificate(pki.intermediate, key.publicKey, {
      subject: `CN=${TEST_SUBJECT.commonName}, O=${TEST_SUBJECT.organization}`,
      dnsNames: TEST_SUBJECT_ALT_NAMES.dns,
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });

    const { requests } = await issue({}, { current: { certificatePem: expired, chainPem: pki.intermediate.certificatePem, privateKeyPem: key.privateKeyPem } });

    expect(requests[0]?.operation).toBe('simpleenroll');
    expect(capturedOutput()).toContain("AWSCURRENT's certificate is not valid now");
  });

  it('rejects plain http for re-enrollment', async () => {
    const current = await currentCredentials();

    const error = await issueError({ url: 'http://127.0.0.1:9/.well-known/est', allowInsecureHttp: true }, { current });

    expect(error.message).toContain('plain http cannot carry');
    expect(error.retryable).toBe(false);
  });
});

describe('EstProvider failures', () => {
  const text = (status: number, body: string, headers: Record<string, string> = {}): EstCannedResponse => ({
    status,
    headers: { 'Content-Type': 'text/plain', ...headers },
    body,
  });

  it.each<[string, EstCannedResponse, boolean, string[]]>([
    ['pending (202)', text(202, 'request queued for approval', { 'Retry-After': '120' }), true, ['simpleenroll returned HTTP 202', 'Retry-After 120 s', 'issue these requests automatically']],
    ['a rejected CSR (400)', text(400, 'CSR subject not allowed by policy'), false, ['simpleenroll rejected the request with HTTP 400', 'CSR subject not allowed by policy', 'check rotation.subject']],
    ['a server error (503)', text(503, 'CA backend down'), true, ['simpleenroll failed with HTTP 503', 'temporary failure']],
    ['a rate limit (429)', text(429, 'slow down'), true, ['simpleenroll failed with HTTP 429']],
    ['an HTML page with 200', { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html><body>Sign in</body></html>' }, false, ['HTTP 200 with Content-Type text/html instead of application/pkcs7-mime', '"<html><body>Sign in</body></html>"']],
    ['garbage PKCS#7', { status: 200, headers: { 'Content-Type': 'application/pkcs7-mime' }, body: 'MIIBAAAA' }, false, ['HTTP 200 with a body that is not a PKCS#7 certs-only message']],
    ['a CMC error answer (400)', { status: 400, headers: { 'Content-Type': 'application/pkcs7-mime' }, body: 'MIIB' }, false, ['HTTP 400: a CMC response']],
    ['a redirect (302)', text(302, '', { Location: 'https://elsewhere.example/.well-known/est' }), false, ['HTTP 302', 'redirects are not followed', 'https://elsewhere.example/.well-known/est']],
  ])('reports %s', async (_case, answer, retryable, fragments) => {
    est.setResponder((request) => (request.operation === 'simpleenroll' ? answer : undefined));

    const error = await issueError();

    expect(error.retryable).toBe(retryable);
    expect(error.context).toMatchObject({ provider: 'est', operation: 'simpleenroll', status: answer?.status });
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  });

  it('reports a wrong password', async () => {
    const error = await issueError({}, { password: 'not-the-password-0000' });

    expect(error.message).toMatch(/^provider 'est' simpleenroll rejected the request with HTTP 401: "invalid username or password"/);
    expect(error.message).toContain(`HTTP Basic from credentials secret ${CREDENTIALS_ID}`);
    expect(error.message).not.toContain('not-the-password-0000');
    expect(error.retryable).toBe(false);
  });

  it('reports an unknown label', async () => {
    const error = await issueError({ label: 'unknown-ca' });

    expect(error.message).toContain('HTTP 404');
    expect(error.message).toContain('check rotation.provider.url and label');
  });

  it('reports a certificate from another CA', async () => {
    const stranger = await createRootCa({ commonName: 'Stranger Root' });
    const key = await generateKeyPair();
    registerPrivateKey(key.privateKeyPem);
    const foreign = await issueCertificate(stranger, key.publicKey, { subject: `CN=${TEST_SUBJECT.commonName}` });

    const error = await issueError({}, { current: { certificatePem: foreign, chainPem: '', privateKeyPem: key.privateKeyPem } });

    expect(error.context).toMatchObject({ operation: 'simplereenroll', status: 401 });
    expect(error.message).toContain("did not accept AWSCURRENT's certificate");
  });

  it('reports a changed subject on re-enrollment', async () => {
    const current = await currentCredentials();
    const { request } = await newIssueRequest(providerConfig(), contextWith({ current }), { subject: { commonName: 'renamed.example.test' } });

    const error = (await new EstProvider(request.config.provider as EstProviderConfig).issue(request).catch((caught: unknown) => caught)) as ProviderError;

    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('simplereenroll rejected the request with HTTP 400');
    expect(error.message).toContain('RFC 7030 section 4.2.2');
  });

  it('reports a connection failure as retryable', async () => {
    const error = await issueError({ url: 'https://127.0.0.1:9/.well-known/est' });

    expect(error.message).toMatch(/^provider 'est' simpleenroll request failed: .*; a later attempt can succeed$/);
    expect(error.retryable).toBe(true);
  });

  it('reports an untrusted server certificate as final', async () => {
    const error = await issueError({ caCertificates: pki.root.certificatePem });

    expect(error.message).toContain('simpleenroll request failed');
    expect(error.message).toContain('set caCertificates');
    expect(error.message).not.toContain('a later attempt can succeed');
    expect(error.retryable).toBe(false);
  });
});

describe('estProviderSchema', () => {
  const rotation = (provider: Record<string, unknown>) => ({ provider: { type: 'est', ...provider }, subject: TEST_SUBJECT });
  const issuesOf = (provider: Record<string, unknown>): readonly string[] => {
    try {
      parseRotationConfig(rotation(provider));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);

      return (error as ConfigurationError).issues;
    }
    throw new Error('expected the configuration to be rejected');
  };

  it('accepts a full configuration', () => {
    const config = parseRotationConfig(rotation({ url: 'https://est.example/.well-known/est', label: 'payments', credentialsSecretId: 'est/basic', timeoutMs: 5_000 }));

    expect(config.provider).toMatchObject({ type: 'est', label: 'payments' });
  });

  it.each([
    ['a URL without the well-known path', { url: 'https://est.example/api' }, 'rotation.provider.url: must be the EST base URL ending in /.well-known/est'],
    ['a URL with a query', { url: 'https://est.example/.well-known/est?x=1' }, 'rotation.provider.url: must not have a query'],
    ['plain http to a remote host', { url: 'http://est.example/.well-known/est' }, 'rotation.provider.url: plain http is not allowed'],
    ['a label with a slash', { url: 'https://est.example/.well-known/est', label: 'a/b' }, 'rotation.provider.label: must be one URL path segment'],
    ['an operation name as label', { url: 'https://est.example/.well-known/est', label: 'cacerts' }, 'rotation.provider.label: must not be an EST operation name'],
    ['an unknown field', { url: 'https://est.example/.well-known/est', password: 'x' }, 'rotation.provider: unknown field "password"'],
  ])('rejects %s', (_case, provider, expected) => {
    expect(issuesOf(provider).some((issue) => issue.startsWith(expected))).toBe(true);
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['120', 120],
    ['Thu, 01 Jan 2026 00:05:00 GMT', 300],
    ['soon', undefined],
    [undefined, undefined],
  ])('reads %s', (value, expected) => {
    expect(retryAfterSeconds(value, now)).toBe(expected);
  });
});
