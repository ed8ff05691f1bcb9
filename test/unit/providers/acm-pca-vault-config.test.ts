import { describe, expect, it } from 'vitest';
import { createRootCa } from '../../../dev/pki/index.js';
import { parseRotationConfig } from '../../../src/lib/config/rotation-config.js';
import { ConfigurationError } from '../../../src/lib/errors.js';

const CA_ARN = 'arn:aws:acm-pca:eu-central-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012';
const SUBJECT = { commonName: 'svc-a.example.test' };
const ACM_PCA = { type: 'acm-pca', certificateAuthorityArn: CA_ARN, validityDays: 30 };
const VAULT = { type: 'vault', url: 'https://vault.example.test:8200', mount: 'pki', role: 'mtls-client', credentialsSecretId: 'vault/rotation-token' };

function issuesOf(raw: unknown): readonly string[] {
  try {
    parseRotationConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);

    return (error as ConfigurationError).issues;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('acm-pca provider schema', () => {
  it('accepts every documented field', () => {
    const config = parseRotationConfig({
      provider: { ...ACM_PCA, signingAlgorithm: 'SHA384WITHECDSA', templateArn: 'arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1' },
      subject: SUBJECT,
      revokePrevious: 'afterRotation',
    });

    expect(config.provider).toMatchObject({ type: 'acm-pca', signingAlgorithm: 'SHA384WITHECDSA' });
    expect(config.revokePrevious).toBe('afterRotation');
  });

  it.each([
    ['a GovCloud CA', 'arn:aws-us-gov:acm-pca:us-gov-west-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012'],
    ['a China CA', 'arn:aws-cn:acm-pca:cn-north-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012'],
  ])('accepts %s', (_case, certificateAuthorityArn) => {
    expect(parseRotationConfig({ provider: { ...ACM_PCA, certificateAuthorityArn }, subject: SUBJECT }).provider.type).toBe('acm-pca');
  });

  it.each([
    ['an ACM certificate ARN', { certificateAuthorityArn: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012' }, 'rotation.provider.certificateAuthorityArn: must be a private CA ARN'],
    ['a CA ARN without account', { certificateAuthorityArn: 'arn:aws:acm-pca:us-east-1::certificate-authority/12345678-1234-1234-1234-123456789012' }, 'rotation.provider.certificateAuthorityArn'],
    ['fractional days', { validityDays: 1.5 }, 'rotation.provider.validityDays: must be a whole number of days'],
    ['zero days', { validityDays: 0 }, 'rotation.provider.validityDays'],
    ['more than ten years', { validityDays: 3651 }, 'rotation.provider.validityDays'],
    ['an unknown signing algorithm', { signingAlgorithm: 'SHA1WITHRSA' }, 'rotation.provider.signingAlgorithm: must be one of SHA256WITHECDSA'],
    ['a template ARN with a region', { templateArn: 'arn:aws:acm-pca:us-east-1:123456789012:template/EndEntityCertificate/V1' }, 'rotation.provider.templateArn: must be a template ARN'],
    ['a misspelt field', { validity: 30 }, 'rotation.provider: unknown field "validity"'],
  ])('rejects %s', (_case, provider, expected) => {
    const issues = issuesOf({ provider: { ...ACM_PCA, ...provider }, subject: SUBJECT });

    expect(issues.some((issue) => issue.startsWith(expected)), issues.join('\n')).toBe(true);
  });

  it('requires validityDays', () => {
    const { validityDays: _omitted, ...provider } = ACM_PCA;

    expect(issuesOf({ provider, subject: SUBJECT }).some((issue) => issue.startsWith('rotation.provider.validityDays'))).toBe(true);
  });
});

describe('vault provider schema', () => {
  it('accepts every documented field', async () => {
    const caCertificates = (await createRootCa({ commonName: 'Vault Server Root CA' })).certificatePem;
    const config = parseRotationConfig({
      provider: { ...VAULT, mount: 'pki/issuing-2025', ttl: '720h', namespace: 'org/team-a', caCertificates, timeoutMs: 5_000 },
      subject: SUBJECT,
    });

    expect(config.provider).toMatchObject({ type: 'vault', mount: 'pki/issuing-2025', namespace: 'org/team-a' });
  });

  it.each(['30d', '720h', '1h30m', '86400'])('accepts ttl %s', (ttl) => {
    expect(parseRotationConfig({ provider: { ...VAULT, ttl }, subject: SUBJECT }).provider).toMatchObject({ ttl });
  });

  it('accepts plain http to loopback with allowInsecureHttp', () => {
    expect(parseRotationConfig({ provider: { ...VAULT, url: 'http://127.0.0.1:8200', allowInsecureHttp: true }, subject: SUBJECT }).provider.type).toBe('vault');
  });

  it.each([
    ['plain http to a remote Vault', { url: 'http://vault.example.test:8200', allowInsecureHttp: true }, 'rotation.provider.url: plain http is not allowed for host vault.example.test: use https'],
    ['plain http to loopback without opt-in', { url: 'http://127.0.0.1:8200' }, 'rotation.provider.url: plain http to a loopback host requires "allowInsecureHttp": true'],
    ['the /v1 prefix in the URL', { url: 'https://vault.example.test:8200/v1' }, 'rotation.provider.url: must be the Vault address without the /v1 API prefix'],
    ['a URL with credentials', { url: 'https://user:secret@vault.example.test' }, 'rotation.provider.url: URL must not contain credentials'],
    ['a mount with a leading slash', { mount: '/pki' }, 'rotation.provider.mount: must be the PKI mount path'],
    ['a role with a slash', { role: 'a/b' }, 'rotation.provider.role: must be a Vault role name'],
    ['a ttl in weeks', { ttl: '2w' }, 'rotation.provider.ttl: must be a Vault duration'],
    ['an empty ttl', { ttl: '' }, 'rotation.provider.ttl: must not be empty'],
    ['a token in the block', { token: 'hvs.abc' }, 'rotation.provider: unknown field "token"'],
  ])('rejects %s', (_case, provider, expected) => {
    const issues = issuesOf({ provider: { ...VAULT, ...provider }, subject: SUBJECT });

    expect(issues.some((issue) => issue.startsWith(expected)), issues.join('\n')).toBe(true);
  });

  it('requires credentialsSecretId', () => {
    const { credentialsSecretId: _omitted, ...provider } = VAULT;

    expect(issuesOf({ provider, subject: SUBJECT }).some((issue) => issue.startsWith('rotation.provider.credentialsSecretId'))).toBe(true);
  });
});

describe('rotation.revokePrevious', () => {
  it('defaults to never', () => {
    expect(parseRotationConfig({ provider: VAULT, subject: SUBJECT }).revokePrevious).toBe('never');
  });

  it.each([
    ['acm-pca', ACM_PCA],
    ['vault', VAULT],
  ])('accepts afterRotation with %s', (_type, provider) => {
    expect(parseRotationConfig({ provider, subject: SUBJECT, revokePrevious: 'afterRotation' }).revokePrevious).toBe('afterRotation');
  });

  it('rejects afterRotation for a provider without revocation', () => {
    const issues = issuesOf({ provider: { type: 'cfssl', url: 'https://ca.example/api/v1/cfssl/sign' }, subject: SUBJECT, revokePrevious: 'afterRotation' });

    expect(issues).toEqual([
      'rotation.revokePrevious: provider \'cfssl\' cannot revoke certificates, so "afterRotation" is not available: use "never", or a provider that revokes (acm-pca, vault)',
    ]);
  });

  it('rejects an unknown value', () => {
    expect(issuesOf({ provider: VAULT, subject: SUBJECT, revokePrevious: 'always' })).toEqual(['rotation.revokePrevious: must be "never" or "afterRotation"']);
  });
});
