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
    const secondLine = rsa.split('\n')[2] ?? '';

    expect(findPrivateKeyMaterial(`x ${secondLine} y`)).toBe('a line of a private key generated during the tests');
  });

  it('ignores certificates and ordinary text', () => {
    expect(findPrivateKeyMaterial('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nserial 0A1B')).toBeUndefined();
  });
});
