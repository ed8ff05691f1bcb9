import { createPrivateKey, X509Certificate } from 'node:crypto';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { startVaultStandIn, type VaultStandIn } from '../../dev/provider-stand-ins.js';
import type { VaultResponder } from '../../dev/vault/vault-server.js';
import { assertNoPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { hasStoredValue, publishedNotices, versionWithLabel } from '../support/rotation-steps.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let env: LocalEnvironment;
let vault: VaultStandIn;
let namespaced: VaultStandIn;
let counter = 0;
// Every token the tests hand to the rotation function, none of which may reach any output.
const tokens: string[] = [];

beforeAll(async () => {
  env = await startLocalEnvironment();
  vault = await startVaultStandIn(env);
  namespaced = await startVaultStandIn(env, { namespace: 'team-payments' });
  tokens.push(vault.token, namespaced.token);
});
afterEach(() => {
  vault.server.setResponder(undefined);
});
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await Promise.all([vault.close(), namespaced.close()]);
  await env.close();
});

async function createSecret(provider: Record<string, unknown> = {}, standIn = vault): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/vault-${counter}`, { provider: standIn.providerBlock(provider) });
}

async function currentDocument(arn: string): Promise<Record<string, unknown>> {
  const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  if (typeof document.privateKey === 'string') registerPrivateKey(document.privateKey);

  return document;
}

/** Rotates a secret that has a Vault certificate, with `prepare` run before the second rotation. */
async function failingRotation(prepare: (arn: string) => void | Promise<void>, provider: Record<string, unknown> = {}) {
  const arn = await createSecret(provider);
  const first = await env.rotateSecret(arn);
  expect(first.steps.every((step) => step.ok), JSON.stringify(first.steps)).toBe(true);
  await prepare(arn);
  // Read after `prepare`, which may store a new rotation block as AWSCURRENT.
  const stagesBefore = await env.versionStages(arn);
  const currentBefore = await currentDocument(arn);

  const record = await env.rotateSecret(arn);
  const failed = record.steps.find((step) => !step.ok);
  const notice = publishedNotices(env, 'CertificateRotationFailed').find((body) => body.versionId === record.token);

  return {
    failed,
    notice,
    currentUnchanged:
      versionWithLabel(await env.versionStages(arn), 'AWSCURRENT') === versionWithLabel(stagesBefore, 'AWSCURRENT') &&
      JSON.stringify(await currentDocument(arn)) === JSON.stringify(currentBefore),
    storedPending: await hasStoredValue(env, arn, record.token),
  };
}

async function storeToken(secret: Record<string, unknown>): Promise<string> {
  counter += 1;
  const created = await env.secretsManager.send(new CreateSecretCommand({ Name: `vault/other-credentials-${counter}`, SecretString: JSON.stringify(secret) }));

  return created.ARN ?? '';
}

function answerWith(status: number, body: unknown, path = /\/sign\//): VaultResponder {
  return (requestPath) => (path.test(requestPath) ? { status, body: typeof body === 'string' ? body : JSON.stringify(body) } : undefined);
}

describe('vault provider', () => {
  it('issues the first certificate', async () => {
    const arn = await createSecret();
    const start = vault.server.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    const document = await currentDocument(arn);
    const leaf = new X509Certificate(document.certificate as string);
    expect(leaf.checkPrivateKey(createPrivateKey(document.privateKey as string))).toBe(true);
    expect(leaf.subject).toBe('CN=payments-client.example.test');
    expect(leaf.subjectAltName).toBe('DNS:payments-client.example.test');
    expect(document.certificateChain).toBe(env.pki.intermediate.certificatePem.replace(/\n?$/, '\n'));
    expect(new Date(leaf.validTo).getTime() - Date.now()).toBeGreaterThan(29 * DAY_MS);

    const [sign] = vault.server.requests.slice(start);
    expect(sign).toMatchObject({ method: 'POST', path: '/v1/pki/sign/mtls-client', tokenAccepted: true, namespace: undefined });
    expect(sign?.body).toEqual({
      csr: expect.stringMatching(/^-----BEGIN CERTIFICATE REQUEST-----\n/),
      common_name: 'payments-client.example.test',
      alt_names: 'payments-client.example.test',
      ttl: '720h',
      format: 'pem',
    });
  });

  it('sends every kind of subject alternative name', async () => {
    const arn = await env.createBootstrapSecret(`mtls/vault-sans-${Date.now()}`, {
      provider: vault.providerBlock(),
      subjectAltNames: { dns: ['payments-client.example.test', 'alt.example.test'], email: ['ops@example.test'], ip: ['127.0.0.1'], uri: ['spiffe://example.test/payments'] },
    });
    const start = vault.server.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(vault.server.requests[start]?.body).toMatchObject({
      alt_names: 'payments-client.example.test,alt.example.test,ops@example.test',
      ip_sans: '127.0.0.1',
      uri_sans: 'spiffe://example.test/payments',
    });
    const leaf = new X509Certificate((await currentDocument(arn)).certificate as string);
    expect(leaf.subjectAltName).toContain('URI:spiffe://example.test/payments');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toContain('email:ops@example.test');
  });

  it('sends the namespace header', async () => {
    const arn = await createSecret({}, namespaced);

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(namespaced.server.requests.at(-1)).toMatchObject({ namespace: 'team-payments', tokenAccepted: true });
  });

  it('reports a wrong namespace as HTTP 403', async () => {
    const result = await failingRotation(async (arn) => {
      const document = await currentDocument(arn);
      const rotation = document.rotation as Record<string, unknown>;
      const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      await env.secretsManager.send(
        new PutSecretValueCommand({
          SecretId: arn,
          SecretString: JSON.stringify({ ...document, rotation: { ...rotation, provider: { ...(rotation.provider as object), namespace: 'team-other' } } }),
        }),
      );
    });

    expect(result.failed?.error?.message).toMatch(/^provider 'vault' sign rejected the request with HTTP 403: "permission denied": /);
    expect(result.failed?.error?.message).toContain('in namespace team-other');
    expect(result.currentUnchanged).toBe(true);
    expect(result.storedPending).toBe(false);
  });

  it.each([
    ['a rejected CSR', answerWith(400, { errors: ['certificate request could not be parsed: asn1: structure error'] }), 'sign rejected the request with HTTP 400: "certificate request could not be parsed: asn1: structure error"', 'allowed names and max_ttl of role "mtls-client"'],
    ['a name outside the role', answerWith(400, { errors: ['common name payments-client.example.test not allowed by this role'] }), 'HTTP 400: "common name payments-client.example.test not allowed by this role"', 'check rotation.subject'],
    ['an unknown mount', answerWith(404, { errors: ['no handler for route "pki/sign/mtls-client". route entry not found.'] }), 'HTTP 404: "no handler for route', 'check rotation.provider.mount "pki" and role "mtls-client"'],
    ['an HTML page with HTTP 200', answerWith(200, '<html><body>Sign in</body></html>'), 'sign returned HTTP 200 with a body that is not JSON', 'check that rotation.provider.url is the Vault address'],
    ['an answer without data', answerWith(200, { data: {} }), 'sign returned HTTP 200 without data.certificate (data.certificate:', 'name a PKI secrets engine'],
    ['a certificate that is not PEM', answerWith(200, { data: { certificate: 'garbage', issuing_ca: 'garbage' } }), 'sign returned HTTP 200 with an unusable certificate: data.certificate in the response', 'is neither PEM nor base64 DER'],
  ])('reports %s', async (_case, responder, message, advice) => {
    const result = await failingRotation(() => vault.server.setResponder(responder));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toContain(`provider 'vault' ${message.startsWith('HTTP') ? 'sign rejected the request with ' : ''}${message}`);
    expect(result.failed?.error?.message).toContain(advice);
    expect(result.notice?.error).toEqual(result.failed?.error);
    expect(result.currentUnchanged).toBe(true);
    expect(result.storedPending).toBe(false);
  });

  it('reports an unknown role', async () => {
    const arn = await createSecret({ role: 'missing-role' });

    const record = await env.rotateSecret(arn);

    expect(record.steps[0]?.step).toBe('createSecret');
    expect(record.steps[0]?.error?.message).toMatch(/^provider 'vault' sign rejected the request with HTTP 400: "unknown role: missing-role": check rotation.provider.role "missing-role" against the roles of mount pki/);
    expect(await hasStoredValue(env, arn, record.token)).toBe(false);
  });

  it('reports a wrong token as HTTP 403', async () => {
    const wrongToken = 'hvs.this-token-is-not-known-to-vault';
    tokens.push(wrongToken);
    const credentialsSecretId = await storeToken({ token: wrongToken });

    const result = await failingRotation(async (arn) => {
      const document = await currentDocument(arn);
      const rotation = document.rotation as Record<string, unknown>;
      const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      await env.secretsManager.send(
        new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ ...document, rotation: { ...rotation, provider: { ...(rotation.provider as object), credentialsSecretId } } }) }),
      );
    });

    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toBe(
      `provider 'vault' sign rejected the request with HTTP 403: "permission denied": check the token in credentials secret ${credentialsSecretId} and that its policy allows "update" on pki/sign/mtls-client, or set rotation.provider.namespace if the mount lives in a Vault namespace`,
    );
    expect(result.currentUnchanged).toBe(true);
    expect(result.storedPending).toBe(false);
  });

  it('reports a credentials secret without a token', async () => {
    const credentialsSecretId = await storeToken({ vaultToken: 'misnamed-field-value' });
    const arn = await createSecret({ credentialsSecretId });

    const record = await env.rotateSecret(arn);

    expect(record.steps[0]?.error?.name).toBe('CredentialsError');
    expect(record.steps[0]?.error?.message).toBe(`provider credentials secret ${credentialsSecretId} has no "token" string: store {"token": "<Vault token>"} in it`);
    expect(record.steps[0]?.error?.message).not.toContain('misnamed-field-value');
  });

  it('retries a sealed Vault, then reports it as retryable', async () => {
    let start = 0;
    const result = await failingRotation(() => {
      start = vault.server.requests.length;
      vault.server.setResponder(answerWith(503, { errors: ['Vault is sealed'] }));
    });
    const attempts = vault.server.requests.slice(start).filter((request) => request.path.endsWith('/sign/mtls-client')).length;

    expect(result.failed?.error?.message).toMatch(/^provider 'vault' sign rejected the request with HTTP 503: "Vault is sealed": Vault is sealed, on standby/);
    expect(attempts).toBe(4);
    expect(result.storedPending).toBe(false);
  });

  it('never writes a Vault token to output or notices', () => {
    const output = capturedOutput();
    const notices = env.aws.snsMessages.map((message) => message.message).join('\n');

    expect(output.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(output.includes(token), 'a Vault token appears in the captured output').toBe(false);
      expect(notices.includes(token), 'a Vault token appears in an SNS message').toBe(false);
    }
  });
});
