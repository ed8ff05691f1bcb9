import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServerCertificate, createIntermediateCa, createRootCa, type CertificateAuthority, type ServerCertificate } from '../../../dev/pki/index.js';
import { startVaultServer, type VaultServer } from '../../../dev/vault/vault-server.js';
import { CredentialsError, ProviderError, TimeBudgetError } from '../../../src/lib/errors.js';
import { VaultProvider } from '../../../src/lib/providers/vault.js';
import type { VaultProviderConfig } from '../../../src/lib/providers/vault-config.js';
import { newIssueRequest } from '../../support/issue-request.js';
import { capturedOutput } from '../../support/leak-guard.js';
import { testProviderContext } from '../../support/provider-context.js';

const TOKEN = 'hvs.unit-test-token-8c1f0e7d2a';
const CREDENTIALS_ID = 'vault/credentials';
let serverRoot: CertificateAuthority;
let issuer: CertificateAuthority;
let tls: ServerCertificate;
let vault: VaultServer;

beforeAll(async () => {
  const root = await createRootCa({ commonName: 'Unit Client Root CA' });
  issuer = await createIntermediateCa(root, { commonName: 'Unit Vault Issuing CA' });
  serverRoot = await createRootCa({ commonName: 'Unit Server Root CA' });
  tls = await createServerCertificate(serverRoot, { dnsNames: ['localhost'] });
  vault = await startVaultServer({ signer: issuer, token: TOKEN, mount: 'pki/issuing', namespace: 'team-a', tls: { certificatePem: tls.certificateChainPem, privateKeyPem: tls.privateKeyPem } });
});
afterEach(() => vault.setResponder(undefined));
afterAll(() => vault.close());

function config(overrides: Partial<VaultProviderConfig> = {}): VaultProviderConfig {
  return {
    type: 'vault',
    url: vault.url,
    mount: 'pki/issuing',
    role: 'mtls-client',
    namespace: 'team-a',
    credentialsSecretId: CREDENTIALS_ID,
    caCertificates: serverRoot.certificatePem,
    ...overrides,
  };
}

function context(token: unknown = TOKEN, retryPolicy?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; maxRetryAfterMs: number }) {
  return testProviderContext({ credentials: { [CREDENTIALS_ID]: { token } }, ...(retryPolicy === undefined ? {} : { retryPolicy }) });
}

describe('VaultProvider.issue', () => {
  it('signs through the mount, role and namespace', async () => {
    const block = config({ ttl: '48h' });
    const { request } = await newIssueRequest(block, context());
    const start = vault.requests.length;

    const result = await new VaultProvider(block).issue(request);

    expect(vault.requests.slice(start)).toMatchObject([{ path: '/v1/pki/issuing/sign/mtls-client', tokenAccepted: true, namespace: 'team-a', body: { ttl: '48h', format: 'pem' } }]);
    expect(result.certificates[0]?.checkIssued(issuer.certificate)).toBe(true);
    expect(result.certificates.map((certificate) => certificate.subject.replace(/\n/g, ', '))).toEqual([
      'CN=payments-client.example.test',
      'CN=Unit Vault Issuing CA',
      'CN=Unit Client Root CA',
    ]);
    expect(new Date(result.certificates[0]!.validTo).getTime() - Date.now()).toBeLessThanOrEqual(48 * 3600 * 1000);
  });

  it('leaves ttl to the role when unset', async () => {
    const block = config();
    const { request } = await newIssueRequest(block, context());
    const start = vault.requests.length;

    await new VaultProvider(block).issue(request);

    expect(vault.requests[start]?.body).not.toHaveProperty('ttl');
  });

  it('uses issuing_ca when ca_chain is absent', async () => {
    vault.setResponder(async (path, body) => {
      if (!path.endsWith('/sign/mtls-client')) return undefined;
      vault.setResponder(undefined);
      const response = await fetchSigned(body);

      return { status: 200, body: JSON.stringify({ data: { certificate: response.data.certificate, issuing_ca: response.data.issuing_ca } }) };
    });
    const block = config();
    const { request } = await newIssueRequest(block, context());

    const result = await new VaultProvider(block).issue(request);

    expect(result.certificates).toHaveLength(2);
  });

  it('retries a 503 and then succeeds', async () => {
    let failures = 1;
    vault.setResponder((path) => (path.endsWith('/sign/mtls-client') && failures-- > 0 ? { status: 503, body: JSON.stringify({ errors: ['Vault is sealed'] }) } : undefined));
    const block = config();
    const { request } = await newIssueRequest(block, context(TOKEN, { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 }));

    const result = await new VaultProvider(block).issue(request);

    expect(result.certificates.length).toBeGreaterThan(0);
  });

  it('reports a wrong token without quoting it', async () => {
    const wrong = 'hvs.wrong-token-value-3b9d';
    const block = config();
    const { request } = await newIssueRequest(block, context(wrong));

    const error = await new VaultProvider(block).issue(request).then(
      () => undefined,
      (caught: unknown) => caught as ProviderError,
    );

    expect(error).toBeInstanceOf(ProviderError);
    expect(error?.retryable).toBe(false);
    expect(error?.context).toEqual({ provider: 'vault', operation: 'sign', status: 403 });
    expect(error?.message).toBe(
      `provider 'vault' sign rejected the request with HTTP 403: "permission denied": check the token in credentials secret ${CREDENTIALS_ID} and that its policy allows "update" on pki/issuing/sign/mtls-client in namespace team-a`,
    );
    expect(capturedOutput()).not.toContain(wrong);
    expect(capturedOutput()).not.toContain(TOKEN);
  });

  it('redacts a token that Vault echoes in an error', async () => {
    vault.setResponder((path) => (path.endsWith('/sign/mtls-client') ? { status: 400, body: JSON.stringify({ errors: [`bad request from token ${TOKEN}`] }) } : undefined));
    const block = config();
    const { request } = await newIssueRequest(block, context());

    const error = await new VaultProvider(block).issue(request).then(
      () => undefined,
      (caught: unknown) => caught as ProviderError,
    );

    expect(error?.message).toContain('HTTP 400: "bad request from token [redacted]"');
    expect(error?.message).not.toContain(TOKEN);
  });

  it.each([
    ['no token field', {}],
    ['an empty token', { token: ' ' }],
    ['a token that is not a string', { token: 42 }],
    ['a token with a line break', { token: 'hvs.abc\nX-Injected: 1' }],
  ])('rejects credentials with %s', async (_case, credentials) => {
    const block = config();
    const { request } = await newIssueRequest(block, testProviderContext({ credentials: { [CREDENTIALS_ID]: credentials } }));
    const sent = vault.requests.length;

    await expect(new VaultProvider(block).issue(request)).rejects.toThrow(CredentialsError);
    expect(vault.requests).toHaveLength(sent);
  });

  it('reports a connection failure as retryable', async () => {
    const block = config({ url: 'https://127.0.0.1:1' });
    const { request } = await newIssueRequest(block, context());

    const error = await new VaultProvider(block).issue(request).then(
      () => undefined,
      (caught: unknown) => caught as ProviderError,
    );

    expect(error?.message).toMatch(/^provider 'vault' sign request failed: POST https:\/\/127\.0\.0\.1:1\/v1\/pki\/issuing\/sign\/mtls-client failed: /);
    expect(error?.retryable).toBe(true);
  });

  it('stops when the time budget is used up', async () => {
    const block = config();
    const { request } = await newIssueRequest(block, { ...context(), remainingTimeMs: () => 100 });

    await expect(new VaultProvider(block).issue(request)).rejects.toBeInstanceOf(TimeBudgetError);
  });
});

describe('VaultProvider.revoke', () => {
  it('sends Vault serial form and accepts a repeat', async () => {
    const block = config();
    const providerContext = context();
    const { request } = await newIssueRequest(block, providerContext);
    const provider = new VaultProvider(block);
    const [leaf] = (await provider.issue(request)).certificates;
    const revoke = { certificatePem: leaf!.toString(), serialNumber: leaf!.serialNumber, reason: 'superseded' as const, config: request.config, context: providerContext };

    await provider.revoke(revoke);
    await provider.revoke(revoke);

    const sent = vault.requests.filter((call) => call.path === '/v1/pki/issuing/revoke').slice(-2);
    const expected = leaf!.serialNumber.toLowerCase().replace(/^(00)+/, '').match(/../g)!.join(':');
    expect(sent.map((call) => call.body)).toEqual([{ serial_number: expected }, { serial_number: expected }]);
    expect(vault.revokedSerials()).toContain(expected);
  });

  it('reports a serial that Vault does not know', async () => {
    const block = config();
    const providerContext = context();
    const { request } = await newIssueRequest(block, providerContext);

    await expect(new VaultProvider(block).revoke({ certificatePem: '', serialNumber: 'ABCDEF', reason: 'superseded', config: request.config, context: providerContext })).rejects.toThrow(
      `provider 'vault' revoke rejected the request with HTTP 400: "certificate with serial ab:cd:ef not found": check that the certificate was issued by the pki/issuing mount`,
    );
  });
});

/** Signs `body` through the stand-in without the responder, for responses that a test assembles. */
async function fetchSigned(body: unknown): Promise<{ data: { certificate: string; issuing_ca: string } }> {
  const { sendHttpRequest } = await import('../../../src/lib/net/http-request.js');
  const response = await sendHttpRequest({
    url: `${vault.url}/v1/pki/issuing/sign/mtls-client`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vault-token': TOKEN, 'x-vault-namespace': 'team-a' },
    body: JSON.stringify(body),
    caCertificates: serverRoot.certificatePem,
    timeoutMs: 5_000,
    maxResponseBytes: 1024 * 1024,
  });

  return JSON.parse(response.body.toString('utf8')) as { data: { certificate: string; issuing_ca: string } };
}
