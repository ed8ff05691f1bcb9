/*
 * Certificates with defects that a partner would reject, and CA behaviour that must not outlast the
 * Lambda: each must end in a typed error before anything is promoted.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { createIntermediateCa } from '../../dev/pki/index.js';
import { rotate } from '../../src/lib/rotation.js';
import { cfsslSuccess } from '../support/cfssl-answers.js';
import { ECDSA_WITH_SHA1, encode, extension, oid, rewriteCertificate } from '../support/certificate-rewriting.js';
import { rotateOnce, signAndTransform, useStepTimeout } from '../support/rotate-once.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';

let env: LocalEnvironment;
const NO_HANDSHAKE = { handshake: undefined };
const HOUR_MS = 60 * 60 * 1000;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterEach(() => {
  env.cfssl.setResponder(undefined);
  useStepTimeout(env, 30_000);
});
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await env.close();
});

/** Encodes `date` as UTCTime YYMMDDHHMMSSZ. */
function utcTime(date: Date): Buffer {
  return encode(0x17, Buffer.from(date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
}
const generalizedTime = (text: string) => encode(0x18, Buffer.from(text));

describe('defective certificates are never promoted', () => {
  it('rejects leaf expired in year 49', async () => {
    // Node prints GeneralizedTime 00491231235959Z as "Dec 31 23:59:59 49 GMT", which Date() reads as 2049.
    const result = await rotateOnce(
      env,
      NO_HANDSHAKE,
      signAndTransform(env.pki.intermediate, {}, (pem) =>
        rewriteCertificate(pem, env.pki.intermediate, (parts) => {
          parts.validity = encode(0x30, utcTime(new Date(Date.now() - HOUR_MS)), generalizedTime('00491231235959Z'));
        }),
      ),
    );

    const rotated = result.notices.find((notice) => notice.event === 'CertificateRotated');
    expect(rotated?.notAfter, 'SNS announces the year-49 certificate as valid until 2049').toBeUndefined();
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it('rejects intermediate with unreadable notAfter', async () => {
    const badIntermediate = rewriteCertificate(env.pki.intermediate.certificatePem, env.pki.root, (parts) => {
      parts.validity = encode(0x30, utcTime(new Date(Date.now() - HOUR_MS)), encode(0x17, Buffer.from('271301000000Z')));
    });
    expect(new X509Certificate(badIntermediate).validTo).toBe('Bad time value');

    const result = await rotateOnce(env, NO_HANDSHAKE, (path) => (path.endsWith('/info') ? cfsslSuccess(badIntermediate) : undefined));

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it('rejects unknown critical extension', async () => {
    const result = await rotateOnce(
      env,
      NO_HANDSHAKE,
      signAndTransform(env.pki.intermediate, {}, (pem) =>
        rewriteCertificate(pem, env.pki.intermediate, (parts) => {
          parts.extensions.push(extension('1.3.6.1.4.1.55555.1', true, Buffer.from([0x05, 0x00])));
        }),
      ),
    );

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it('rejects SHA-1 signed leaf', async () => {
    const result = await rotateOnce(
      env,
      NO_HANDSHAKE,
      signAndTransform(env.pki.intermediate, {}, (pem) =>
        rewriteCertificate(pem, env.pki.intermediate, (parts) => {
          parts.signatureAlgorithm = ECDSA_WITH_SHA1;
        }),
      ),
    );

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it('rejects chain beyond pathLenConstraint', async () => {
    // env.pki.intermediate has pathLenConstraint 0, so it may not certify another CA.
    const subordinate = await createIntermediateCa(env.pki.intermediate, { commonName: 'Sub CA Beyond pathLen' });

    const result = await rotateOnce(env, NO_HANDSHAKE, signAndTransform(subordinate, {}, (pem) => pem, subordinate.certificatePem));

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it.each([
    ['another identity', { subject: 'CN=admin.example.test', dnsNames: ['admin.example.test'] }, 'CN=admin.example.test'],
  ])('rejects leaf for %s', async (_label, options, issuedSubject) => {
    // The handshake is on: the partner trusts the CA, so only a subject check can catch this.
    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, options));
    const current = await env.readDocument(result.arn, { stage: 'AWSCURRENT' });
    const promotedSubject = result.promoted ? new X509Certificate(current.certificate as string).subject : undefined;

    expect(promotedSubject, `promoted with subject "${issuedSubject}"`).toBeUndefined();
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
  });

  it('finishSecret rejects handshake-failed version', async () => {
    const result = await rotateOnce(env, { handshake: { url: env.partner.url, caCertificates: env.pki.serverRoot.certificatePem, expectStatus: 204 } });
    expect(result.failed?.step).toBe('testSecret');
    expect(result.failed?.error?.name).toBe('HandshakeError');

    const finish = rotate({ SecretId: result.arn, ClientRequestToken: result.record.token, Step: 'finishSecret' }, undefined, env.dependencies);
    const outcome = await finish.then(
      () => 'promoted',
      (error: Error) => error.name,
    );

    const stages = await env.versionStages(result.arn);
    expect(stages[result.record.token], 'the version the partner rejected became AWSCURRENT').not.toContain('AWSCURRENT');
    expect(outcome).not.toBe('promoted');
  });
});

describe('odd certificates fail with typed errors', () => {
  it('types unreadable leaf notAfter', async () => {
    const result = await rotateOnce(
      env,
      {},
      signAndTransform(env.pki.intermediate, {}, (pem) =>
        rewriteCertificate(pem, env.pki.intermediate, (parts) => {
          parts.validity = encode(0x30, utcTime(new Date(Date.now() - HOUR_MS)), encode(0x17, Buffer.from('271301000000Z')));
        }),
      ),
    );

    expect(result.failed?.error?.message).not.toContain('unexpected failure');
    expect(['CertificateValidationError', 'CertificateParseError']).toContain(result.failed?.error?.name);
  });

  it('types unknown public key algorithm', async () => {
    const result = await rotateOnce(
      env,
      {},
      signAndTransform(env.pki.intermediate, {}, (pem) =>
        rewriteCertificate(pem, env.pki.intermediate, (parts) => {
          parts.subjectPublicKeyInfo = encode(0x30, encode(0x30, oid('1.2.3.4.5')), encode(0x03, Buffer.from([0, 1, 2, 3])));
        }),
      ),
    );

    expect(result.failed?.error?.message).not.toContain('unexpected failure');
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
  });
  it('handles empty leaf subject', async () => {
    // RFC 5280 allows an empty subject when the subjectAltName extension is critical.
    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, { subject: '', dnsNames: ['payments-client.example.test'] }));

    expect(result.failed?.error?.message ?? '').not.toContain('unexpected failure');
    expect(result.failed === undefined || result.failed.error?.name === 'CertificateValidationError').toBe(true);
  });
});

describe('requested identity is stored unchanged', () => {
  it('rejects non-ASCII URI SAN', async () => {
    // U+0161 is written into the IA5String as its low byte 0x61, "a".
    const result = await rotateOnce(env, { subjectAltNames: { uri: ['spiffe://example.test/\u0161vc'] } });
    const current = await env.readDocument(result.arn, { stage: 'AWSCURRENT' });
    const san = result.promoted ? new X509Certificate(current.certificate as string).subjectAltName : undefined;

    expect(san, 'the certificate names another SPIFFE ID than configured').toBeUndefined();
    expect(result.failed?.error?.name).toBe('ConfigurationError');
  });
});

describe('steps end within the Lambda timeout', () => {
  it('bounds CA requests by remaining time', async () => {
    useStepTimeout(env, 5_000);
    const provider = { type: 'cfssl', url: env.cfssl.signUrl, profile: 'client', allowInsecureHttp: true, timeoutMs: 3_000 };
    const slow = () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_800));

    const result = await rotateOnce(env, { provider }, slow);
    // The emulator cannot stop the handler after its timeout; let it settle before the next test.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(result.failed?.error?.name, 'sign and info each stayed within timeoutMs, but together passed the Lambda timeout').toBe('ProviderError');
  }, 20_000);

  it('parses unterminated PEM headers quickly', async () => {
    useStepTimeout(env, 5_000);
    const body = '-----BEGIN A'.repeat(Math.floor((512 * 1024) / 12));

    const started = Date.now();
    const result = await rotateOnce(env, {}, (path) => (path.endsWith('/sign') ? cfsslSuccess(body) : undefined));
    const elapsedMs = Date.now() - started;

    expect(result.failed?.error?.name).toBe('CertificateParseError');
    expect(elapsedMs).toBeLessThan(2_000);
  }, 60_000);
});
