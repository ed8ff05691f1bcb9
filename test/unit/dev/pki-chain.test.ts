import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificateChainPem,
  createIntermediateCa,
  createRootCa,
  createTestPki,
  generateKeyPair,
  issueCertificate,
  type KeySpec,
} from '../../../dev/pki/index.js';
import { opensslVerify } from './pki-openssl.js';

const EC_P256: KeySpec = { algorithm: 'EC', curve: 'P-256' };
const EC_P384: KeySpec = { algorithm: 'EC', curve: 'P-384' };
const RSA_2048: KeySpec = { algorithm: 'RSA', size: 2048 };
const RSA_3072: KeySpec = { algorithm: 'RSA', size: 3072 };
const RSA_4096: KeySpec = { algorithm: 'RSA', size: 4096 };
const STRICT_CLIENT_FLAGS = ['-x509_strict', '-purpose', 'sslclient'];

describe('dev PKI chain', () => {
  it.each([
    { case: 'EC P-256 throughout', rootKey: EC_P256, intermediateKey: EC_P256, leafKey: EC_P256 },
    { case: 'RSA 2048 throughout', rootKey: RSA_2048, intermediateKey: RSA_2048, leafKey: RSA_2048 },
    { case: 'RSA leaf under EC CAs', rootKey: EC_P256, intermediateKey: EC_P384, leafKey: RSA_2048 },
    { case: 'EC leaf under RSA CAs', rootKey: RSA_3072, intermediateKey: RSA_2048, leafKey: EC_P384 },
    { case: 'RSA 4096 root, SHA-512', rootKey: RSA_4096, intermediateKey: EC_P256, leafKey: EC_P256 },
  ])('chain verifies: $case', async ({ rootKey, intermediateKey, leafKey }) => {
    // Prepare
    const root = await createRootCa({ key: rootKey });
    const intermediate = await createIntermediateCa(root, { key: intermediateKey });
    const { publicKey } = await generateKeyPair(leafKey);

    // Act
    const leafPem = await issueCertificate(intermediate, publicKey, { subject: 'CN=svc-a.example.test' });

    // Assess
    const verification = await opensslVerify({
      rootPem: root.certificatePem,
      untrustedPem: intermediate.certificatePem,
      leafPem,
      flags: STRICT_CLIENT_FLAGS,
    });
    expect(verification.stderr).toBe('');
    expect(verification.exitCode).toBe(0);

    const leaf = new X509Certificate(leafPem);
    expect(leaf.checkIssued(intermediate.certificate)).toBe(true);
    expect(leaf.verify(intermediate.certificate.publicKey)).toBe(true);
    expect(intermediate.certificate.checkIssued(root.certificate)).toBe(true);
    expect(intermediate.certificate.verify(root.certificate.publicKey)).toBe(true);
    expect(root.certificate.verify(root.certificate.publicKey)).toBe(true);
    expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(publicKey.export({ type: 'spki', format: 'der' }));
  });

  it('leaf from another root fails', async () => {
    // Prepare
    const trustedRoot = await createRootCa({ commonName: 'Trusted Root' });
    const otherRoot = await createRootCa({ commonName: 'Other Root' });
    const otherIntermediate = await createIntermediateCa(otherRoot);
    const { publicKey } = await generateKeyPair();
    const leafPem = await issueCertificate(otherIntermediate, publicKey);

    // Act
    const verification = await opensslVerify({
      rootPem: trustedRoot.certificatePem,
      untrustedPem: otherIntermediate.certificatePem,
      leafPem,
    });

    // Assess
    expect(verification.exitCode).not.toBe(0);
    expect(verification.stderr + verification.stdout).toContain('unable to get local issuer certificate');
    expect(otherIntermediate.certificate.checkIssued(trustedRoot.certificate)).toBe(false);
    expect(otherIntermediate.certificate.verify(trustedRoot.certificate.publicKey)).toBe(false);
  });

  it('chain PEM excludes the root', async () => {
    // Prepare
    const root = await createRootCa();
    const intermediate = await createIntermediateCa(root);

    // Act
    const chainOfIntermediate = certificateChainPem(intermediate);
    const chainOfRoot = certificateChainPem(root);

    // Assess
    expect(chainOfIntermediate).toBe(intermediate.certificatePem);
    expect(chainOfRoot).toBe('');
  });

  it('test PKI server certificate fits loopback', async () => {
    // Prepare
    const pki = await createTestPki();

    // Act
    const verification = await opensslVerify({
      rootPem: pki.serverRoot.certificatePem,
      leafPem: pki.server.certificatePem,
      flags: ['-x509_strict', '-purpose', 'sslserver', '-verify_ip', '127.0.0.1'],
    });
    const byHostname = await opensslVerify({
      rootPem: pki.serverRoot.certificatePem,
      leafPem: pki.server.certificatePem,
      flags: ['-purpose', 'sslserver', '-verify_hostname', 'localhost'],
    });

    // Assess
    expect(verification.exitCode).toBe(0);
    expect(byHostname.exitCode).toBe(0);
    expect(new X509Certificate(pki.server.certificatePem).checkHost('localhost')).toBe('localhost');
    expect(pki.intermediate.certificate.checkIssued(pki.root.certificate)).toBe(true);
    expect(pki.intermediate.parent).toBe(pki.root);
  });

  it('client certificate fails server purpose', async () => {
    // Prepare
    const root = await createRootCa();
    const { publicKey } = await generateKeyPair();
    const leafPem = await issueCertificate(root, publicKey);

    // Act
    const verification = await opensslVerify({ rootPem: root.certificatePem, leafPem, flags: ['-purpose', 'sslserver'] });

    // Assess
    expect(verification.exitCode).not.toBe(0);
    expect(verification.stderr + verification.stdout).toContain('unsuitable certificate purpose');
  });
});
