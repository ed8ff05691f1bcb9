import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCfsslServer, type CfsslServer } from '../../../dev/ca/cfssl-server.js';
import { createTestPki, generateKeyPair, type TestPki } from '../../../dev/pki/index.js';
import { opensslCsr, opensslExtensions, opensslVerify } from './pki-openssl.js';

interface SignResponse {
  success: boolean;
  result: { certificate: string } | null;
  errors: { code: number; message: string }[];
  messages: unknown[];
}

const CSR_SUBJECT = '/CN=svc-a.example.test/O=Example Org';
const CSR_SUBJECT_ALT_NAME = 'DNS:svc-a.example.test,IP:10.0.0.7';

async function postSign(server: CfsslServer, body: unknown): Promise<{ status: number; json: SignResponse }> {
  const response = await fetch(server.signUrl, { method: 'POST', body: JSON.stringify(body) });

  return { status: response.status, json: (await response.json()) as SignResponse };
}

function issuedCertificate(json: SignResponse): X509Certificate {
  if (json.result === null) {
    throw new Error(`sign failed: ${JSON.stringify(json.errors)}`);
  }

  return new X509Certificate(json.result.certificate);
}

describe('CFSSL dev server sign', () => {
  let pki: TestPki;
  let server: CfsslServer;
  let csrPem: string;

  beforeAll(async () => {
    pki = await createTestPki();
    server = await startCfsslServer({ signer: pki.intermediate });
    const { privateKeyPem } = await generateKeyPair();
    csrPem = await opensslCsr(privateKeyPem, CSR_SUBJECT, CSR_SUBJECT_ALT_NAME);
  });

  afterAll(async () => {
    await server.close();
  });

  it('signs an OpenSSL CSR', async () => {
    // Act
    const { status, json } = await postSign(server, { certificate_request: csrPem });

    // Assess
    expect(status).toBe(200);
    expect(json.success).toBe(true);
    expect(json.errors).toEqual([]);
    expect(json.messages).toEqual([]);
    expect(json.result?.certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);

    const certificate = issuedCertificate(json);
    expect(certificate.checkIssued(pki.intermediate.certificate)).toBe(true);
    expect(certificate.verify(pki.intermediate.certificate.publicKey)).toBe(true);
    const verification = await opensslVerify({
      rootPem: pki.root.certificatePem,
      untrustedPem: pki.intermediate.certificatePem,
      leafPem: json.result?.certificate ?? '',
      flags: ['-x509_strict', '-purpose', 'sslclient'],
    });
    expect(verification.exitCode).toBe(0);
  });

  it('client profile sets usages and expiry', async () => {
    // Act
    const { json } = await postSign(server, { certificate_request: csrPem, profile: 'client' });

    // Assess
    const certificate = issuedCertificate(json);
    const text = await opensslExtensions(certificate.toString(), ['keyUsage', 'extendedKeyUsage']);
    expect(text).toMatch(/Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/Extended Key Usage: *\n\s+TLS Web Client Authentication\n/);
    const validityHours = (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / 3_600_000;
    expect(validityHours).toBe(2160);
    expect(Date.parse(certificate.validFrom)).toBeLessThan(Date.now());
  });

  it('server profile sets serverAuth', async () => {
    // Act
    const { json } = await postSign(server, { certificate_request: csrPem, profile: 'server' });

    // Assess
    expect(issuedCertificate(json).keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('subject rebuilt in Go order', async () => {
    // Act
    const { json } = await postSign(server, { certificate_request: csrPem });

    // Assess
    const certificate = issuedCertificate(json);
    expect(certificate.subject).toBe('O=Example Org\nCN=svc-a.example.test');
    expect(certificate.subjectAltName).toBe('DNS:svc-a.example.test, IP Address:10.0.0.7');
  });

  it('RSA CSR signed', async () => {
    // Prepare
    const { privateKeyPem, publicKey } = await generateKeyPair({ algorithm: 'RSA', size: 2048 });
    const rsaCsrPem = await opensslCsr(privateKeyPem, '/CN=svc-rsa.example.test');

    // Act
    const { json } = await postSign(server, { certificate_request: rsaCsrPem });

    // Assess
    const certificate = issuedCertificate(json);
    expect(certificate.publicKey.export({ type: 'spki', format: 'der' })).toEqual(publicKey.export({ type: 'spki', format: 'der' }));
    expect(certificate.checkIssued(pki.intermediate.certificate)).toBe(true);
  });

  it.each([
    {
      case: 'hosts of every type',
      hosts: ['svc-b.example.test', '10.0.0.9', 'ops@example.test', 'spiffe://example.test/b'],
      expected: 'DNS:svc-b.example.test, IP Address:10.0.0.9, email:ops@example.test, URI:spiffe://example.test/b',
    },
    { case: 'empty hosts', hosts: [], expected: undefined },
    { case: 'null hosts', hosts: null, expected: 'DNS:svc-a.example.test, IP Address:10.0.0.7' },
  ])('$case replace SANs', async ({ hosts, expected }) => {
    // Act
    const { json } = await postSign(server, { certificate_request: csrPem, hosts });

    // Assess
    expect(issuedCertificate(json).subjectAltName).toBe(expected);
  });

  it('hostname wins over hosts', async () => {
    // Act
    const { json } = await postSign(server, { certificate_request: csrPem, hostname: 'a.example.test,10.1.1.1', hosts: ['b.example.test'] });

    // Assess
    expect(issuedCertificate(json).subjectAltName).toBe('DNS:a.example.test, IP Address:10.1.1.1');
  });

  it('subject override keeps CSR fields', async () => {
    // Act
    const { json } = await postSign(server, {
      certificate_request: csrPem,
      subject: { CN: 'svc-override.example.test', names: [{ C: 'DE', OU: 'Payments' }] },
    });

    // Assess
    expect(issuedCertificate(json).subject).toBe('C=DE\nO=Example Org\nOU=Payments\nCN=svc-override.example.test');
  });

  it('records path and body', async () => {
    // Prepare
    const before = server.requests.length;
    const body = { certificate_request: csrPem, profile: 'client', label: 'primary' };

    // Act
    await postSign(server, body);

    // Assess
    expect(server.requests.slice(before)).toEqual([{ path: '/api/v1/cfssl/sign', body }]);
  });
});
