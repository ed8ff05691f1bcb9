import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, createRootCa, createIntermediateCa } from '../../../dev/pki/index.js';
import { validateIssuedCertificate, type ValidationPolicy } from '../../../src/lib/certificates/validate.js';
import { spkiFingerprint } from '../../../src/lib/certificates/keys.js';
import { CertificateValidationError } from '../../../src/lib/errors.js';
import { certificatesOf, createChainFixture, DAY_MS, type ChainFixture } from '../../support/certificate-fixtures.js';

let fixture: ChainFixture;
let policy: ValidationPolicy;
const now = () => new Date();

beforeAll(async () => {
  fixture = await createChainFixture();
  policy = { minValidityDays: 1, trustAnchors: certificatesOf(fixture.root.certificatePem) };
});

function validate(certificates: X509Certificate[], overrides: Partial<ValidationPolicy> = {}) {
  return validateIssuedCertificate(certificates, fixture.key.privateKey, { ...policy, ...overrides }, now(), 'answer of provider');
}

function failure(run: () => unknown): CertificateValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CertificateValidationError);

    return error as CertificateValidationError;
  }
  throw new Error('expected validation to fail');
}

async function leafWith(options: Parameters<typeof issueCertificate>[2]): Promise<X509Certificate> {
  return new X509Certificate(await issueCertificate(fixture.intermediate, fixture.key.publicKey, { subject: 'CN=svc-a.example.test', ...options }));
}

describe('validateIssuedCertificate', () => {
  it('accepts leaf and intermediate', () => {
    const result = validate(certificatesOf(fixture.leafPem, fixture.intermediate.certificatePem));

    expect(result.leaf.subject).toContain('svc-a.example.test');
    expect(result.chain.map((certificate) => certificate.subject)).toEqual([fixture.intermediate.certificate.subject]);
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['intermediate first', [1, 0]],
    ['root first', [2, 1, 0]],
    ['root in the middle', [1, 2, 0]],
    ['leaf last after root', [2, 0, 1]],
  ])('orders a chain given %s', (_case, order) => {
    const pems = [fixture.leafPem, fixture.intermediate.certificatePem, fixture.root.certificatePem];

    const result = validate(certificatesOf(...order.map((index) => pems[index]!)));

    expect(result.leaf.fingerprint256).toBe(new X509Certificate(fixture.leafPem).fingerprint256);
    expect(result.chain).toHaveLength(1);
  });

  it('orders any permutation and drops the root', () => {
    const pems = [fixture.leafPem, fixture.intermediate.certificatePem, fixture.root.certificatePem, fixture.intermediate.certificatePem];
    fc.assert(
      fc.property(fc.shuffledSubarray(pems, { minLength: 4, maxLength: 4 }), (shuffled) => {
        const result = validate(certificatesOf(...shuffled));

        return result.chain.length === 1 && result.chain[0]!.ca && result.warnings.some((warning) => warning.includes('dropped'));
      }),
      { numRuns: 24 },
    );
  });

  it('rejects a certificate for another key with both fingerprints', async () => {
    const other = await createChainFixture();

    const error = failure(() => validate(certificatesOf(other.leafPem, fixture.intermediate.certificatePem)));

    expect(error.check).toBe('key-match');
    expect(error.message).toContain('certificate public key does not match the generated private key');
    expect(error.message).toContain(spkiFingerprint(other.key.publicKey));
    expect(error.message).toContain(spkiFingerprint(fixture.key.publicKey));
  });

  it('rejects a chain from another CA', async () => {
    const other = await createChainFixture();
    const strangerLeaf = await issueCertificate(other.intermediate, fixture.key.publicKey, { subject: 'CN=svc-a.example.test' });

    const error = failure(() => validate(certificatesOf(strangerLeaf, other.intermediate.certificatePem)));

    expect(error.check).toBe('trust-anchor');
    expect(error.message).toContain('not signed by any certificate in rotation.trustAnchors');
  });

  it('rejects a missing intermediate under trust anchors', () => {
    const error = failure(() => validate(certificatesOf(fixture.leafPem)));

    expect(error.check).toBe('trust-anchor');
    expect(error.message).toContain('an intermediate may be missing');
  });

  it('rejects a certificate that does not link', async () => {
    const unrelated = await createRootCa({ commonName: 'Unrelated Root' });

    const error = failure(() => validate(certificatesOf(fixture.leafPem, fixture.intermediate.certificatePem, unrelated.certificatePem)));

    expect(error.check).toBe('chain');
    expect(error.message).toContain('"CN=Unrelated Root"');
    expect(error.message).toContain('does not chain to the leaf');
  });

  it('warns without trust anchors', () => {
    const result = validate(certificatesOf(fixture.leafPem), { trustAnchors: undefined });

    expect(result.warnings).toContain('rotation.trustAnchors is not set, so the chain was not verified up to a trusted root');
  });

  it('rejects an expired certificate', async () => {
    const leaf = await leafWith({ notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });

    const error = failure(() => validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)]));

    expect(error.check).toBe('validity');
    expect(error.message).toMatch(/expired on \d{4}-/);
  });

  it('rejects a certificate valid only in the future', async () => {
    const leaf = await leafWith({ notBefore: new Date(Date.now() + DAY_MS), notAfter: new Date(Date.now() + 90 * DAY_MS) });

    expect(failure(() => validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)])).message).toContain("check the CA's clock");
  });

  it('tolerates four minutes of clock skew', async () => {
    const leaf = await leafWith({ notBefore: new Date(Date.now() + 4 * 60 * 1000), notAfter: new Date(Date.now() + 90 * DAY_MS) });

    expect(validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)]).leaf).toBe(leaf);
  });

  it('rejects validity below minValidityDays', async () => {
    const leaf = await leafWith({ notAfter: new Date(Date.now() + 2 * DAY_MS) });

    const error = failure(() => validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)], { minValidityDays: 7 }));

    expect(error.check).toBe('min-validity');
    expect(error.message).toMatch(/in 2\.0 days, below minValidityDays=7: check the provider profile's expiry/);
  });

  it('rejects a serverAuth-only certificate', async () => {
    const leaf = await leafWith({ extendedKeyUsages: ['serverAuth'] });

    const error = failure(() => validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)]));

    expect(error.check).toBe('extended-key-usage');
    expect(error.message).toContain('lacks id-kp-clientAuth');
  });

  it('accepts a certificate without extendedKeyUsage', async () => {
    const leaf = await leafWith({ extendedKeyUsages: null });

    expect(validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)]).leaf).toBe(leaf);
  });

  it('rejects no extendedKeyUsage when required', async () => {
    const leaf = await leafWith({ extendedKeyUsages: null });

    const error = failure(() => validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)], { requireExtendedKeyUsage: true }));

    expect(error.message).toContain('rotation.requireExtendedKeyUsage is true');
  });

  it.each([
    ['zero', '00', 'zero'],
    ['negative', 'CFC7', 'negative'],
  ])('rejects a %s serial number', async (_case, serialNumberHex, word) => {
    const leaf = await leafWith({ serialNumberHex });

    const error = failure(() => validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)]));

    expect(error.check).toBe('serial-number');
    expect(error.message).toContain(`has a ${word} serial number, which RFC 5280 forbids`);
  });

  it('accepts a 20-byte serial with the high bit set', async () => {
    const leaf = await leafWith({ serialNumberHex: '008F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C' });

    expect(validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)]).summary.serialNumber).toBe('8F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C');
  });

  it('rejects a CA certificate as the leaf', async () => {
    const leaf = await leafWith({ isCa: true });

    expect(failure(() => validate([leaf, ...certificatesOf(fixture.intermediate.certificatePem)])).check).toBe('not-a-leaf');
  });

  it('accepts an EC chain', async () => {
    const ec = await createChainFixture({ caKey: { algorithm: 'EC', curve: 'P-384' }, leafKey: { algorithm: 'EC', curve: 'P-256' } });

    const result = validateIssuedCertificate(certificatesOf(ec.leafPem, ec.intermediate.certificatePem), ec.key.privateKey, { minValidityDays: 1, trustAnchors: certificatesOf(ec.root.certificatePem) }, now(), 'answer');

    expect(result.chain).toHaveLength(1);
  });

  it('accepts an RSA leaf under an EC chain', async () => {
    const mixed = await createChainFixture({ caKey: { algorithm: 'EC', curve: 'P-256' }, leafKey: { algorithm: 'RSA', size: 2048 } });

    const result = validateIssuedCertificate(certificatesOf(mixed.leafPem, mixed.intermediate.certificatePem), mixed.key.privateKey, { minValidityDays: 1, trustAnchors: certificatesOf(mixed.root.certificatePem) }, now(), 'answer');

    expect(result.leaf.publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('rejects an expired intermediate', async () => {
    const root = await createRootCa();
    const expired = await createIntermediateCa(root, { notBefore: new Date(Date.now() - 20 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
    const leaf = await issueCertificate(expired, fixture.key.publicKey, { subject: 'CN=svc' });

    const error = failure(() => validate(certificatesOf(leaf, expired.certificatePem), { trustAnchors: certificatesOf(root.certificatePem) }));

    expect(error.check).toBe('chain');
    expect(error.message).toContain('is not valid now');
  });

  it('rejects an empty answer', () => {
    expect(failure(() => validate([])).check).toBe('parse');
  });
});
