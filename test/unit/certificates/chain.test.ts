import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIntermediateCa, createRootCa, generateKeyPair, issueCertificate, type CertificateAuthority } from '../../../dev/pki/index.js';
import { orderChain } from '../../../src/lib/certificates/chain.js';
import { CertificateValidationError } from '../../../src/lib/errors.js';

let root: X509Certificate;
let upper: X509Certificate;
let issuing: X509Certificate;
let leaf: X509Certificate;
let stranger: X509Certificate;

beforeAll(async () => {
  // root -> upper intermediate -> issuing intermediate -> leaf, plus an unrelated CA.
  const rootCa = await createRootCa({ commonName: 'Chain Test Root' });
  const upperCa = await createIntermediateCa(rootCa, { commonName: 'Chain Test Policy CA' });
  const issuingCa: CertificateAuthority = await createIntermediateCa(upperCa, { commonName: 'Chain Test Issuing CA' });
  const strangerCa = await createRootCa({ commonName: 'Unrelated Root' });
  const key = await generateKeyPair();
  root = new X509Certificate(rootCa.certificatePem);
  upper = new X509Certificate(upperCa.certificatePem);
  issuing = new X509Certificate(issuingCa.certificatePem);
  stranger = new X509Certificate(strangerCa.certificatePem);
  leaf = new X509Certificate(await issueCertificate(issuingCa, key.publicKey, { subject: 'CN=svc-a.example.test' }));
});

const fingerprints = (certificates: readonly X509Certificate[]) => certificates.map((certificate) => certificate.fingerprint256);

describe('orderChain', () => {
  it('orders two intermediates in any order, with duplicates and the root', () => {
    const byName = () => ({ leaf, upper, issuing, root });
    // Every provider response contains both intermediates, maybe the root, and any duplicates, shuffled.
    const answers = fc
      .record({ extra: fc.array(fc.constantFrom('leaf', 'upper', 'issuing', 'root'), { maxLength: 8 }), includeRoot: fc.boolean() })
      .chain(({ extra, includeRoot }) => {
        const names = ['upper', 'issuing', ...(includeRoot ? ['root'] : []), ...extra] as (keyof ReturnType<typeof byName>)[];

        return fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length });
      });

    fc.assert(
      fc.property(answers, (names) => {
        const ordered = orderChain(leaf, names.map((name) => byName()[name]), 'test answer');

        expect(fingerprints(ordered.intermediates)).toEqual(fingerprints([issuing, upper]));
        expect(fingerprints(ordered.droppedRoots)).toEqual(names.includes('root') ? fingerprints([root]) : []);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects an unrelated certificate in any position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), (position) => {
        const others = [upper, issuing];
        others.splice(position, 0, stranger);

        expect(() => orderChain(leaf, others, 'test answer')).toThrow(CertificateValidationError);
        expect(() => orderChain(leaf, others, 'test answer')).toThrow(/"CN=Unrelated Root" .* does not chain to the leaf/);
      }),
    );
  });

  it('stops at a missing intermediate and reports the gap', () => {
    expect(() => orderChain(leaf, [upper], 'test answer')).toThrow(/the chain stops at "CN=svc-a.example.test" .*issued by "CN=Chain Test Issuing CA", which is not in the response/);
  });
});
