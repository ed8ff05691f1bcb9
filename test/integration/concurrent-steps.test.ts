import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../dev/aws/lambda-context.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { rotate } from '../../src/lib/rotation.js';
import { ROTATION_STEPS, type RotationStep } from '../../src/lib/stages.js';
import { capturedOutput } from '../support/leak-guard.js';
import { registerPrivateKey } from '../support/key-material.js';
import { prepareManualRotation, type ManualRotation } from '../support/rotation-steps.js';

/*
 * Secrets Manager may invoke the same step for the same token twice at once (a retry that overlaps
 * a slow first attempt). Both invocations must end in one consistent state.
 */

let env: LocalEnvironment;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterAll(() => env.close());

function runStep(prepared: ManualRotation, step: RotationStep): Promise<void> {
  return rotate({ SecretId: prepared.arn, ClientRequestToken: prepared.token, Step: step }, createLambdaContext({ timeoutMs: 30_000 }), env.dependencies);
}

async function runTwiceAtOnce(prepared: ManualRotation, step: RotationStep): Promise<PromiseSettledResult<void>[]> {
  return Promise.allSettled([runStep(prepared, step), runStep(prepared, step)]);
}

function signRequestCount(): number {
  return env.cfssl.requests.filter((request) => request.path.endsWith('/sign')).length;
}

describe('same step twice at once', () => {
  it.each(ROTATION_STEPS)('%s ends in one consistent state', async (step) => {
    // Prepare
    const prepared = await prepareManualRotation(env, 'mtls/concurrent');
    for (const earlier of ROTATION_STEPS.slice(0, ROTATION_STEPS.indexOf(step))) await runStep(prepared, earlier);

    // Act
    const outcomes = await runTwiceAtOnce(prepared, step);
    for (const later of ROTATION_STEPS.slice(ROTATION_STEPS.indexOf(step) + 1)) await runStep(prepared, later);

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    const stages = await env.versionStages(prepared.arn);
    expect(stages[prepared.token]).toEqual(['AWSCURRENT']);
    expect(stages[prepared.previousToken]).toEqual(['AWSPREVIOUS']);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    const versions = await env.secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: prepared.arn, IncludeDeprecated: true }));
    // The bootstrap value, the first certificate and this rotation's: no extra version from the second invocation.
    expect(versions.Versions).toHaveLength(3);

    const current = await env.readDocument(prepared.arn, { stage: 'AWSCURRENT' });
    registerPrivateKey(current.privateKey as string);
    const leaf = new X509Certificate(current.certificate as string);
    expect(leaf.checkPrivateKey(createPrivateKey(current.privateKey as string))).toBe(true);
  });

  it('createSecret loser keeps the stored value', async () => {
    // Prepare
    const prepared = await prepareManualRotation(env, 'mtls/concurrent');
    const signsBefore = signRequestCount();

    // Act
    const outcomes = await runTwiceAtOnce(prepared, 'createSecret');

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    const pending = await env.readDocument(prepared.arn, { versionId: prepared.token, stage: 'AWSPENDING' });
    registerPrivateKey(pending.privateKey as string);
    const signs = signRequestCount() - signsBefore;
    // Both may have asked the CA before either stored; then the second PutSecretValue lost.
    expect(signs).toBeGreaterThanOrEqual(1);
    expect(signs).toBeLessThanOrEqual(2);
    if (signs === 2) {
      expect(capturedOutput()).toContain('another invocation stored the AWSPENDING value for this token first');
    }
    expect(new X509Certificate(pending.certificate as string).checkPrivateKey(createPrivateKey(pending.privateKey as string))).toBe(true);
  });

  it('finishSecret publishes at least one notice', async () => {
    // Prepare
    const prepared = await prepareManualRotation(env, 'mtls/concurrent');
    for (const step of ROTATION_STEPS.slice(0, 3)) await runStep(prepared, step);

    // Act
    await runTwiceAtOnce(prepared, 'finishSecret');

    // Assess
    const notices = env.aws.snsMessages.filter((message) => message.message.includes('"CertificateRotated"') && message.message.includes(prepared.token));
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices.length).toBeLessThanOrEqual(2);
  });
});
