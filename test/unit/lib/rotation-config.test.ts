import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRotationConfig } from '../../../src/lib/config/rotation-config.js';
import { ConfigurationError } from '../../../src/lib/errors.js';

const minimal = {
  provider: { type: 'cfssl', url: 'https://ca.example/api/v1/cfssl/sign' },
  subject: { commonName: 'svc-a.example.test' },
};

function issuesOf(raw: unknown): readonly string[] {
  try {
    parseRotationConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);

    return (error as ConfigurationError).issues;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseRotationConfig', () => {
  it('applies defaults to a minimal block', () => {
    const config = parseRotationConfig(minimal);

    expect(config.key).toEqual({ algorithm: 'EC', curve: 'P-256' });
    expect(config.minValidityDays).toBe(1);
    expect(config.requireExtendedKeyUsage).toBe(false);
  });

  it('accepts every documented field', () => {
    const config = parseRotationConfig({
      ...minimal,
      provider: { ...minimal.provider, profile: 'client', label: 'primary', timeoutMs: 5000 },
      subject: { commonName: 'svc', organization: 'Example Org', organizationalUnit: 'Payments', country: 'DE', state: 'Berlin', locality: 'Berlin' },
      subjectAltNames: { dns: ['svc.example.test', '*.svc.example.test'], uri: ['spiffe://example.test/svc'], ip: ['10.0.0.1', '2001:db8::1'], email: ['ops@example.test'] },
      key: { algorithm: 'RSA', size: 3072 },
      handshake: { url: 'https://partner.example:8443/health', serverName: 'partner.example', expectStatus: 204, timeoutMs: 5000 },
      minValidityDays: 7,
      requireExtendedKeyUsage: true,
    });

    expect(config.key).toEqual({ algorithm: 'RSA', size: 3072 });
  });

  it.each([
    ['an unknown top-level key', { ...minimal, extra: 1 }, 'rotation: unknown field "extra"'],
    ['a misspelt provider key', { ...minimal, provider: { ...minimal.provider, profil: 'client' } }, 'rotation.provider: unknown field "profil"'],
    ['an unknown provider type', { ...minimal, provider: { type: 'venafi', url: 'https://x' } }, 'rotation.provider.type'],
    ['plain http to a remote CA', { ...minimal, provider: { type: 'cfssl', url: 'http://ca.example/api/v1/cfssl/sign' } }, 'rotation.provider.url: plain http is not allowed for host ca.example: use https'],
    ['plain http to loopback without opt-in', { ...minimal, provider: { type: 'cfssl', url: 'http://127.0.0.1:8888/api/v1/cfssl/sign' } }, 'rotation.provider.url: plain http to a loopback host requires "allowInsecureHttp": true'],
    ['a URL with credentials', { ...minimal, provider: { type: 'cfssl', url: 'https://user:pw@ca.example/api/v1/cfssl/sign' } }, 'rotation.provider.url: URL must not contain credentials'],
    ['a URL that is not the sign endpoint', { ...minimal, provider: { type: 'cfssl', url: 'https://ca.example/' } }, 'rotation.provider.url: must be the CFSSL sign endpoint'],
    ['an empty common name', { ...minimal, subject: { commonName: '' } }, 'rotation.subject.commonName'],
    ['a lower-case country', { ...minimal, subject: { commonName: 'x', country: 'de' } }, 'rotation.subject.country: must be a two-letter'],
    ['a bad IP SAN', { ...minimal, subjectAltNames: { ip: ['1.2.3'] } }, 'rotation.subjectAltNames.ip[0]: must be an IPv4 or IPv6 address'],
    ['a bad DNS SAN', { ...minimal, subjectAltNames: { dns: ['bad name'] } }, 'rotation.subjectAltNames.dns[0]: must be a DNS name'],
    ['an RSA size of 1024', { ...minimal, key: { algorithm: 'RSA', size: 1024 } }, 'rotation.key.size: must be 2048, 3072 or 4096'],
    ['an unknown curve', { ...minimal, key: { algorithm: 'EC', curve: 'P-521' } }, 'rotation.key.curve: must be "P-256" or "P-384"'],
    ['a plain-http handshake URL', { ...minimal, handshake: { url: 'http://127.0.0.1:8443/' } }, 'rotation.handshake.url'],
    ['a zero minValidityDays', { ...minimal, minValidityDays: 0 }, 'rotation.minValidityDays'],
    ['trust anchors without a certificate', { ...minimal, trustAnchors: 'not pem' }, 'rotation.trustAnchors: must contain at least one PEM certificate'],
  ])('rejects %s', (_case, raw, expected) => {
    const issues = issuesOf(raw);

    expect(issues.some((issue) => issue.startsWith(expected))).toBe(true);
  });

  it('names a missing required field', () => {
    expect(issuesOf({ provider: minimal.provider })).toContain('rotation.subject: is required (object)');
  });

  it('rejects a placeholder PEM before any CA call', () => {
    const placeholder = '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n';

    expect(issuesOf({ ...minimal, trustAnchors: placeholder })[0]).toMatch(/^rotation\.trustAnchors: is not a readable certificate bundle: the value, PEM block 1: base64 body is invalid/);
    expect(issuesOf({ ...minimal, handshake: { url: 'https://partner.example/', caCertificates: placeholder } })[0]).toMatch(/^rotation\.handshake\.caCertificates: is not a readable/);
  });

  it('asks for https on the handshake URL', () => {
    expect(issuesOf({ ...minimal, handshake: { url: 'http://127.0.0.1:8443/' } })).toContain(
      'rotation.handshake.url: must use https, because this endpoint is where the client certificate is tested',
    );
  });

  it('reports every bad field at once', () => {
    const issues = issuesOf({ ...minimal, subject: { commonName: '' }, minValidityDays: -1, extra: true });

    expect(issues).toHaveLength(3);
  });

  it('names the fix in the message', () => {
    expect(() => parseRotationConfig({ ...minimal, extra: 1 })).toThrow(/Fix these fields in the secret's AWSCURRENT value \(put-secret-value stores the whole JSON document/);
  });

  it('never throws anything but ConfigurationError', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        try {
          parseRotationConfig(raw);
        } catch (error) {
          return error instanceof ConfigurationError;
        }

        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any unknown top-level key', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((key) => !['provider', 'subject', 'subjectAltNames', 'key', 'handshake', 'minValidityDays', 'trustAnchors', 'requireExtendedKeyUsage', '__proto__'].includes(key)),
        (key) => issuesOf({ ...minimal, [key]: 1 }).some((issue) => issue.includes('unknown field')),
      ),
    );
  });
});
