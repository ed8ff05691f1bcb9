import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createIntermediateCa,
  createRootCa,
  generateKeyPair,
  issueCertificate,
  PkiError,
  type CertificateAuthority,
  type GeneratedKeyPair,
} from '../../../dev/pki/index.js';
import { opensslExtensions } from './pki-openssl.js';

const ALL_EXTENSIONS = [
  'basicConstraints',
  'keyUsage',
  'extendedKeyUsage',
  'subjectKeyIdentifier',
  'authorityKeyIdentifier',
  'subjectAltName',
];

function keyIdentifier(extensionsText: string, label: string): string | undefined {
  return new RegExp(`${label}: *\\n\\s+(?:keyid:)?([0-9A-F:]+)`).exec(extensionsText)?.[1];
}

describe('dev PKI extensions', () => {
  let root: CertificateAuthority;
  let intermediate: CertificateAuthority;
  let ecKey: GeneratedKeyPair;

  beforeAll(async () => {
    root = await createRootCa();
    intermediate = await createIntermediateCa(root);
    ecKey = await generateKeyPair();
  });

  it('root marks itself a CA', async () => {
    // Act
    const text = await opensslExtensions(root.certificatePem, ALL_EXTENSIONS);

    // Assess
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:TRUE\n/);
    expect(text).toMatch(/Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    expect(keyIdentifier(text, 'Subject Key Identifier')).toBeDefined();
    expect(root.certificate.ca).toBe(true);
  });

  it('intermediate links to root key', async () => {
    // Act
    const rootText = await opensslExtensions(root.certificatePem, ['subjectKeyIdentifier']);
    const text = await opensslExtensions(intermediate.certificatePem, ALL_EXTENSIONS);

    // Assess
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
    expect(text).toMatch(/Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    expect(keyIdentifier(text, 'Authority Key Identifier')).toBe(keyIdentifier(rootText, 'Subject Key Identifier'));
    expect(intermediate.certificate.issuer).toBe(root.certificate.subject);
  });

  it.each([
    { case: 'EC key', keySpec: { algorithm: 'EC', curve: 'P-256' } as const, keyUsage: 'Digital Signature' },
    { case: 'RSA key', keySpec: { algorithm: 'RSA', size: 2048 } as const, keyUsage: 'Digital Signature, Key Encipherment' },
  ])('leaf defaults for $case', async ({ keySpec, keyUsage }) => {
    // Prepare
    const { publicKey } = await generateKeyPair(keySpec);
    const intermediateText = await opensslExtensions(intermediate.certificatePem, ['subjectKeyIdentifier']);

    // Act
    const leafPem = await issueCertificate(intermediate, publicKey, { dnsNames: ['svc-a.example.test'] });
    const text = await opensslExtensions(leafPem, ALL_EXTENSIONS);

    // Assess
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect(text).toMatch(new RegExp(`Key Usage: critical\\n\\s+${keyUsage}\\n`));
    expect(text).toMatch(/Extended Key Usage: *\n\s+TLS Web Client Authentication\n/);
    expect(text).toMatch(/Subject Alternative Name: *\n\s+DNS:svc-a.example.test\n/);
    expect(keyIdentifier(text, 'Authority Key Identifier')).toBe(keyIdentifier(intermediateText, 'Subject Key Identifier'));
    expect(new X509Certificate(leafPem).subject).toBe('CN=svc-a.example.test');
  });

  it('null usages omit extensions', async () => {
    // Act
    const leafPem = await issueCertificate(intermediate, ecKey.publicKey, { extendedKeyUsages: null, keyUsages: null });
    const text = await opensslExtensions(leafPem, ALL_EXTENSIONS);

    // Assess
    expect(text).not.toContain('Extended Key Usage');
    expect(text).not.toMatch(/\nX509v3 Key Usage/);
    expect(text).toContain('Basic Constraints');
  });

  it('SANs of every type', async () => {
    // Act
    const leafPem = await issueCertificate(intermediate, ecKey.publicKey, {
      subject: 'CN=svc-a.example.test, O=Example Org',
      dnsNames: ['svc-a.example.test'],
      ipAddresses: ['10.0.0.7', '::1'],
      emails: ['ops@example.test'],
      uris: ['spiffe://example.test/svc-a'],
      extendedKeyUsages: ['clientAuth', 'serverAuth'],
    });
    const leaf = new X509Certificate(leafPem);

    // Assess
    expect(leaf.subject).toBe('CN=svc-a.example.test\nO=Example Org');
    expect(leaf.subjectAltName).toBe(
      'DNS:svc-a.example.test, IP Address:10.0.0.7, IP Address:0:0:0:0:0:0:0:1, email:ops@example.test, URI:spiffe://example.test/svc-a',
    );
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']);
  });

  it('empty subject makes SAN critical', async () => {
    // Act
    const leafPem = await issueCertificate(intermediate, ecKey.publicKey, { subject: '', dnsNames: ['svc-a.example.test'] });
    const text = await opensslExtensions(leafPem, ['subjectAltName']);

    // Assess
    expect(text).toMatch(/Subject Alternative Name: critical\n/);
    expect(new X509Certificate(leafPem).subject).toBeUndefined();
  });

  it('validity dates as given', async () => {
    // Prepare
    const notBefore = new Date('2024-01-02T03:04:05Z');
    const notAfter = new Date('2024-02-03T04:05:06Z');

    // Act
    const leaf = new X509Certificate(await issueCertificate(intermediate, ecKey.publicKey, { notBefore, notAfter }));

    // Assess
    expect(new Date(leaf.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(leaf.validTo).toISOString()).toBe(notAfter.toISOString());
  });

  it.each([
    { serialNumberHex: '00', expected: '0' },
    { serialNumberHex: 'FF01', expected: '-FF' },
    { serialNumberHex: '7F'.repeat(21), expected: '7F'.repeat(21) },
    { serialNumberHex: '0A:BC', expected: '0ABC' },
  ])('serial $serialNumberHex kept raw', async ({ serialNumberHex, expected }) => {
    // Act
    const leaf = new X509Certificate(await issueCertificate(intermediate, ecKey.publicKey, { serialNumberHex }));

    // Assess
    expect(leaf.serialNumber).toBe(expected);
    expect(leaf.verify(intermediate.certificate.publicKey)).toBe(true);
  });

  it('non-minimal serial still encoded', async () => {
    // Act
    const leafPem = await issueCertificate(intermediate, ecKey.publicKey, { serialNumberHex: '0001' });

    // Assess
    const der = Buffer.from(leafPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(der.includes(Buffer.from([0x02, 0x02, 0x00, 0x01]))).toBe(true);
    expect(() => new X509Certificate(leafPem)).toThrow();
  });

  it.each(['', 'F', 'GG', '12 3'])('serial %j rejected', async (serialNumberHex) => {
    // Act
    const issuing = issueCertificate(intermediate, ecKey.publicKey, { serialNumberHex });

    // Assess
    await expect(issuing).rejects.toBeInstanceOf(PkiError);
    await expect(issuing).rejects.toThrow(/Invalid serialNumberHex/);
  });

  it('isCa leaf is a CA', async () => {
    // Act
    const text = await opensslExtensions(await issueCertificate(intermediate, ecKey.publicKey, { isCa: true }), ALL_EXTENSIONS);

    // Assess
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:TRUE\n/);
    expect(text).toMatch(/Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign\n/);
  });

  it('private key rejected', async () => {
    // Act
    const issuing = issueCertificate(intermediate, ecKey.privateKey);

    // Assess
    await expect(issuing).rejects.toThrow(/Cannot certify a private key/);
  });

  it('unsupported key spec rejected', async () => {
    // Act
    const generating = generateKeyPair({ algorithm: 'RSA', size: 1024 as 2048 });

    // Assess
    await expect(generating).rejects.toThrow(/Unsupported key spec/);
  });
});
