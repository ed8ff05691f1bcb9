import { X509Certificate } from 'node:crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpCaCannedResponse, HttpCaServer } from '../../dev/http-ca/http-ca-server.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { assertNoPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { createCredentialsSecret, expectCurrentUnchanged, failureNotice, loggedStepFailure, observeRotation, startHttpCaStandIn } from '../support/stand-ins.js';

const TOKEN = 'http-ca-integration-token-6a0c3e';
let env: LocalEnvironment;
let bearerCa: HttpCaServer;
let mtlsCa: HttpCaServer;
let tokenArn: string;
let wrongTokenArn: string;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  bearerCa = await startHttpCaStandIn(env, { auth: { type: 'bearer', token: TOKEN } });
  mtlsCa = await startHttpCaStandIn(env, { auth: { type: 'mtls' } });
  tokenArn = await createCredentialsSecret(env, 'ca/token', { token: TOKEN });
  wrongTokenArn = await createCredentialsSecret(env, 'ca/wrong-token', { token: 'revoked-token-1111' });
});
afterEach(() => bearerCa.setResponder(undefined));
afterAll(async () => {
  expect(capturedOutput()).not.toContain(TOKEN);
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await Promise.all([bearerCa.close(), mtlsCa.close()]);
  await env.close();
});

function httpProvider(ca: HttpCaServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'http',
    url: ca.jsonUrl,
    headers: { 'X-Partner-Id': 'payments' },
    body: '{"csr":"{{csrPemJson}}","profile":"mtls-client"}',
    response: { format: 'json', certificatePath: 'data.certificate', chainPath: 'data.chain' },
    auth: { type: 'bearer', credentialsSecretId: tokenArn },
    caCertificates: env.pki.serverRoot.certificatePem,
    ...overrides,
  };
}

async function bootstrap(provider: Record<string, unknown>): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/http-${counter}`, { provider });
}

async function serialOfCurrent(arn: string): Promise<string> {
  const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  if (typeof document.privateKey === 'string') registerPrivateKey(document.privateKey);

  return new X509Certificate(document.certificate as string).serialNumber.toUpperCase();
}

describe('rotation with provider http', () => {
  it('issues through a JSON API with a bearer token', async () => {
    const arn = await bootstrap(httpProvider(bearerCa));

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(bearerCa.requests.at(-1)?.identity).toBe('bearer token');
    const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
    expect(document.certificateChain).toBe(env.pki.intermediate.certificatePem.replace(/\n?$/, '\n'));
  });

  it('issues through a PEM endpoint', async () => {
    const arn = await bootstrap(httpProvider(bearerCa, { url: bearerCa.pemUrl, body: '{{csrPem}}', contentType: 'application/pkcs10', response: { format: 'pem' } }));

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
  });

  it('renews with the current certificate over mTLS', async () => {
    const arn = await bootstrap(httpProvider(bearerCa));
    await env.rotateSecret(arn);
    const firstSerial = await serialOfCurrent(arn);
    // Switch the stored rotation block to a CA that accepts only client certificates.
    const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
    const rotation = env.rotationBlock({ provider: httpProvider(mtlsCa, { auth: { type: 'mtls' } }) });
    await env.secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ ...document, rotation }) }));

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(mtlsCa.requests.at(-1)?.identity).toBe(`certificate ${firstSerial}`);
  });
});

describe('rotation with provider http fails', () => {
  const json = (status: number, body: unknown): HttpCaCannedResponse => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it.each<[string, HttpCaCannedResponse, boolean, string]>([
    ['a rejected CSR (4xx JSON)', json(422, { error: { message: 'key too weak for profile' } }), false, 'rejected the request with HTTP 422: "key too weak for profile"'],
    ['a server error (5xx)', json(502, { error: { message: 'upstream CA unreachable' } }), true, 'failed with HTTP 502: "upstream CA unreachable"'],
    ['an HTML page with 200', { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html><title>SSO</title></html>' }, false, 'returned HTTP 200 with a body that is not JSON'],
    ['a missing certificate path', json(201, { data: { pem: 'x' } }), false, 'returned HTTP 201 JSON without a value at response.certificatePath "data.certificate"'],
  ])('keeps AWSCURRENT on %s', async (_case, answer, retryable, expected) => {
    const arn = await bootstrap(httpProvider(bearerCa));
    await env.rotateSecret(arn);
    bearerCa.setResponder(() => answer);

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step).toBe('createSecret');
    expect(observed.failed?.error?.name).toBe('ProviderError');
    expect(observed.failed?.error?.message).toContain(`provider 'http' issue ${expected}`);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)).toMatchObject({ provider: 'http', operation: 'issue', status: answer?.status, retryable });
    expect(failureNotice(env, observed.record.token)).toMatchObject({ step: 'createSecret' });
    expectCurrentUnchanged(observed);
    expect(observed.pendingValue).toBe('no value');
  });

  it('keeps AWSCURRENT on a refused token', async () => {
    const arn = await bootstrap(httpProvider(bearerCa, { auth: { type: 'bearer', credentialsSecretId: wrongTokenArn } }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain(`provider 'http' issue rejected the request with HTTP 403: "bearer token not accepted"`);
    expect(observed.failed?.error?.message).toContain(`the CA refused a bearer token from credentials secret ${wrongTokenArn}`);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)).toMatchObject({ provider: 'http', status: 403, retryable: false });
    expectCurrentUnchanged(observed);
    expect(observed.pendingValue).toBe('no value');
    expect(capturedOutput()).not.toContain('revoked-token-1111');
  });

  it('keeps a token the CA echoes out of the failure', async () => {
    const arn = await bootstrap(httpProvider(bearerCa));
    bearerCa.setResponder((_request, headers) => ({ status: 400, body: JSON.stringify({ message: `rejected request with ${headers.authorization ?? ''}` }) }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain('rejected request with Bearer [redacted]');
    expect(JSON.stringify(failureNotice(env, observed.record.token))).not.toContain(TOKEN);
  });

  it('rejects mtls auth for a bootstrap secret', async () => {
    const arn = await bootstrap(httpProvider(mtlsCa, { auth: { type: 'mtls' } }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain("provider 'http' auth type mtls authenticates with AWSCURRENT's certificate, but the secret contains none yet");
    expect(observed.pendingValue).toBe('no value');
  });
});
