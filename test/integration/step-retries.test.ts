import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../dev/aws/lambda-context.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { createDefaultDependencies } from '../../src/lib/dependencies.js';
import { rotate } from '../../src/lib/rotation.js';
import type { RotationDependencies } from '../../src/lib/steps/step-context.js';
import { ROTATION_STEPS, type RotationStep } from '../../src/lib/stages.js';
import { prepareManualRotation, type ManualRotation } from '../support/rotation-steps.js';

let env: LocalEnvironment;
let fragile: RotationDependencies;

beforeAll(async () => {
  env = await startLocalEnvironment();
  // One SDK attempt per call, so an injected fault reaches the step as a crash would.
  fragile = createDefaultDependencies({ ...process.env, SNS_TOPIC_ARN: env.topicArn, AWS_MAX_ATTEMPTS: '1' });
});
afterAll(() => env.close());

async function runStep(prepared: ManualRotation, step: RotationStep, dependencies = env.dependencies): Promise<void> {
  await rotate({ SecretId: prepared.arn, ClientRequestToken: prepared.token, Step: step }, createLambdaContext({ timeoutMs: 30_000 }), dependencies);
}

/** Stage map plus every version's stored value, the whole observable state of a secret. */
async function snapshot(arn: string): Promise<Record<string, unknown>> {
  const stages = await env.versionStages(arn);
  const values: Record<string, unknown> = {};
  for (const versionId of Object.keys(stages)) {
    values[versionId] = await env.readDocument(arn, { versionId }).catch(() => 'no value');
  }

  return { stages, values };
}

function signRequestCount(): number {
  return env.cfssl.requests.filter((request) => request.path.endsWith('/sign')).length;
}

function rotatedNotices(token: string): number {
  return env.aws.snsMessages.filter((message) => message.message.includes('"CertificateRotated"') && message.message.includes(token)).length;
}

async function expectFinished(prepared: ManualRotation): Promise<void> {
  const stages = await env.versionStages(prepared.arn);
  expect(stages[prepared.token]).toEqual(['AWSCURRENT']);
  expect(stages[prepared.previousToken]).toEqual(['AWSPREVIOUS']);
  expect(Object.values(stages).flat().filter((label) => label === 'AWSPENDING')).toEqual([]);
  expect(rotatedNotices(prepared.token)).toBeGreaterThanOrEqual(1);
}

describe('each step run twice', () => {
  it.each(ROTATION_STEPS)('%s leaves the same state', async (step) => {
    const prepared = await prepareManualRotation(env, 'mtls/steps');
    for (const earlier of ROTATION_STEPS.slice(0, ROTATION_STEPS.indexOf(step))) await runStep(prepared, earlier);
    const signsBefore = signRequestCount();

    await runStep(prepared, step);
    const once = await snapshot(prepared.arn);
    await runStep(prepared, step);
    const twice = await snapshot(prepared.arn);

    expect(twice).toEqual(once);
    expect(signRequestCount() - signsBefore).toBe(step === 'createSecret' ? 1 : 0);
  });

  it('finishSecret run twice publishes twice', async () => {
    const prepared = await prepareManualRotation(env, 'mtls/steps');
    for (const step of ROTATION_STEPS) await runStep(prepared, step);

    await runStep(prepared, 'finishSecret');

    expect(rotatedNotices(prepared.token)).toBe(2);
    await expectFinished(prepared);
  });
});

// Each AWS call a step makes, with how many earlier calls of the same operation in that step to let
// through, and whether the step recovers within the same attempt. finishSecret recovers because it
// reads the stage map again after a failed stage change and finds the change made.
const CALLS: [RotationStep, string, number, boolean][] = [
  ['createSecret', 'DescribeSecret', 0, false],
  ['createSecret', 'GetSecretValue', 0, false],
  ['createSecret', 'GetSecretValue', 1, false],
  ['createSecret', 'PutSecretValue', 0, false],
  ['setSecret', 'GetSecretValue', 0, false],
  ['testSecret', 'GetSecretValue', 0, false],
  ['finishSecret', 'DescribeSecret', 0, false],
  ['finishSecret', 'GetSecretValue', 0, false],
  ['finishSecret', 'UpdateSecretVersionStage', 0, true],
  ['finishSecret', 'UpdateSecretVersionStage', 1, true],
  ['finishSecret', 'Publish', 0, false],
];

describe('crash after an AWS call, then retry', () => {
  it.each(CALLS)('%s after %s #%i completes the rotation', async (step, operation, skip, recovers) => {
    const prepared = await prepareManualRotation(env, 'mtls/steps');
    const signsBefore = signRequestCount();
    for (const earlier of ROTATION_STEPS.slice(0, ROTATION_STEPS.indexOf(step))) await runStep(prepared, earlier);

    env.aws.injectFault({ operation, when: 'after', skip });
    const crashed = await runStep(prepared, step, fragile).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    // The failure notice of the crashed attempt may be the call that got the fault.
    if (recovers) {
      expect(crashed, `${step} should have recovered after ${operation}`).toBeUndefined();
    } else {
      expect(crashed, `${step} should have failed after ${operation}`).toBeInstanceOf(Error);
    }
    for (const remaining of ROTATION_STEPS.slice(ROTATION_STEPS.indexOf(step))) await runStep(prepared, remaining);

    await expectFinished(prepared);
    expect(signRequestCount() - signsBefore).toBe(1);
    const current = await env.readDocument(prepared.arn, { stage: 'AWSCURRENT' });
    expect(current.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
});
