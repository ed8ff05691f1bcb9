/*
 * A partner registration endpoint that responds with a 2xx HTML page, as a single sign-on login page
 * or a proxy does in front of an API. The certificate is not registered, so setSecret must fail
 * and AWSCURRENT must stay as it is.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import type { RegistrationServer } from '../../dev/registration/registration-server.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { expectCurrentUnchanged, loggedStepFailure, observeRotation, startRegistrationStandIn } from '../support/stand-ins.js';

const LOGIN_PAGE = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Session expired</body></html>';
let env: LocalEnvironment;
let partner: RegistrationServer;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  partner = await startRegistrationStandIn(env);
});
afterEach(() => partner.setResponder(undefined));
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await partner.close();
  await env.close();
});

async function bootstrapWithRegistration(): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/registration-html-${counter}`, {
    registration: { url: partner.url, body: '{"certificate":"{{certificatePemJson}}"}', caCertificates: env.pki.serverRoot.certificatePem },
  });
}

describe('registration answered with HTML', () => {
  it.each([
    [200, 'text/html'],
    [200, 'text/html; charset=utf-8'],
    [201, 'application/xhtml+xml'],
  ])('HTTP %i %s', async (status, contentType) => {
    const arn = await bootstrapWithRegistration();
    await env.rotateSecret(arn);
    partner.setResponder(() => ({ status, headers: { 'Content-Type': contentType }, body: LOGIN_PAGE }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step, 'setSecret accepted an HTML page as a registration').toBe('setSecret');
    expect(observed.failed?.error?.name).toBe('RegistrationError');
    expect(observed.failed?.error?.message).toContain(`partner registration register at ${partner.url} returned HTTP ${status} with an HTML page`);
    expect(observed.failed?.error?.message).toContain('HTML page titled "Sign in"');
    expect(observed.failed?.error?.message).toContain('A login page or a proxy answered');
    expect(loggedStepFailure(capturedOutput(), observed.record.token)).toMatchObject({ operation: 'register', status, retryable: false });
    expectCurrentUnchanged(observed);
  });

  it('first rotation is not promoted', async () => {
    const arn = await bootstrapWithRegistration();
    partner.setResponder(() => ({ status: 200, headers: { 'Content-Type': 'text/html' }, body: LOGIN_PAGE }));
    const registeredBefore = partner.registered.length;

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step).toBe('setSecret');
    expect(partner.registered).toHaveLength(registeredBefore);
    expect(observed.stagesAfter[observed.record.token]).toEqual(['AWSPENDING']);
  });

  it('JSON answer still registers', async () => {
    const arn = await bootstrapWithRegistration();

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
  });
});
