import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EstCannedResponse, EstServer } from '../../dev/est/est-server.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { assertNoPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { createCredentialsSecret, expectCurrentUnchanged, failureNotice, loggedStepFailure, observeRotation, startEstStandIn } from '../support/stand-ins.js';

const PASSWORD = 'est-integration-password-b84e1f';
let env: LocalEnvironment;
let est: EstServer;
let credentialsArn: string;
let wrongCredentialsArn: string;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  est = await startEstStandIn(env, { basicAuth: { username: 'rotator', password: PASSWORD }, labels: ['payments'] });
  credentialsArn = await createCredentialsSecret(env, 'est/enrollment', { username: 'rotator', password: PASSWORD });
  wrongCredentialsArn = await createCredentialsSecret(env, 'est/wrong', { username: 'rotator', password: 'wrong-password-0000' });
});
afterEach(() => est.setResponder(undefined));
afterAll(async () => {
  const output = capturedOutput();
  expect(output).not.toContain(PASSWORD);
  expect(output).not.toContain(Buffer.from(`rotator:${PASSWORD}`).toString('base64'));
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await est.close();
  await env.close();
});

function estProvider(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'est', url: est.url, label: 'payments', caCertificates: env.pki.serverRoot.certificatePem, credentialsSecretId: credentialsArn, ...overrides };
}

async function bootstrap(overrides: Record<string, unknown> = {}): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/est-${counter}`, { provider: estProvider(overrides) });
}

async function current(arn: string): Promise<Record<string, unknown>> {
  const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  if (typeof document.privateKey === 'string') registerPrivateKey(document.privateKey);

  return document;
}

function serialOf(document: Record<string, unknown>): string {
  return new X509Certificate(document.certificate as string).serialNumber.toUpperCase();
}

describe('rotation with provider est', () => {
  it('enrolls a bootstrap secret', async () => {
    const arn = await bootstrap();
    const seen = est.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(est.requests.slice(seen).map((request) => request.path)).toEqual(['/.well-known/est/payments/simpleenroll', '/.well-known/est/payments/cacerts']);
    const document = await current(arn);
    expect(est.issuedSerialNumbers).toContain(serialOf(document));
    expect(document.certificateChain).toBe(env.pki.intermediate.certificatePem.replace(/\n?$/, '\n'));
    expect(env.partner.requests.some((request) => request.serialNumber.toUpperCase() === serialOf(document))).toBe(true);
  });

  it('re-enrolls with the current certificate', async () => {
    const arn = await bootstrap();
    await env.rotateSecret(arn);
    const firstSerial = serialOf(await current(arn));
    const seen = est.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    const reenroll = est.requests.slice(seen)[0];
    expect(reenroll?.operation).toBe('simplereenroll');
    expect(reenroll?.clientCertificate).toMatchObject({ serialNumber: firstSerial, authorized: true });
    expect(reenroll?.basicUsername).toBeUndefined();
    expect(serialOf(await current(arn))).not.toBe(firstSerial);
  });
});

describe('rotation with provider est fails', () => {
  const text = (status: number, body: string, headers: Record<string, string> = {}): EstCannedResponse => ({ status, headers: { 'Content-Type': 'text/plain', ...headers }, body });

  it.each<[string, 'simpleenroll' | 'simplereenroll', EstCannedResponse, boolean, string]>([
    ['pending (202) on enrollment', 'simpleenroll', text(202, '', { 'Retry-After': '300' }), true, "provider 'est' simpleenroll returned HTTP 202"],
    ['pending (202) on renewal', 'simplereenroll', text(202, '', { 'Retry-After': '300' }), true, "provider 'est' simplereenroll returned HTTP 202"],
    ['a rejected CSR', 'simplereenroll', text(400, 'subject not permitted'), false, "provider 'est' simplereenroll rejected the request with HTTP 400: \"subject not permitted\""],
    ['a server error', 'simpleenroll', text(500, 'CA unavailable'), true, "provider 'est' simpleenroll failed with HTTP 500"],
    ['a malformed answer', 'simplereenroll', { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html>proxy login</html>' }, false, "provider 'est' simplereenroll returned HTTP 200 with Content-Type text/html"],
  ])('keeps AWSCURRENT on %s', async (_case, operation, answer, retryable, expected) => {
    const arn = await bootstrap();
    if (operation === 'simplereenroll') await env.rotateSecret(arn);
    est.setResponder((request) => (request.operation === operation ? answer : undefined));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step).toBe('createSecret');
    expect(observed.failed?.error?.name).toBe('ProviderError');
    expect(observed.failed?.error?.message).toContain(expected);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)).toMatchObject({ provider: 'est', operation, status: answer?.status, retryable });
    expect(failureNotice(env, observed.record.token)).toMatchObject({ step: 'createSecret', error: { name: 'ProviderError' } });
    expectCurrentUnchanged(observed);
    expect(observed.pendingValue).toBe('no value');
  });

  it('keeps AWSCURRENT on a wrong password', async () => {
    const arn = await bootstrap({ credentialsSecretId: wrongCredentialsArn });

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain("provider 'est' simpleenroll rejected the request with HTTP 401");
    expect(observed.failed?.error?.message).toContain(`HTTP Basic from credentials secret ${wrongCredentialsArn}`);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)).toMatchObject({ provider: 'est', operation: 'simpleenroll', status: 401, retryable: false });
    expectCurrentUnchanged(observed);
    expect(observed.pendingValue).toBe('no value');
    expect(capturedOutput()).not.toContain('wrong-password-0000');
  });

  it('reports a missing credentials secret', async () => {
    const arn = await bootstrap({ credentialsSecretId: 'est/does-not-exist' });

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name).toBe('CredentialsError');
    expect(observed.failed?.error?.message).toContain('est/does-not-exist');
    expect(observed.pendingValue).toBe('no value');
  });
});
