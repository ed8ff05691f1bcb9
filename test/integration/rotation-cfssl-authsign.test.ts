import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCfsslServer, type CfsslServer } from '../../dev/ca/cfssl-server.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { capturedOutput } from '../support/leak-guard.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { createCredentialsSecret, expectCurrentUnchanged, loggedStepFailure, observeRotation } from '../support/stand-ins.js';

const AUTH_KEY_HEX = '6b1e0c93a4f2d5870e9c1b2a3d4f5e60718293a4b5c6d7e8f90a1b2c3d4e5f60';
let env: LocalEnvironment;
let cfssl: CfsslServer;
let keyArn: string;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  cfssl = await startCfsslServer({ signer: env.pki.intermediate, authKeyHex: AUTH_KEY_HEX });
  keyArn = await createCredentialsSecret(env, 'cfssl/auth-key', { key: AUTH_KEY_HEX });
});
afterAll(async () => {
  expect(capturedOutput()).not.toContain(AUTH_KEY_HEX);
  await cfssl.close();
  await env.close();
});

async function bootstrap(credentialsSecretId: string): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/authsign-${counter}`, {
    provider: { type: 'cfssl', url: cfssl.signUrl, profile: 'client', allowInsecureHttp: true, credentialsSecretId },
  });
}

describe('rotation with CFSSL authsign', () => {
  it('rotates through authsign', async () => {
    const arn = await bootstrap(keyArn);
    const seen = cfssl.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(cfssl.requests.slice(seen).map((request) => request.path)).toEqual(['/api/v1/cfssl/authsign', '/api/v1/cfssl/info']);
  });

  it('keeps AWSCURRENT on a wrong key', async () => {
    const wrongArn = await createCredentialsSecret(env, 'cfssl/wrong-key', { key: '00'.repeat(32) });
    const arn = await bootstrap(wrongArn);

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step).toBe('createSecret');
    expect(observed.failed?.error?.name).toBe('ProviderError');
    expect(observed.failed?.error?.message).toContain("provider 'cfssl' authsign rejected the request with HTTP 400: 400: \"invalid token\"");
    expect(loggedStepFailure(capturedOutput(), observed.record.token)).toMatchObject({ provider: 'cfssl', operation: 'authsign', status: 400, retryable: false });
    expectCurrentUnchanged(observed);
    expect(observed.pendingValue).toBe('no value');
  });

  it('reports a key that is not hex', async () => {
    const badArn = await createCredentialsSecret(env, 'cfssl/not-hex', { key: 'plain-text-secret-value' });
    const arn = await bootstrap(badArn);

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name).toBe('CredentialsError');
    expect(observed.failed?.error?.message).toContain(`credentials secret ${badArn} field "key" is not an even number of hexadecimal digits`);
    expect(capturedOutput()).not.toContain('plain-text-secret-value');
    expect(observed.pendingValue).toBe('no value');
  });
});
