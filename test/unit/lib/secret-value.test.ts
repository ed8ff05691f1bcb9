import { describe, expect, it } from 'vitest';
import { SecretTooLargeError, SecretValueError } from '../../../src/lib/errors.js';
import { parseCredentialDocument, serializeCredentialDocument } from '../../../src/lib/secret-value.js';

const rotation = { provider: { type: 'cfssl', url: 'https://ca.example/api/v1/cfssl/sign' }, subject: { commonName: 'svc' } };

describe('parseCredentialDocument', () => {
  it('reads a SecretString document', () => {
    const document = parseCredentialDocument({ SecretString: JSON.stringify({ rotation, owner: 'team-a' }) }, 'AWSCURRENT');

    expect(document.owner).toBe('team-a');
  });

  it('reads UTF-8 JSON stored as SecretBinary', () => {
    const binary = new TextEncoder().encode(JSON.stringify({ rotation }));

    expect(parseCredentialDocument({ SecretBinary: binary }, 'AWSCURRENT').rotation).toEqual(rotation);
  });

  it.each([
    ['SecretString', { SecretString: `\uFEFF${JSON.stringify({ rotation })}` }],
    ['SecretBinary', { SecretBinary: new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify({ rotation }))]) }],
  ])('reads %s behind a byte-order mark', (_case, value) => {
    expect(parseCredentialDocument(value, 'AWSCURRENT').rotation).toEqual(rotation);
  });

  it('rejects SecretBinary that is not UTF-8', () => {
    expect(() => parseCredentialDocument({ SecretBinary: new Uint8Array([0xff, 0xfe, 0x00]) }, 'AWSCURRENT')).toThrow(/not UTF-8 text/);
  });

  it('rejects a version with no value', () => {
    expect(() => parseCredentialDocument({}, 'AWSCURRENT')).toThrow(/has no SecretString or SecretBinary value/);
  });

  it('rejects text that is not JSON without quoting it', () => {
    const secretLooking = 'privateKey=MIIEvQIBADANBgkqhkiG9w0BAQEFAASC';

    expect(() => parseCredentialDocument({ SecretString: secretLooking }, 'AWSCURRENT')).toThrow(SecretValueError);
    try {
      parseCredentialDocument({ SecretString: secretLooking }, 'AWSCURRENT');
    } catch (error) {
      expect((error as Error).message).not.toContain('MIIE');
      expect((error as Error).message).toContain('is not valid JSON');
    }
  });

  it.each([
    ['an array', '[1]', /must be a JSON object, got an array/],
    ['a string', '"x"', /must be a JSON object, got string/],
    ['no rotation block', '{"certificate":"x"}', /has no "rotation" block/],
    ['a numeric certificate', JSON.stringify({ rotation, certificate: 5 }), /field certificate must be a PEM string, got number/],
  ])('rejects %s', (_case, text, message) => {
    expect(() => parseCredentialDocument({ SecretString: text }, 'AWSCURRENT')).toThrow(message);
  });
});

describe('serializeCredentialDocument', () => {
  it('keeps unknown top-level keys', () => {
    const text = serializeCredentialDocument({ rotation, owner: 'team-a' });

    expect(JSON.parse(text)).toEqual({ rotation, owner: 'team-a' });
  });

  it('rejects a value over 65,536 bytes', () => {
    const document = { rotation, certificate: 'x'.repeat(78_400) };

    expect(() => serializeCredentialDocument(document)).toThrow(SecretTooLargeError);
    expect(() => serializeCredentialDocument(document)).toThrow(/secret would be 78,5\d\d bytes, limit 65,536/);
  });
});
