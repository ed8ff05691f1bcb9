/*
 * Credentials and configured headers that cannot go into an HTTP request as they are: characters
 * Node's HTTP client rejects, and header names whose value leaves the encrypted channel. Each must
 * end the step with a non-retryable, typed error before anything is sent.
 */
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpCaServer } from '../../dev/http-ca/http-ca-server.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { startVaultStandIn, type VaultStandIn } from '../../dev/provider-stand-ins.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { createCredentialsSecret, loggedStepFailure, observeRotation, startHttpCaStandIn } from '../support/stand-ins.js';

let env: LocalEnvironment;
let ca: HttpCaServer;
let vault: VaultStandIn;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  ca = await startHttpCaStandIn(env, { auth: { type: 'bearer', token: 'the-real-token-0000' } });
  vault = await startVaultStandIn(env);
});
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await Promise.all([ca.close(), vault.close()]);
  await env.close();
});

async function bootstrap(overrides: Record<string, unknown>): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/request-header-values-${counter}`, overrides);
}

function httpProvider(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'http',
    url: ca.jsonUrl,
    body: '{"csr":"{{csrPemJson}}"}',
    response: { format: 'json', certificatePath: 'data.certificate', chainPath: 'data.chain' },
    caCertificates: env.pki.serverRoot.certificatePem,
    ...overrides,
  };
}

function issueRequests(): number {
  return ca.requests.length;
}

describe('credentials a header cannot carry', () => {
  it.each([
    ['non-Latin-1 character', 'token-with-euro-\u20ac-sign'],
    ['control character', 'token-with-escape-\u001b-char'],
    ['DEL', 'token-with-del-\u007f-char'],
  ])('bearer token with %s', async (_case, token) => {
    counter += 1;
    const secretId = await createCredentialsSecret(env, `request-header-values/token-${counter}`, { token });
    const arn = await bootstrap({ provider: httpProvider({ auth: { type: 'bearer', credentialsSecretId: secretId } }) });
    const requestsBefore = issueRequests();

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name, observed.failed?.error?.message).toBe('CredentialsError');
    expect(observed.failed?.error?.message).toContain('field "token" contains a control character, DEL or a character above U+00FF');
    expect(observed.failed?.error?.message).not.toContain(token);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)?.retryable).toBe(false);
    expect(issueRequests()).toBe(requestsBefore);
  });

  it('header value with U+2028', async () => {
    const value = 'api-key-\u2028-separator';
    const secretId = await createCredentialsSecret(env, 'request-header-values/header-value', { value });
    const arn = await bootstrap({ provider: httpProvider({ auth: { type: 'header', credentialsSecretId: secretId, headerName: 'X-Api-Key' } }) });

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name, observed.failed?.error?.message).toBe('CredentialsError');
    expect(observed.failed?.error?.message).not.toContain(value);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)?.retryable).toBe(false);
  });

  it('vault token with U+2028', async () => {
    const token = 'hvs.token-\u2028-separator';
    const secretId = await createCredentialsSecret(env, 'request-header-values/vault-token', { token });
    const arn = await bootstrap({ provider: vault.providerBlock({ credentialsSecretId: secretId }) });
    const requestsBefore = vault.server.requests.length;

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name, observed.failed?.error?.message).toBe('CredentialsError');
    expect(observed.failed?.error?.message).toContain('X-Vault-Token');
    expect(observed.failed?.error?.message).not.toContain(token);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)?.retryable).toBe(false);
    expect(vault.server.requests).toHaveLength(requestsBefore);
  });
});

describe('configured header values', () => {
  it.each([
    ['fixed header with control character', { headers: { 'X-Partner-Id': 'id\u0001' } }, 'rotation.provider.headers.X-Partner-Id'],
    ['fixed header with non-Latin-1 character', { headers: { 'X-Partner-Id': 'id-\u20ac' } }, 'rotation.provider.headers.X-Partner-Id'],
    ['contentType with DEL', { contentType: 'application/json\u007f' }, 'rotation.provider.contentType'],
  ])('%s', async (_case, overrides, field) => {
    const secretId = await createCredentialsSecret(env, `request-header-values/good-token-${counter}`, { token: 'the-real-token-0000' });
    const arn = await bootstrap({ provider: httpProvider({ ...overrides, auth: { type: 'bearer', credentialsSecretId: secretId } }) });

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name, observed.failed?.error?.message).toBe('ConfigurationError');
    expect(observed.failed?.error?.message).toContain(`${field}: must not contain control characters, DEL or characters above U+00FF`);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)?.retryable).toBe(false);
  });

  it('registration fixed header', async () => {
    const arn = await bootstrap({
      registration: { url: 'https://127.0.0.1:9/certificates', body: '{"certificate":"{{certificatePemJson}}"}', headers: { 'X-Partner-Id': 'id\u001b' } },
    });

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name, observed.failed?.error?.message).toBe('ConfigurationError');
    expect(observed.failed?.error?.message).toContain('rotation.registration.headers.X-Partner-Id');
  });
});

describe('auth.headerName', () => {
  let serverNames: string[];
  let server: ReturnType<typeof createTlsServer>;
  let url: string;

  beforeAll(async () => {
    // Records the server name of every ClientHello, which TLS sends unencrypted.
    serverNames = [];
    server = createTlsServer(
      {
        cert: env.pki.server.certificateChainPem,
        key: env.pki.server.privateKeyPem,
        SNICallback: (name, callback) => {
          serverNames.push(name);
          callback(null, undefined);
        },
      },
      (socket: TLSSocket) => socket.destroy(),
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as { port: number }).port}/v1/certificates`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each(['Host', 'host', 'Content-Type', 'Content-Length', 'Transfer-Encoding', 'Connection'])('rejects %s as headerName', async (headerName) => {
    const value = `sni-header-credential-${headerName.toLowerCase()}`;
    const secretId = await createCredentialsSecret(env, `request-header-values/auth-${headerName}-${counter}`, { value });
    const arn = await bootstrap({ provider: httpProvider({ url, auth: { type: 'header', credentialsSecretId: secretId, headerName } }) });

    const observed = await observeRotation(env, arn);

    expect(serverNames, 'credential sent as the cleartext SNI of the ClientHello').not.toContain(value);
    expect(observed.failed?.error?.name, observed.failed?.error?.message).toBe('ConfigurationError');
    expect(observed.failed?.error?.message).toContain(`rotation.provider.auth.headerName: header ${headerName} cannot carry the credential`);
  });

  it('rejects Host for registration', async () => {
    const arn = await bootstrap({
      registration: {
        url,
        body: '{"certificate":"{{certificatePemJson}}"}',
        auth: { type: 'header', credentialsSecretId: 'request-header-values/unused', headerName: 'Host' },
      },
    });

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name, observed.failed?.error?.message).toBe('ConfigurationError');
    expect(observed.failed?.error?.message).toContain('rotation.registration.auth.headerName');
  });
});
