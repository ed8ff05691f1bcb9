import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CfsslResponder } from '../../dev/ca/cfssl-server.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { startPartnerServer, type PartnerServer } from '../../dev/partner/partner-server.js';
import {
  createIntermediateCa,
  createRootCa,
  generateKeyPair,
  issueCertificate,
  issueFromCsr,
  type CertificateAuthority,
  type IssueOptions,
} from '../../dev/pki/index.js';
import { canonicalSerialNumber } from '../../src/lib/certificates/summary.js';
import type { RetryPolicy } from '../../src/lib/net/retry.js';
import { cfsslSuccess } from '../support/cfssl-answers.js';
import { certificatesIn, expectCleanFailure, expectRotated, rotateAfterFirstCertificate, type RotationOutcome } from '../support/rotation-outcome.js';

/*
 * Full rotations against CFSSL stand-ins whose sign endpoint returns certificates in the many shapes
 * real CAs and proxies produce. Usable shapes end in canonical PEM in the secret; the rest end in a
 * typed failure before anything is stored, with AWSCURRENT unchanged.
 */

const FAST_RETRIES: RetryPolicy = { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 2_000 };
const workDir = mkdtempSync(join(tmpdir(), 'provider-answers-'));

let env: LocalEnvironment;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: FAST_RETRIES } });
});
afterEach(() => env.cfssl.setResponder(undefined));
afterAll(async () => {
  await env.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Returns a responder that signs with `build(leaf)`, where the leaf is issued by `signer` for the CSR's key. */
function answerSign(build: (leafPem: string) => string, options: IssueOptions = {}, signer?: CertificateAuthority): CfsslResponder {
  return async (path, body) => {
    if (!path.endsWith('/sign')) return undefined;
    const csr = (body as { certificate_request: string }).certificate_request;

    return cfsslSuccess(build(await issueFromCsr(signer ?? env.pki.intermediate, csr, options)));
  };
}

function rotateWith(responder: CfsslResponder, overrides: Record<string, unknown> = {}): Promise<RotationOutcome> {
  counter += 1;

  return rotateAfterFirstCertificate(env, `mtls/answers-${counter}`, overrides, () => env.cfssl.setResponder(responder));
}

function base64Body(pem: string): string {
  return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----')).join('');
}

/** Builds a PKCS#7 certs-only bundle with OpenSSL, an encoder independent of the parser under test. */
function pkcs7Of(pem: string, outform: 'PEM' | 'DER'): Buffer {
  const input = join(workDir, `bundle-${counter}.pem`);
  writeFileSync(input, pem);

  return execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', input, '-outform', outform]);
}

function withLineEndings(text: string, style: 'crlf' | 'mixed'): string {
  if (style === 'crlf') return text.replaceAll('\n', '\r\n');

  return text
    .split('\n')
    .map((line, index) => line + (index % 2 === 0 ? '\r' : ''))
    .join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `    ${line}`))
    .join('\n');
}

/** Checks the stored form: canonical PEM, the leaf in certificate, exactly the intermediate in certificateChain. */
function expectCanonical(document: Record<string, unknown>, intermediatePem: string): X509Certificate {
  for (const field of ['certificate', 'certificateChain'] as const) {
    const text = document[field] as string;
    expect(text, field).not.toContain('\r');
    expect(text, field).not.toMatch(/^\s|\uFEFF/);
    expect(text.endsWith('-----\n'), `${field} ends with one newline`).toBe(true);
    expect(text.split('\n').every((line) => line.length <= 64), `${field} has 64-column lines`).toBe(true);
  }
  const [leaf, ...others] = certificatesIn(document.certificate);
  expect(others).toEqual([]);
  expect(certificatesIn(document.certificateChain).map((certificate) => certificate.fingerprint256)).toEqual([
    new X509Certificate(intermediatePem).fingerprint256,
  ]);

  return leaf!;
}

function partnerSaw(serialNumber: string): boolean {
  return env.partner.requests.some((request) => canonicalSerialNumber(request.serialNumber) === canonicalSerialNumber(serialNumber));
}

describe('usable answers', () => {
  const intermediate = () => env.pki.intermediate.certificatePem;
  const root = () => env.pki.root.certificatePem;

  it.each<[string, (leaf: string) => string]>([
    ['a chain with CRLF line endings', (leaf) => withLineEndings(leaf + intermediate(), 'crlf')],
    ['CRLF without a final newline', (leaf) => withLineEndings(leaf + intermediate(), 'crlf').trimEnd()],
    ['mixed CRLF and LF', (leaf) => withLineEndings(leaf + intermediate(), 'mixed')],
    ['PEM behind a byte-order mark', (leaf) => `\uFEFF${leaf}${intermediate()}`],
    ['indented PEM lines', (leaf) => indent(leaf + intermediate())],
    ['a byte-order mark and indented lines', (leaf) => `\uFEFF${indent(leaf + intermediate())}`],
    ['text around the PEM blocks', (leaf) => `Issued by Example CA:\n${leaf}\nChain follows.\n${intermediate()}\nThank you.`],
    ['root first, then intermediate and leaf', (leaf) => root() + intermediate() + leaf],
    ['intermediate before the leaf', (leaf) => intermediate() + leaf],
    ['duplicates and the root in random order', (leaf) => intermediate() + root() + leaf + intermediate() + leaf],
    ['base64 DER without armour', (leaf) => base64Body(leaf)],
    ['base64 PKCS#7 certs-only as EST sends it', (leaf) => pkcs7Of(leaf + intermediate(), 'DER').toString('base64')],
    ['PEM PKCS#7', (leaf) => pkcs7Of(leaf + intermediate(), 'PEM').toString('utf8')],
  ])('%s', async (_name, build) => {
    const outcome = await rotateWith(answerSign(build));

    const document = expectRotated(outcome);
    const leaf = expectCanonical(document, intermediate());
    expect(partnerSaw(leaf.serialNumber), 'the partner accepted the stored certificate').toBe(true);
  });

  it('a 20-byte serial with the high bit set', async () => {
    const serial = '8F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C';

    const outcome = await rotateWith(answerSign((leaf) => leaf, { serialNumberHex: `00${serial}` }));

    const leaf = expectCanonical(expectRotated(outcome), env.pki.intermediate.certificatePem);
    expect(canonicalSerialNumber(leaf.serialNumber)).toBe(serial);
    expect(outcome.notice?.serialNumber).toBe(serial);
    // The colon-separated spelling CA APIs use names the same serial.
    expect(canonicalSerialNumber('8f:1e:2d:3c:4b:5a:69:78:87:96:a5:b4:c3:d2:e1:f0:0f:1e:2d:3c')).toBe(outcome.notice?.serialNumber);
  });

  it('a UTF-8 subject', async () => {
    const commonName = 'Zahlungsdienst Müller 株式会社';

    const outcome = await rotateWith(answerSign((leaf) => leaf), { subject: { commonName, organization: 'Grüße GmbH' } });

    const leaf = expectCanonical(expectRotated(outcome), env.pki.intermediate.certificatePem);
    expect(leaf.subject).toContain(`CN=${commonName}`);
    expect(outcome.notice?.subject).toBe(`O=Grüße GmbH, CN=${commonName}`);
  });

  it('a leaf without extendedKeyUsage', async () => {
    const outcome = await rotateWith(answerSign((leaf) => leaf, { extendedKeyUsages: null }));

    const leaf = expectCanonical(expectRotated(outcome), env.pki.intermediate.certificatePem);
    expect(leaf.keyUsage).toBeUndefined();
  });

  it('HTTP 500 then a certificate', async () => {
    let signs = 0;
    const outcome = await rotateWith(async (path) => {
      if (!path.endsWith('/sign')) return undefined;
      signs += 1;

      return signs === 1 ? { status: 500, body: JSON.stringify({ success: false, result: null, errors: [{ code: 0, message: 'database is locked' }] }) } : undefined;
    });

    expectRotated(outcome);
    expect(outcome.signRequests).toBe(2);
  });

  it('HTTP 429 with Retry-After then a certificate', async () => {
    let signs = 0;
    const started = Date.now();
    const outcome = await rotateWith(async (path) => {
      if (!path.endsWith('/sign')) return undefined;
      signs += 1;

      return signs === 1 ? { status: 429, headers: { 'Retry-After': '1', 'Content-Type': 'application/json' }, body: '{"success":false,"errors":[]}' } : undefined;
    });

    expectRotated(outcome);
    expect(outcome.signRequests).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });
});

describe('usable answers from an EC CA', () => {
  let ecRoot: CertificateAuthority;
  let ecIntermediate: CertificateAuthority;
  let ecPartner: PartnerServer;
  let overrides: Record<string, unknown>;

  beforeAll(async () => {
    ecRoot = await createRootCa({ commonName: 'Example EC Root CA', key: { algorithm: 'EC', curve: 'P-256' } });
    ecIntermediate = await createIntermediateCa(ecRoot, { commonName: 'Example EC Issuing CA', key: { algorithm: 'EC', curve: 'P-256' } });
    ecPartner = await startPartnerServer({
      certificatePem: env.pki.server.certificateChainPem,
      privateKeyPem: env.pki.server.privateKeyPem,
      clientCaPem: env.pki.root.certificatePem + ecRoot.certificatePem,
    });
    overrides = {
      handshake: { url: ecPartner.url, caCertificates: env.pki.serverRoot.certificatePem },
      trustAnchors: env.pki.root.certificatePem + ecRoot.certificatePem,
    };
  });
  afterAll(() => ecPartner.close());

  /** Returns a responder for sign and info as an EC issuing CA, the way a CFSSL with an EC signer responds. */
  function ecSigner(build: (leaf: string) => string): CfsslResponder {
    const sign = answerSign(build, {}, ecIntermediate);

    return async (path, body) => (path.endsWith('/info') ? cfsslSuccess(ecIntermediate.certificatePem) : sign(path, body));
  }

  it.each<[string, Record<string, unknown>, (leaf: string) => string, string]>([
    ['an EC P-256 leaf under an EC issuing CA', { key: { algorithm: 'EC', curve: 'P-256' } }, (leaf) => leaf, 'ec'],
    ['an RSA leaf issued by an EC CA', { key: { algorithm: 'RSA', size: 2048 } }, (leaf) => leaf, 'rsa'],
    ['PEM PKCS#7 with an EC issuer', { key: { algorithm: 'EC', curve: 'P-256' } }, (leaf) => pkcs7Of(leaf + ecIntermediate.certificatePem, 'PEM').toString('utf8'), 'ec'],
  ])('%s', async (_name, keyOverride, build, keyType) => {
    const outcome = await rotateWith(ecSigner(build), { ...overrides, ...keyOverride });

    const leaf = expectCanonical(expectRotated(outcome), ecIntermediate.certificatePem);
    expect(leaf.publicKey.asymmetricKeyType).toBe(keyType);
    expect(ecPartner.requests.map((request) => canonicalSerialNumber(request.serialNumber))).toContain(canonicalSerialNumber(leaf.serialNumber));
  });
});

describe('unusable answers', () => {
  it.each<[string, () => CfsslResponder | Promise<CfsslResponder>, string, RegExp]>([
    [
      'DER followed by stray bytes',
      () => answerSign((leaf) => Buffer.concat([Buffer.from(base64Body(leaf), 'base64'), Buffer.from([0, 0])]).toString('base64')),
      'CertificateParseError',
      /2 unexpected bytes after certificate/,
    ],
    [
      'a leaf for another key',
      async () => {
        const other = await generateKeyPair();
        const leaf = await issueCertificate(env.pki.intermediate, other.publicKey, { subject: 'CN=payments-client.example.test' });

        return (path) => (path.endsWith('/sign') ? cfsslSuccess(leaf) : undefined);
      },
      'CertificateValidationError',
      /certificate public key does not match the generated private key \(certificate .* SPKI SHA-256 [0-9a-f]{64}, generated key SPKI SHA-256 [0-9a-f]{64}\)/,
    ],
    ['a serverAuth-only leaf', () => answerSign((leaf) => leaf, { extendedKeyUsages: ['serverAuth'] }), 'CertificateValidationError', /lacks id-kp-clientAuth/],
    ['a negative serial', () => answerSign((leaf) => leaf, { serialNumberHex: 'FF01' }), 'CertificateValidationError', /\(serial -FF\) has a negative serial number/],
    ['a zero serial', () => answerSign((leaf) => leaf, { serialNumberHex: '00' }), 'CertificateValidationError', /\(serial 0\) has a zero serial number/],
    [
      'a chain without its intermediate',
      () => async (path, body) => (path.endsWith('/info') ? cfsslSuccess(env.pki.root.certificatePem) : answerSign((leaf) => leaf)(path, body)),
      'CertificateValidationError',
      /does not chain to the leaf/,
    ],
    ['an empty body with status 200', () => (path) => (path.endsWith('/sign') ? { status: 200, body: '' } : undefined), 'ProviderError', /is not CFSSL's JSON envelope/],
    [
      'an empty certificate in the result',
      () => (path) => (path.endsWith('/sign') ? cfsslSuccess('') : undefined),
      'ProviderError',
      /answer has no result.certificate|has no result.certificate/,
    ],
    [
      'an HTML error page with status 200',
      () => (path) => (path.endsWith('/sign') ? { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><html><body>Sign in</body></html>' } : undefined),
      'ProviderError',
      /is not CFSSL's JSON envelope \(starts with "<!DOCTYPE html>/,
    ],
    [
      'an answer of 3 MB',
      () => (path) => (path.endsWith('/sign') ? { status: 200, body: `{"success":true,"result":{"certificate":"${'A'.repeat(3 * 1024 * 1024)}"}}` } : undefined),
      'ProviderError',
      /exceeds 1048576 bytes/,
    ],
  ])('%s', async (_name, responder, errorName, message) => {
    const outcome = await rotateWith(await responder());

    expect(await expectCleanFailure(env, outcome, 'createSecret', errorName)).toMatch(message);
  });

  it('a certificate with 1,400 SANs makes the secret too large', async () => {
    const dnsNames = ['payments-client.example.test', ...Array.from({ length: 1_400 }, (_, index) => `node-${String(index).padStart(4, '0')}.payments-client.example.test`)];

    const outcome = await rotateWith(answerSign((leaf) => leaf, { dnsNames }));

    const message = await expectCleanFailure(env, outcome, 'createSecret', 'SecretTooLargeError');
    expect(message).toMatch(/^secret would be \d{2},\d{3} bytes, limit 65,536: /);
  });

  it('an oversized answer is not retried', async () => {
    const outcome = await rotateWith((path) => (path.endsWith('/sign') ? { status: 200, body: 'A'.repeat(2 * 1024 * 1024) } : undefined));

    await expectCleanFailure(env, outcome, 'createSecret', 'ProviderError');
    expect(outcome.signRequests).toBe(1);
  });

  it('an answer that never ends times out', async () => {
    const outcome = await rotateWith((path) => (path.endsWith('/sign') ? { status: 200, body: '{"success":true,"result":{"certificate":"', endless: true } : undefined), {
      provider: { type: 'cfssl', url: env.cfssl.signUrl, profile: 'client', allowInsecureHttp: true, timeoutMs: 1_000 },
    });

    const message = await expectCleanFailure(env, outcome, 'createSecret', 'ProviderError');
    expect(message).toMatch(/timed out after 1000 ms/);
    expect(outcome.signRequests).toBe(FAST_RETRIES.maxAttempts);
  });

  it('HTTP 503 on every attempt', async () => {
    const outcome = await rotateWith((path) => (path.endsWith('/sign') ? { status: 503, body: '{"success":false,"errors":[{"code":503,"message":"unavailable"}]}' } : undefined));

    const message = await expectCleanFailure(env, outcome, 'createSecret', 'ProviderError');
    expect(message).toContain('HTTP 503');
    expect(outcome.signRequests).toBe(FAST_RETRIES.maxAttempts);
  });

  it('HTTP 400 is not retried', async () => {
    const outcome = await rotateWith((path) => (path.endsWith('/sign') ? { status: 400, body: '{"success":false,"errors":[{"code":9300,"message":"CSR rejected"}]}' } : undefined));

    await expectCleanFailure(env, outcome, 'createSecret', 'ProviderError');
    expect(outcome.signRequests).toBe(1);
  });
});

describe('requireExtendedKeyUsage', () => {
  it('rejects a leaf without the extension', async () => {
    const outcome = await rotateWith(answerSign((leaf) => leaf, { extendedKeyUsages: null }), { requireExtendedKeyUsage: true });

    expect(await expectCleanFailure(env, outcome, 'createSecret', 'CertificateValidationError')).toContain(
      'has no extendedKeyUsage extension, and rotation.requireExtendedKeyUsage is true',
    );
  });
});
