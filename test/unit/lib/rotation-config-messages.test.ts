import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../dev/pki/index.js';
import { parseRotationConfig } from '../../../src/lib/config/rotation-config.js';
import { ConfigurationError } from '../../../src/lib/errors.js';
import { findPrivateKeyMaterial, registerPrivateKey } from '../../support/key-material.js';

/*
 * A configuration error reaches logs and the SNS failure notice, so it must never quote a private
 * key that someone pasted into the wrong field of the rotation block.
 */

const minimal = () => ({
  provider: { type: 'cfssl', url: 'https://ca.example.test/api/v1/cfssl/sign', profile: 'client' },
  subject: { commonName: 'svc-a.example.test', organization: 'Example Org' },
  subjectAltNames: { dns: ['svc-a.example.test'], uri: ['spiffe://example.test/svc-a'], email: ['ops@example.test'], ip: ['192.0.2.10'] },
  key: { algorithm: 'EC', curve: 'P-256' },
  handshake: { url: 'https://partner.example.test/health', serverName: 'partner.example.test' },
  minValidityDays: 7,
});

// Each places a value into one field of the block.
const PLACEMENTS: [string, (block: ReturnType<typeof minimal>, value: string) => void][] = [
  ['provider.url', (block, value) => (block.provider.url = value)],
  ['provider.profile', (block, value) => (block.provider.profile = value)],
  ['provider.type', (block, value) => (block.provider.type = value)],
  ['subject.commonName', (block, value) => (block.subject.commonName = value)],
  ['subject.organization', (block, value) => (block.subject.organization = value)],
  ['subjectAltNames.dns[0]', (block, value) => (block.subjectAltNames.dns[0] = value)],
  ['subjectAltNames.uri[0]', (block, value) => (block.subjectAltNames.uri[0] = value)],
  ['subjectAltNames.email[0]', (block, value) => (block.subjectAltNames.email[0] = value)],
  ['subjectAltNames.ip[0]', (block, value) => (block.subjectAltNames.ip[0] = value)],
  ['key.curve', (block, value) => (block.key.curve = value)],
  ['handshake.url', (block, value) => (block.handshake.url = value)],
  ['handshake.serverName', (block, value) => (block.handshake.serverName = value)],
  ['minValidityDays', (block, value) => ((block as Record<string, unknown>).minValidityDays = value)],
  ['trustAnchors', (block, value) => ((block as Record<string, unknown>).trustAnchors = value)],
];

let keyPem: string;

beforeAll(async () => {
  keyPem = (await generateKeyPair({ algorithm: 'RSA', size: 2048 })).privateKeyPem;
  registerPrivateKey(keyPem);
});

function messageOf(raw: unknown): string | undefined {
  try {
    parseRotationConfig(raw);

    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);

    return (error as Error).message;
  }
}

describe('parseRotationConfig messages', () => {
  it.each(PLACEMENTS)('do not quote a private key in %s', (field, place) => {
    const block = minimal();
    place(block, keyPem);

    const message = messageOf(block);

    expect(message, field).toBeDefined();
    expect(findPrivateKeyMaterial(message!), `message for ${field}: ${message}`).toBeUndefined();
  });

  it('do not quote key material in any field, however it is cut', () => {
    const body = () => keyPem.split('\n').filter((line) => !line.startsWith('-----')).join('');
    fc.assert(
      fc.property(fc.constantFrom(...PLACEMENTS), fc.nat(), fc.integer({ min: 120, max: 1_600 }), fc.boolean(), ([, place], start, length, withHeader) => {
        const text = body();
        const from = start % (text.length - length);
        const value = withHeader ? `-----BEGIN PRIVATE KEY-----\n${text.slice(from, from + length)}` : text.slice(from, from + length);
        const block = minimal();
        place(block, value);

        const message = messageOf(block) ?? '';

        return findPrivateKeyMaterial(message) === undefined && !message.includes(text.slice(from, from + 60));
      }),
      { numRuns: 300 },
    );
  });
});
