import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findPrivateKeyMaterial, registerPrivateKey } from '../../support/key-material.js';

// The leak guard fails the run when output holds key material, so its detector must itself be proven.
describe('findPrivateKeyMaterial', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const body = pem.split('\n').filter((line) => !line.startsWith('-----')).join('');

  it('finds a PEM private key header', () => {
    expect(findPrivateKeyMaterial(`log line ${pem.slice(0, 40)}`)).toBe('a PEM private key header');
  });

  it('finds a key body inside JSON', () => {
    const jsonEscaped = JSON.stringify({ key: body.match(/.{1,64}/g)?.join('\n') });

    expect(findPrivateKeyMaterial(jsonEscaped)).toBeDefined();
  });

  it('finds a registered key line', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    registerPrivateKey(rsa);
    // Line 10 lies in the private exponent; the first lines contain the modulus, which is public.
    const privateLine = rsa.split('\n')[10] ?? '';

    expect(findPrivateKeyMaterial(`x ${privateLine} y`)).toBe('a line of a private key generated during the tests');
  });

  it('ignores a certificate for a registered EC key', async () => {
    const { createRootCa, issueCertificate } = await import('../../../dev/pki/index.js');
    const ca = await createRootCa({ commonName: 'Key Material Test CA' });
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    registerPrivateKey(keyPem);
    // The last PEM line of an EC P-256 PKCS#8 key contains only the public point, which the certificate repeats.
    const certificates = await Promise.all(Array.from({ length: 6 }, (_, index) => issueCertificate(ca, pair.publicKey, { subject: `CN=key-material-${index}` })));

    for (const certificate of certificates) expect(findPrivateKeyMaterial(JSON.stringify({ certificate }))).toBeUndefined();
    expect(findPrivateKeyMaterial(JSON.stringify({ key: keyPem.replace(/-----[A-Z ]+-----/g, '') }))).toBeDefined();
  });

  it('finds a short fragment of a registered key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    registerPrivateKey(rsa);
    const body = rsa.split('\n').filter((line) => !line.startsWith('-----')).join('');

    expect(findPrivateKeyMaterial(`starts with "${body.slice(800, 840)}"`)).toBe('a fragment of a private key generated during the tests');
  });

    it('ignores certificates and ordinary text', () => {
    expect(findPrivateKeyMaterial('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nserial 0A1B')).toBeUndefined();
  });
});
