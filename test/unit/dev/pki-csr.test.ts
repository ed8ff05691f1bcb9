import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createIntermediateCa,
  createRootCa,
  generateKeyPair,
  InvalidCsrError,
  issueFromCsr,
  type CertificateAuthority,
} from '../../../dev/pki/index.js';
import { opensslCsr, opensslVerify } from './pki-openssl.js';

const CSR_SUBJECT = '/CN=svc-a.example.test/O=Example Org';
const CSR_SUBJECT_ALT_NAME = 'DNS:svc-a.example.test,IP:10.0.0.7,URI:spiffe://example.test/svc-a';

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
}

function derToCsrPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

describe('issueFromCsr', () => {
  let root: CertificateAuthority;
  let intermediate: CertificateAuthority;

  beforeAll(async () => {
    root = await createRootCa({ key: { algorithm: 'RSA', size: 2048 } });
    intermediate = await createIntermediateCa(root);
  });

  it.each([
    { case: 'EC P-256', keySpec: { algorithm: 'EC', curve: 'P-256' } as const },
    { case: 'EC P-384', keySpec: { algorithm: 'EC', curve: 'P-384' } as const },
    { case: 'RSA 2048', keySpec: { algorithm: 'RSA', size: 2048 } as const },
  ])('copies CSR subject and SANs: $case', async ({ keySpec }) => {
    // Prepare
    const { publicKey, privateKeyPem } = await generateKeyPair(keySpec);
    const csrPem = await opensslCsr(privateKeyPem, CSR_SUBJECT, CSR_SUBJECT_ALT_NAME);

    // Act
    const leafPem = await issueFromCsr(intermediate, csrPem);

    // Assess
    const leaf = new X509Certificate(leafPem);
    expect(leaf.subject).toBe('CN=svc-a.example.test\nO=Example Org');
    expect(leaf.subjectAltName).toBe('DNS:svc-a.example.test, IP Address:10.0.0.7, URI:spiffe://example.test/svc-a');
    expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(publicKey.export({ type: 'spki', format: 'der' }));
    expect(leaf.checkIssued(intermediate.certificate)).toBe(true);

    const verification = await opensslVerify({
      rootPem: root.certificatePem,
      untrustedPem: intermediate.certificatePem,
      leafPem,
      flags: ['-x509_strict', '-purpose', 'sslclient'],
    });
    expect(verification.exitCode).toBe(0);
  });

  it('options override subject and SANs', async () => {
    // Prepare
    const { privateKeyPem } = await generateKeyPair();
    const csrPem = await opensslCsr(privateKeyPem, CSR_SUBJECT, CSR_SUBJECT_ALT_NAME);

    // Act
    const leafPem = await issueFromCsr(intermediate, csrPem, { subject: 'CN=svc-b.example.test', dnsNames: ['svc-b.example.test'] });

    // Assess
    const leaf = new X509Certificate(leafPem);
    expect(leaf.subject).toBe('CN=svc-b.example.test');
    expect(leaf.subjectAltName).toBe('DNS:svc-b.example.test');
  });

  it('CSR without SANs gives none', async () => {
    // Prepare
    const { privateKeyPem } = await generateKeyPair();
    const csrPem = await opensslCsr(privateKeyPem, '/CN=svc-a.example.test');

    // Act
    const leaf = new X509Certificate(await issueFromCsr(intermediate, csrPem));

    // Assess
    expect(leaf.subjectAltName).toBeUndefined();
    expect(leaf.subject).toBe('CN=svc-a.example.test');
  });

  it('altered CSR rejected', async () => {
    // Prepare
    const { privateKeyPem } = await generateKeyPair();
    const der = pemToDer(await opensslCsr(privateKeyPem, CSR_SUBJECT));
    const commonNameOffset = der.indexOf('svc-a');
    der.write('svc-b', commonNameOffset, 'latin1');

    // Act
    const issuing = issueFromCsr(intermediate, derToCsrPem(der));

    // Assess
    await expect(issuing).rejects.toBeInstanceOf(InvalidCsrError);
    await expect(issuing).rejects.toMatchObject({ reason: 'signature' });
    await expect(issuing).rejects.toThrow(/signature does not verify/);
  });

  it('CSR signed by another key rejected', async () => {
    // Prepare
    const signer = await generateKeyPair();
    const other = await generateKeyPair();
    const signedDer = pemToDer(await opensslCsr(signer.privateKeyPem, CSR_SUBJECT));
    const otherDer = pemToDer(await opensslCsr(other.privateKeyPem, CSR_SUBJECT));
    // P-256 SPKIs have the same length, so swapping the key bytes keeps the DER well formed.
    const signerSpki = signer.publicKey.export({ type: 'spki', format: 'der' });
    const otherSpki = other.publicKey.export({ type: 'spki', format: 'der' });
    otherSpki.copy(signedDer, signedDer.indexOf(signerSpki));
    expect(signedDer.equals(otherDer)).toBe(false);

    // Act
    const issuing = issueFromCsr(intermediate, derToCsrPem(signedDer));

    // Assess
    await expect(issuing).rejects.toMatchObject({ name: 'InvalidCsrError', reason: 'signature' });
  });

  it.each([
    { case: 'not PEM', csrPem: 'hello', reason: 'decode' },
    { case: 'certificate PEM', csrPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', reason: 'decode' },
    { case: 'garbage DER', csrPem: derToCsrPem(Buffer.from('not a certification request')), reason: 'parse' },
  ])('$case rejected', async ({ csrPem, reason }) => {
    // Act
    const issuing = issueFromCsr(intermediate, csrPem);

    // Assess
    await expect(issuing).rejects.toBeInstanceOf(InvalidCsrError);
    await expect(issuing).rejects.toMatchObject({ reason });
  });
});
