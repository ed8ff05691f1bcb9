import { X509Certificate } from 'node:crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../dev/aws/lambda-context.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import type { RegistrationServer } from '../../dev/registration/registration-server.js';
import { summarizeCertificate } from '../../src/lib/certificates/summary.js';
import { rotate } from '../../src/lib/rotation.js';
import type { RotationStep } from '../../src/lib/stages.js';
import { findPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { createCredentialsSecret, currentVersionOf, expectCurrentUnchanged, loggedStepFailure, observeRotation, startRegistrationStandIn } from '../support/stand-ins.js';

const TOKEN = 'partner-registration-token-2b7d90';
const BODY = '{"certificate":"{{certificatePemJson}}","chain":"{{chainPemJson}}","serialNumber":"{{serialNumber}}","fingerprint":"{{fingerprintSha256}}"}';
let env: LocalEnvironment;
let partner: RegistrationServer;
let strictPartner: RegistrationServer;
let mtlsPartner: RegistrationServer;
let tokenArn: string;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  partner = await startRegistrationStandIn(env, { auth: { type: 'bearer', token: TOKEN } });
  strictPartner = await startRegistrationStandIn(env, { auth: { type: 'bearer', token: TOKEN }, alreadyRegisteredStatus: 409 });
  mtlsPartner = await startRegistrationStandIn(env, { auth: { type: 'mtls' } });
  tokenArn = await createCredentialsSecret(env, 'partner/registration-token', { token: TOKEN });
});
afterEach(() => {
  for (const server of [partner, strictPartner, mtlsPartner]) server.setResponder(undefined);
});
afterAll(async () => {
  expect(capturedOutput()).not.toContain(TOKEN);
  await Promise.all([partner.close(), strictPartner.close(), mtlsPartner.close()]);
  await env.close();
});

function registration(server: RegistrationServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: server.url, body: BODY, auth: { type: 'bearer', credentialsSecretId: tokenArn }, caCertificates: env.pki.serverRoot.certificatePem, ...overrides };
}

async function bootstrap(registrationBlock: Record<string, unknown> | undefined): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/registration-${counter}`, registrationBlock === undefined ? {} : { registration: registrationBlock });
}

async function currentCertificate(arn: string): Promise<X509Certificate> {
  const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  registerPrivateKey(document.privateKey as string);

  return new X509Certificate(document.certificate as string);
}

/** Starts a rotation whose steps Secrets Manager does not run, so the test can invoke them one by one. */
async function startManualRotation(arn: string): Promise<string> {
  env.aws.setRotationHandler(async () => undefined);
  const pending = await env.rotateSecret(arn);
  env.aws.setRotationHandler((event, context) => rotate(event, context, env.dependencies));

  return pending.token;
}

function runStep(arn: string, token: string, step: RotationStep): Promise<void> {
  return rotate({ SecretId: arn, ClientRequestToken: token, Step: step }, createLambdaContext({ timeoutMs: 30_000 }), env.dependencies);
}

describe('setSecret with rotation.registration', () => {
  it('uploads the new certificate', async () => {
    const arn = await bootstrap(registration(partner));

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    const leaf = await currentCertificate(arn);
    expect(partner.registered.at(-1)).toEqual({
      serialNumber: leaf.serialNumber.toUpperCase(),
      fingerprint256: leaf.fingerprint256,
      subject: 'O=Example Org, CN=payments-client.example.test',
      chainLength: 1,
    });
    const body = JSON.parse(partner.requests.at(-1)!.body) as Record<string, string>;
    expect(body.serialNumber).toBe(summarizeCertificate(leaf).serialNumber);
    expect(body.fingerprint).toBe(summarizeCertificate(leaf).fingerprintSha256);
    expect(partner.requests.at(-1)?.identity).toBe('bearer token');
  });

  it('never sends the private key', async () => {
    const arn = await bootstrap(registration(partner));
    await env.rotateSecret(arn);
    await env.rotateSecret(arn);
    const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
    registerPrivateKey(document.privateKey as string);
    registerPrivateKey((await env.readDocument(arn, { stage: 'AWSPREVIOUS' })).privateKey as string);

    // The detector finds the key where it is, so its silence on the bodies below means something.
    expect(findPrivateKeyMaterial(JSON.stringify(document))).toBeDefined();
    expect(partner.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of partner.requests) expect(findPrivateKeyMaterial(request.body)).toBeUndefined();
  });

  it('accepts a repeated upload', async () => {
    const arn = await bootstrap(registration(strictPartner, { alreadyRegisteredStatus: 409 }));
    const token = await startManualRotation(arn);
    await runStep(arn, token, 'createSecret');

    await runStep(arn, token, 'setSecret');
    await runStep(arn, token, 'setSecret');
    await runStep(arn, token, 'testSecret');
    await runStep(arn, token, 'finishSecret');

    const leaf = await currentCertificate(arn);
    expect(strictPartner.registered.filter((entry) => entry.fingerprint256 === leaf.fingerprint256)).toHaveLength(1);
    expect(strictPartner.requests.slice(-2).map((request) => request.status)).toEqual([201, 409]);
    expect(capturedOutput()).toContain('the partner already has the pending certificate');
    expect(currentVersionOf(await env.versionStages(arn))).toBe(token);
  });

  it('accepts a repeat answered with 200', async () => {
    const arn = await bootstrap(registration(partner));
    const token = await startManualRotation(arn);
    await runStep(arn, token, 'createSecret');

    await runStep(arn, token, 'setSecret');
    await runStep(arn, token, 'setSecret');

    expect(partner.requests.slice(-2).map((request) => request.status)).toEqual([201, 200]);
  });

  it('authenticates with the current certificate', async () => {
    const arn = await bootstrap(registration(mtlsPartner, { auth: { type: 'mtls' } }));
    // The first certificate cannot register itself over mTLS, so this secret starts from one issued without registration.
    await env.secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ rotation: env.rotationBlock() }) }));
    await env.rotateSecret(arn);
    const first = await currentCertificate(arn);
    const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
    const rotation = env.rotationBlock({ registration: registration(mtlsPartner, { auth: { type: 'mtls' } }) });
    await env.secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ ...document, rotation }) }));

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(mtlsPartner.requests.at(-1)?.identity).toBe(`certificate ${first.serialNumber.toUpperCase()}`);
    expect(mtlsPartner.registered.at(-1)?.fingerprint256).toBe((await currentCertificate(arn)).fingerprint256);
  });

  it('logs a no-op without registration', async () => {
    const arn = await bootstrap(undefined);

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok)).toBe(true);
    expect(capturedOutput()).toContain('rotation.registration is not set, so setSecret has nothing to do');
  });
});

describe('setSecret with rotation.registration fails', () => {
  const json = (status: number, body: unknown) => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it.each<[string, { status: number; headers: Record<string, string>; body: string }, boolean, string]>([
    ['a refused certificate', json(400, { error: 'certificate subject not on allow list' }), false, 'was rejected with HTTP 400: "certificate subject not on allow list"'],
    ['a server error', json(503, { error: 'maintenance' }), true, 'failed with HTTP 503: "maintenance"'],
    ['an unexpected page', { status: 404, headers: { 'Content-Type': 'text/html' }, body: '<html><title>Not Found</title></html>' }, false, 'was rejected with HTTP 404: HTML page titled "Not Found"'],
  ])('keeps AWSCURRENT on %s', async (_case, answer, retryable, expected) => {
    const arn = await bootstrap(registration(partner));
    await env.rotateSecret(arn);
    partner.setResponder(() => answer);

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step).toBe('setSecret');
    expect(observed.failed?.error?.name).toBe('RegistrationError');
    expect(observed.failed?.error?.message).toContain(`partner registration register ${expected}`);
    expect(loggedStepFailure(capturedOutput(), observed.record.token)).toMatchObject({ operation: 'register', status: answer.status, retryable });
    expectCurrentUnchanged(observed);
    expect(observed.stagesAfter[observed.record.token]).toEqual(['AWSPENDING']);
  });

  it('keeps AWSCURRENT on a refused token', async () => {
    const wrongArn = await createCredentialsSecret(env, `partner/wrong-token-${counter}`, { token: 'expired-token-3333' });
    const arn = await bootstrap(registration(partner, { auth: { type: 'bearer', credentialsSecretId: wrongArn } }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain('partner registration register was rejected with HTTP 403: "bearer token not accepted"');
    expect(observed.failed?.error?.message).toContain(`the partner refused a bearer token from credentials secret ${wrongArn}`);
    expectCurrentUnchanged(observed);
    expect(capturedOutput()).not.toContain('expired-token-3333');
  });

  it('names alreadyRegisteredStatus on a repeated upload', async () => {
    const arn = await bootstrap(registration(strictPartner));
    const token = await startManualRotation(arn);
    await runStep(arn, token, 'createSecret');
    await runStep(arn, token, 'setSecret');

    const error = await runStep(arn, token, 'setSecret').catch((caught: unknown) => caught as Error);

    expect(error?.name).toBe('RegistrationError');
    expect(error?.message).toContain('HTTP 409');
    expect(error?.message).toContain('set rotation.registration.alreadyRegisteredStatus to 409');
  });

  it('rejects mtls for a bootstrap secret', async () => {
    const arn = await bootstrap(registration(mtlsPartner, { auth: { type: 'mtls' } }));
    const requestsBefore = mtlsPartner.requests.length;

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step).toBe('setSecret');
    expect(observed.failed?.error?.message).toContain("partner registration auth type mtls authenticates with AWSCURRENT's certificate, but the secret contains none yet");
    expectCurrentUnchanged(observed);
    expect(mtlsPartner.requests.length).toBe(requestsBefore);
  });
});
