import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../dev/aws/lambda-context.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { HandshakeError, TimeBudgetError } from '../../src/lib/errors.js';
import { rotate } from '../../src/lib/rotation.js';
import { ROTATION_STEPS, type RotationStep } from '../../src/lib/stages.js';
import type { RotationDependencies } from '../../src/lib/steps/step-context.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { prepareManualRotation, type ManualRotation } from '../support/rotation-steps.js';

/*
 * Steps invoked with little of the Lambda's time left. Each stops before an operation it could not
 * finish, with a retryable TimeBudgetError naming that operation. A retry with enough time then
 * completes the rotation as if the short attempt had not happened.
 */

let env: LocalEnvironment;
let partnerProxy: FaultProxy;

beforeAll(async () => {
  env = await startLocalEnvironment();
  partnerProxy = await startFaultProxy({ host: '127.0.0.1', port: env.partner.port });
});
afterEach(() => partnerProxy.setFault(undefined));
afterAll(async () => {
  await env.close();
  await partnerProxy.close();
});

async function runStep(prepared: ManualRotation, step: RotationStep, context: Context, dependencies: RotationDependencies = env.dependencies): Promise<Error | undefined> {
  return rotate({ SecretId: prepared.arn, ClientRequestToken: prepared.token, Step: step }, context, dependencies).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
}

/**
 * Builds a Lambda context with 30 s left until the step has read its first secret value, and
 * `leftAfterRead` from then on, as if the reads had been slow.
 */
function contextShortAfterFirstRead(leftAfterRead: number): { context: Context; dependencies: RotationDependencies } {
  let deadline = Date.now() + 30_000;
  let shortened = false;
  const context = { ...createLambdaContext({ timeoutMs: 30_000 }), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
  const secrets = env.dependencies.secrets;
  const slowSecrets = Object.create(secrets) as typeof secrets;
  slowSecrets.read = async (...args: Parameters<typeof secrets.read>) => {
    const value = await secrets.read(...args);
    if (!shortened) {
      shortened = true;
      deadline = Date.now() + leftAfterRead;
    }

    return value;
  };

  return { context, dependencies: { ...env.dependencies, secrets: slowSecrets } };
}

function signRequestCount(): number {
  return env.cfssl.requests.filter((request) => request.path.endsWith('/sign')).length;
}

async function expectRetryCompletes(prepared: ManualRotation, from: RotationStep): Promise<void> {
  for (const step of ROTATION_STEPS.slice(ROTATION_STEPS.indexOf(from))) {
    expect(await runStep(prepared, step, createLambdaContext({ timeoutMs: 30_000 }))).toBeUndefined();
  }
  const stages = await env.versionStages(prepared.arn);
  expect(stages[prepared.token]).toEqual(['AWSCURRENT']);
  expect(stages[prepared.previousToken]).toEqual(['AWSPREVIOUS']);
}

describe('steps with little time left', () => {
  it('createSecret stops before the CA request', async () => {
    // Prepare
    const prepared = await prepareManualRotation(env, 'mtls/budget');
    const signsBefore = signRequestCount();

    // Act
    const failure = await runStep(prepared, 'createSecret', createLambdaContext({ timeoutMs: 4_000 }));

    // Assess
    expect(failure).toBeInstanceOf(TimeBudgetError);
    expect((failure as TimeBudgetError).retryable).toBe(true);
    expect((failure as TimeBudgetError).context.operation).toBe('the certificate request and PutSecretValue');
    expect(signRequestCount()).toBe(signsBefore);
    await expect(env.readDocument(prepared.arn, { versionId: prepared.token })).rejects.toThrow(/can't find the specified secret value/);
    await expectRetryCompletes(prepared, 'createSecret');
    expect(signRequestCount() - signsBefore).toBe(1);
  });

  it('any step stops before DescribeSecret', async () => {
    const prepared = await prepareManualRotation(env, 'mtls/budget');

    const failure = await runStep(prepared, 'createSecret', createLambdaContext({ timeoutMs: 2_000 }));

    expect((failure as TimeBudgetError).context.operation).toBe('DescribeSecret');
    await expectRetryCompletes(prepared, 'createSecret');
  });

  it('testSecret stops before the handshake', async () => {
    // Prepare
    const prepared = await prepareManualRotation(env, 'mtls/budget');
    for (const step of ROTATION_STEPS.slice(0, 2)) await runStep(prepared, step, createLambdaContext({ timeoutMs: 30_000 }));
    const short = contextShortAfterFirstRead(1_800);
    const partnerRequestsBefore = env.partner.requests.length;

    // Act
    const failure = await runStep(prepared, 'testSecret', short.context, short.dependencies);

    // Assess
    expect(failure).toBeInstanceOf(TimeBudgetError);
    expect((failure as TimeBudgetError).context.operation).toBe('the mTLS handshake test');
    expect(env.partner.requests.length).toBe(partnerRequestsBefore);
    await expectRetryCompletes(prepared, 'testSecret');
  });

  it('finishSecret stops before repeating the handshake', async () => {
    // Prepare
    const prepared = await prepareManualRotation(env, 'mtls/budget');
    for (const step of ROTATION_STEPS.slice(0, 3)) await runStep(prepared, step, createLambdaContext({ timeoutMs: 30_000 }));
    const short = contextShortAfterFirstRead(1_800);

    // Act
    const failure = await runStep(prepared, 'finishSecret', short.context, short.dependencies);

    // Assess
    // finishSecret repeats the live test before the stage move, so the budget stops it there.
    expect((failure as TimeBudgetError).context.operation).toBe('the mTLS handshake test');
    const stages = await env.versionStages(prepared.arn);
    expect(stages[prepared.previousToken]).toEqual(['AWSCURRENT']);
    expect(stages[prepared.token]).toEqual(['AWSPENDING']);
    await expectRetryCompletes(prepared, 'finishSecret');
  });

  it('finishSecret stops before moving AWSCURRENT', async () => {
    // Prepare: without rotation.handshake the stage move is the first operation after the read.
    const prepared = await prepareManualRotation(env, 'mtls/budget', { handshake: undefined });
    for (const step of ROTATION_STEPS.slice(0, 3)) await runStep(prepared, step, createLambdaContext({ timeoutMs: 30_000 }));
    const short = contextShortAfterFirstRead(2_000);

    // Act
    const failure = await runStep(prepared, 'finishSecret', short.context, short.dependencies);

    // Assess
    expect((failure as TimeBudgetError).context.operation).toBe('UpdateSecretVersionStage moving AWSCURRENT');
    const stages = await env.versionStages(prepared.arn);
    expect(stages[prepared.previousToken]).toEqual(['AWSCURRENT']);
    expect(stages[prepared.token]).toEqual(['AWSPENDING']);
    await expectRetryCompletes(prepared, 'finishSecret');
  });

  it('a silent partner ends testSecret before the Lambda timeout', async () => {
    // Prepare
    const prepared = await prepareManualRotation(env, 'mtls/budget', { handshake: { url: partnerProxy.urlFor(env.partner.url), caCertificates: env.pki.serverRoot.certificatePem } });
    for (const step of ROTATION_STEPS.slice(0, 2)) await runStep(prepared, step, createLambdaContext({ timeoutMs: 30_000 }));
    partnerProxy.setFault({ kind: 'drop' });
    const context = createLambdaContext({ timeoutMs: 4_000 });

    // Act
    const failure = await runStep(prepared, 'testSecret', context);

    // Assess: the handshake's 10 s default timeout was cut to the time left, and the failure notice still went out.
    expect(failure).toBeInstanceOf(HandshakeError);
    expect(failure?.message).toMatch(/timed out after \d+ ms/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    const notice = env.aws.snsMessages.find((message) => message.message.includes('CertificateRotationFailed') && message.message.includes(prepared.token));
    expect(notice).toBeDefined();
  });
});
