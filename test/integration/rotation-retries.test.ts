import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../dev/aws/lambda-context.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { rotate } from '../../src/lib/rotation.js';
import { ROTATION_STEPS, type RotationStep } from '../../src/lib/stages.js';
import { capturedOutput } from '../support/leak-guard.js';
import { readStored } from '../support/rotation-outcome.js';

/*
 * The shapes DescribeSecret shows when createSecret runs again: a pending version that already contains
 * a value, the value-less placeholder of a first attempt, and a stale AWSPENDING left on another
 * version by a rotation that never finished.
 */

let env: LocalEnvironment;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterEach(() => {
  env.cfssl.setResponder(undefined);
  env.aws.setRotationHandler((event, context) => rotate(event, context, env.dependencies));
});
afterAll(() => env.close());

function signRequestCount(): number {
  return env.cfssl.requests.filter((request) => request.path.endsWith('/sign')).length;
}

function runStep(arn: string, token: string, step: RotationStep): Promise<void> {
  return rotate({ SecretId: arn, ClientRequestToken: token, Step: step }, createLambdaContext({ timeoutMs: 30_000 }), env.dependencies);
}

/** Creates a secret with AWSCURRENT and AWSPREVIOUS certificates, and starts a rotation whose steps have not run. */
async function secretWithStartedRotation(): Promise<{ arn: string; current: string; previous: string; token: string }> {
  counter += 1;
  const arn = await env.createBootstrapSecret(`mtls/retries-${counter}`);
  const previous = (await env.rotateSecret(arn)).token;
  const current = (await env.rotateSecret(arn)).token;
  env.aws.setRotationHandler(async () => undefined);
  const { token } = await env.rotateSecret(arn);
  env.aws.setRotationHandler((event, context) => rotate(event, context, env.dependencies));

  return { arn, current, previous, token };
}

describe('createSecret retried', () => {
  it('finds a pending version that already holds a value', async () => {
    // Prepare: the first attempt stored its value, then its invocation timed out.
    const secret = await secretWithStartedRotation();
    await runStep(secret.arn, secret.token, 'createSecret');
    expect(await env.versionStages(secret.arn)).toEqual({
      [secret.current]: ['AWSCURRENT'],
      [secret.previous]: ['AWSPREVIOUS'],
      [secret.token]: ['AWSPENDING'],
    });
    const stored = await readStored(env, secret.arn, { versionId: secret.token });
    const signsBefore = signRequestCount();

    // Act
    await runStep(secret.arn, secret.token, 'createSecret');

    // Assess
    expect(signRequestCount()).toBe(signsBefore);
    expect(await readStored(env, secret.arn, { versionId: secret.token })).toEqual(stored);
    expect(capturedOutput()).toContain('AWSPENDING version already has a value, so no certificate is requested');
  });

  it('treats a placeholder without a value as the first attempt', async () => {
    // Prepare: RotateSecret created the placeholder; GetSecretValue on it finds no value.
    const secret = await secretWithStartedRotation();
    await expect(readStored(env, secret.arn, { versionId: secret.token, stage: 'AWSPENDING' })).rejects.toThrow(/can't find the specified secret value/);
    const signsBefore = signRequestCount();

    // Act
    for (const step of ROTATION_STEPS) await runStep(secret.arn, secret.token, step);

    // Assess
    expect(signRequestCount() - signsBefore).toBe(1);
    expect((await env.versionStages(secret.arn))[secret.token]).toEqual(['AWSCURRENT']);
  });
});

describe('stale AWSPENDING on another version', () => {
  it.each([
    ['a value-less placeholder', false],
    ['a stored but untested value', true],
  ])('left as %s does not block a new token', async (_name, staleHasValue) => {
    // Prepare: a rotation that stopped for good, leaving AWSPENDING on its version.
    const secret = await secretWithStartedRotation();
    const stale = secret.token;
    if (staleHasValue) await runStep(secret.arn, stale, 'createSecret');
    const token = randomUUID();
    const signsBefore = signRequestCount();

    // Act
    for (const step of ROTATION_STEPS) await runStep(secret.arn, token, step);

    // Assess
    expect(await env.versionStages(secret.arn)).toEqual({ [token]: ['AWSCURRENT'], [secret.current]: ['AWSPREVIOUS'] });
    expect(signRequestCount() - signsBefore).toBe(1);
    expect(capturedOutput()).toContain(`"stalePendingVersionId":"${stale}"`);
  });

  it('later steps with a new token are still rejected', async () => {
    const secret = await secretWithStartedRotation();

    await expect(runStep(secret.arn, randomUUID(), 'setSecret')).rejects.toThrow(/is not a version of secret/);
  });
});
