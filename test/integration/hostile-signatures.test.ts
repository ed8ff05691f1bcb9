/*
 * Certificates whose weakness hides behind an unusual encoding: SHA-1 under other algorithm
 * identifiers, and a second commonName. Each must fail createSecret without reaching AWSCURRENT.
 */
import { KeyObject, X509Certificate, constants, sign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { createIntermediateCa, issueFromCsr, type CertificateAuthority } from '../../dev/pki/index.js';
import { readSignatureAlgorithm } from '../../src/lib/certificates/algorithm-strength.js';
import { cfsslSuccess } from '../support/cfssl-answers.js';
import { childrenOf, encode, oid, readElement } from '../support/certificate-rewriting.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { rotateOnce } from '../support/rotate-once.js';

let env: LocalEnvironment;
let rsaIssuer: CertificateAuthority;
const NO_HANDSHAKE_NO_ANCHORS = { handshake: undefined, trustAnchors: undefined };

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  rsaIssuer = await createIntermediateCa(env.pki.root, { commonName: 'Example RSA Issuing CA', key: { algorithm: 'RSA', size: 2048 } });
});
afterEach(() => env.cfssl.setResponder(undefined));
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await env.close();
});

/**
 * Re-signs `pem` with the RSA issuer under `algorithm`, written into both the TBSCertificate and
 * the outer signatureAlgorithm, using SHA-1 (PKCS#1 v1.5 or PSS).
 */
function resignWithSha1(pem: string, algorithm: Buffer, padding: 'pkcs1' | 'pss'): string {
  const der = new X509Certificate(pem).raw;
  const certificate = readElement(der, 0);
  const tbs = readElement(der, certificate.contentStart);
  const fields = childrenOf(der, tbs);
  fields[2] = algorithm;
  const newTbs = encode(0x30, ...fields);
  const key = KeyObject.from(rsaIssuer.privateKey);
  const signature =
    padding === 'pss' ? sign('sha1', newTbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }) : sign('sha1', newTbs, { key, padding: constants.RSA_PKCS1_PADDING });
  const rebuilt = encode(0x30, newTbs, algorithm, encode(0x03, Buffer.from([0]), signature));

  return `-----BEGIN CERTIFICATE-----\n${rebuilt.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** Returns a CFSSL responder that issues from the RSA issuer and re-signs the leaf with SHA-1 under `algorithm`. */
function sha1Responder(algorithm: Buffer, padding: 'pkcs1' | 'pss') {
  return async (path: string, body: unknown) => {
    if (path.endsWith('/info')) return cfsslSuccess(rsaIssuer.certificatePem);
    if (!path.endsWith('/sign')) return undefined;
    const leaf = await issueFromCsr(rsaIssuer, (body as { certificate_request: string }).certificate_request);

    return cfsslSuccess(resignWithSha1(leaf, algorithm, padding));
  };
}

describe('SHA-1 under other identifiers', () => {
  // README: "A certificate is promoted only when it ... is not signed with MD5 or SHA-1".
  it('OIW sha1WithRSA 1.3.14.3.2.29', async () => {
    const result = await rotateOnce(env, NO_HANDSHAKE_NO_ANCHORS, sha1Responder(encode(0x30, oid('1.3.14.3.2.29'), Buffer.from([0x05, 0x00])), 'pkcs1'));

    if (result.promoted) {
      // Observed: AWSCURRENT now contains a leaf signed with SHA-1 and RSA.
      const stored = await env.readDocument(result.arn, { stage: 'AWSCURRENT' });
      expect(readSignatureAlgorithm(new X509Certificate(stored.certificate as string)).oid).toBe('1.3.14.3.2.29');
    }
    expect(result.failed?.step, 'a SHA-1 signed leaf became AWSCURRENT').toBe('createSecret');
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it('RSASSA-PSS with default parameters', async () => {
    // RSASSA-PSS-params as an empty SEQUENCE: hashAlgorithm sha1, MGF1 with sha1, saltLength 20 (RFC 4055).
    const result = await rotateOnce(env, NO_HANDSHAKE_NO_ANCHORS, sha1Responder(encode(0x30, oid('1.2.840.113549.1.1.10'), encode(0x30)), 'pss'));

    expect(result.failed?.step, 'a SHA-1 signed leaf became AWSCURRENT').toBe('createSecret');
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });
});

describe('identity check', () => {
  it('second commonName in subject', async () => {
    // The CA puts CN=admin.example.test first, so a partner that reads the first CN identifies another client.
    const result = await rotateOnce(env, {}, async (path, body) => {
      if (!path.endsWith('/sign')) return undefined;
      const csr = (body as { certificate_request: string }).certificate_request;

      return cfsslSuccess(
        await issueFromCsr(env.pki.intermediate, csr, {
          subject: [{ CN: ['admin.example.test'] }, { CN: ['payments-client.example.test'] }],
          dnsNames: ['payments-client.example.test'],
        }),
      );
    });

    const rotated = result.notices.find((notice) => notice.event === 'CertificateRotated');
    expect(rotated?.subject, 'promoted with two commonNames').toBeUndefined();
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
  });
});
