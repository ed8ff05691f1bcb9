import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCsr } from '../../../src/lib/certificates/csr.js';
import { csrPublicKeyDer } from '../../../src/lib/certificates/csr-public-key.js';
import { generateKey } from '../../../src/lib/certificates/keys.js';
import { CertificateParseError } from '../../../src/lib/errors.js';

describe('csrPublicKeyDer', () => {
  it.each([
    ['EC P-384', { algorithm: 'EC', curve: 'P-384' } as const],
    ['RSA 2048', { algorithm: 'RSA', size: 2048 } as const],
  ])('returns the SubjectPublicKeyInfo of an %s CSR', async (_case, spec) => {
    const key = await generateKey(spec);
    const csrPem = buildCsr({ subject: { commonName: 'svc.example.test' }, privateKey: key.privateKey });

    expect(csrPublicKeyDer(csrPem)).toEqual(createPublicKey(key.privateKey).export({ type: 'spki', format: 'der' }));
  });

  it.each([
    ['text without a CSR block', 'hello'],
    ['a CSR block that is not DER', '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'],
  ])('rejects %s', (_case, input) => {
    expect(() => csrPublicKeyDer(input)).toThrow(CertificateParseError);
  });
});
