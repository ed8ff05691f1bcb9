import { randomUUID } from 'node:crypto';

import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createSecretsManagerClient } from '../../dev/aws/emulator-clients.js';
import { type AwsEmulator, type RotationHandler, type RotationInvocation, startAwsEmulator } from '../../dev/aws/emulator.js';
import { useLocalSdkEnvironment } from '../support/sdk-test-environment.js';

const ROTATION_LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:cert-rotator';

let emulator: AwsEmulator;
let client: SecretsManagerClient;

useLocalSdkEnvironment();

beforeEach(async () => {
  emulator = await startAwsEmulator();
  client = createSecretsManagerClient(emulator, { maxAttempts: 1 });
});

afterEach(async () => {
  await emulator.close();
  client.destroy();
});

interface ObservedCall {
  event: RotationInvocation;
  context: Context;
}

/**
 * Builds a handler that rotates the way the AWS rotation templates do, through the
 * real SDK, recording every call. `failAt` makes that step throw.
 */
function createRecordingHandler(options: { failAt?: string; newValue?: string } = {}): { handler: RotationHandler; calls: ObservedCall[] } {
  const calls: ObservedCall[] = [];
  const handler: RotationHandler = async (event, context) => {
    calls.push({ event, context });
    if (event.Step === options.failAt) {
      throw new TypeError(`step ${event.Step} failed on purpose`);
    }

    if (event.Step === 'createSecret') {
      await client.send(
        new PutSecretValueCommand({
          SecretId: event.SecretId,
          ClientRequestToken: event.ClientRequestToken,
          SecretString: options.newValue ?? 'rotated',
          VersionStages: ['AWSPENDING'],
        }),
      );
    }
    if (event.Step === 'testSecret') {
      await client.send(new GetSecretValueCommand({ SecretId: event.SecretId, VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }));
    }
    if (event.Step === 'finishSecret') {
      const current = await client.send(new GetSecretValueCommand({ SecretId: event.SecretId }));
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: event.SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: event.ClientRequestToken,
          RemoveFromVersionId: current.VersionId,
        }),
      );
    }
  };

  return { handler, calls };
}

async function createSecret(name: string, value = 'original'): Promise<{ arn: string; versionId: string }> {
  const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));

  return { arn: created.ARN as string, versionId: created.VersionId as string };
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));

  return described.VersionIdsToStages ?? {};
}

describe('RotateSecret immediately', () => {
  it('runs four steps in order', async () => {
    // Prepare
    const { arn, versionId: original } = await createSecret('rotated');
    const { handler, calls } = createRecordingHandler();
    emulator.setRotationHandler(handler);
    const token = randomUUID();

    // Act
    const started = await client.send(
      new RotateSecretCommand({ SecretId: 'rotated', ClientRequestToken: token, RotationLambdaARN: ROTATION_LAMBDA_ARN, RotationRules: { AutomaticallyAfterDays: 30 } }),
    );
    await emulator.waitForRotations();

    // Assess
    expect(started.VersionId).toBe(token);
    expect(calls.map((call) => call.event.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    for (const call of calls) {
      expect(call.event.SecretId).toBe(arn);
      expect(call.event.ClientRequestToken).toBe(token);
      expect(call.event.RotationToken).toEqual(expect.any(String));
    }
    expect(emulator.rotations).toHaveLength(1);
    expect(emulator.rotations[0]?.steps.every((step) => step.ok)).toBe(true);
    expect(emulator.rotations[0]?.rotateImmediately).toBe(true);
    const stages = await stagesOf('rotated');
    expect(stages[original]).toEqual(['AWSPREVIOUS']);
    expect(stages[token]?.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'rotated' }))).SecretString).toBe('rotated');
  });

  it('stores rotation configuration', async () => {
    // Prepare
    await createSecret('configured');
    emulator.setRotationHandler(createRecordingHandler().handler);

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'configured', RotationLambdaARN: ROTATION_LAMBDA_ARN, RotationRules: { AutomaticallyAfterDays: 7 } }));
    await emulator.waitForRotations();

    // Assess
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'configured' }));
    expect(described.RotationEnabled).toBe(true);
    expect(described.RotationLambdaARN).toBe(ROTATION_LAMBDA_ARN);
    expect(described.RotationRules?.AutomaticallyAfterDays).toBe(7);
    expect(described.LastRotatedDate).toBeInstanceOf(Date);
  });

  it('creates value-less AWSPENDING placeholder', async () => {
    // Prepare
    await createSecret('placeholder');
    const observed: { pendingRead?: unknown; stages?: Record<string, string[]> } = {};
    emulator.setRotationHandler(async (event) => {
      if (event.Step !== 'createSecret') {
        throw new Error('stop after createSecret');
      }
      observed.stages = await stagesOf(event.SecretId);
      observed.pendingRead = await client
        .send(new GetSecretValueCommand({ SecretId: event.SecretId, VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }))
        .catch((error: unknown) => error);
    });
    const token = randomUUID();

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'placeholder', ClientRequestToken: token, RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Assess
    expect(observed.stages?.[token]).toEqual(['AWSPENDING']);
    expect(observed.pendingRead).toBeInstanceOf(ResourceNotFoundException);
  });

  it('fills placeholder through PutSecretValue', async () => {
    // Prepare
    await createSecret('filled', 'v1');
    emulator.setRotationHandler(createRecordingHandler({ failAt: 'setSecret', newValue: 'v2' }).handler);
    const token = randomUUID();

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'filled', ClientRequestToken: token, RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Assess
    const pending = await client.send(new GetSecretValueCommand({ SecretId: 'filled', VersionStage: 'AWSPENDING' }));
    expect(pending.VersionId).toBe(token);
    expect(pending.SecretString).toBe('v2');
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'filled' }))).SecretString).toBe('v1');
  });

  it('stops at failing step', async () => {
    // Prepare
    await createSecret('failing');
    const { handler, calls } = createRecordingHandler({ failAt: 'setSecret' });
    emulator.setRotationHandler(handler);

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'failing', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Assess
    expect(calls.map((call) => call.event.Step)).toEqual(['createSecret', 'setSecret']);
    expect(emulator.rotations[0]?.steps).toEqual([
      { step: 'createSecret', ok: true },
      { step: 'setSecret', ok: false, error: { name: 'TypeError', message: 'step setSecret failed on purpose' } },
    ]);
  });

  it('rejects while previous rotation incomplete', async () => {
    // Prepare
    await createSecret('incomplete');
    emulator.setRotationHandler(createRecordingHandler({ failAt: 'testSecret' }).handler);
    await client.send(new RotateSecretCommand({ SecretId: 'incomplete', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Act
    const attempt = client.send(new RotateSecretCommand({ SecretId: 'incomplete' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(attempt).rejects.toThrow("A previous rotation isn't complete. That rotation will be reattempted.");
    expect(emulator.rotations).toHaveLength(1);
  });

  it('allows rotation after completed one', async () => {
    // Prepare
    await createSecret('twice');
    emulator.setRotationHandler(createRecordingHandler().handler);
    await client.send(new RotateSecretCommand({ SecretId: 'twice', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Act
    const second = await client.send(new RotateSecretCommand({ SecretId: 'twice' }));
    await emulator.waitForRotations();

    // Assess
    expect(emulator.rotations).toHaveLength(2);
    expect((await stagesOf('twice'))[second.VersionId as string]?.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
  });

  it('same token starts one rotation', async () => {
    // Prepare
    await createSecret('retried');
    emulator.setRotationHandler(createRecordingHandler().handler);
    const token = randomUUID();
    await client.send(new RotateSecretCommand({ SecretId: 'retried', ClientRequestToken: token, RotationLambdaARN: ROTATION_LAMBDA_ARN }));

    // Act
    const repeated = await client.send(new RotateSecretCommand({ SecretId: 'retried', ClientRequestToken: token }));
    await emulator.waitForRotations();

    // Assess
    expect(repeated.VersionId).toBe(token);
    expect(emulator.rotations).toHaveLength(1);
  });

  it('records synchronous throw and non-Error rejection', async () => {
    // Prepare
    await createSecret('odd-failures');
    await createSecret('odd-failures-2');
    let invocations = 0;
    emulator.setRotationHandler(((event: RotationInvocation) => {
      invocations += 1;
      if (event.SecretId.includes('odd-failures-2')) {
        return Promise.reject('plain string');
      }
      throw new RangeError('thrown before any await');
    }) as RotationHandler);

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'odd-failures', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await client.send(new RotateSecretCommand({ SecretId: 'odd-failures-2', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Assess
    expect(invocations).toBe(2);
    expect(emulator.rotations[0]?.steps[0]?.error).toEqual({ name: 'RangeError', message: 'thrown before any await' });
    expect(emulator.rotations[1]?.steps[0]?.error).toEqual({ name: 'Error', message: 'plain string' });
  });

  it('records step timeout', async () => {
    // Prepare
    await createSecret('slow');
    emulator.setRotationHandler(() => new Promise(() => undefined), { timeoutMs: 50 });

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'slow', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Assess
    expect(emulator.rotations[0]?.steps).toEqual([{ step: 'createSecret', ok: false, error: { name: 'TimeoutError', message: 'Task timed out after 50 ms' } }]);
  });

  it('contains rejection after timeout', async () => {
    // Prepare
    await createSecret('late-failure');
    let rejectLater: ((reason: Error) => void) | undefined;
    emulator.setRotationHandler(
      () =>
        new Promise((_resolve, reject) => {
          rejectLater = reject;
        }),
      { timeoutMs: 20 },
    );

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'late-failure', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();
    rejectLater?.(new Error('rejected after the step timed out'));
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Assess
    // Vitest fails the run on an unhandled rejection, so reaching here proves containment.
    expect(rejectLater).toBeDefined();
    expect(emulator.rotations[0]?.steps[0]?.error?.name).toBe('TimeoutError');
  });

  it('passes fresh Lambda context', async () => {
    // Prepare
    await createSecret('context');
    const { handler, calls } = createRecordingHandler();
    emulator.setRotationHandler(handler, { timeoutMs: 5_000 });

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'context', RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Assess
    const contexts = calls.map((call) => call.context);
    expect(new Set(contexts.map((context) => context.awsRequestId)).size).toBe(4);
    for (const context of contexts) {
      expect(context.functionName).toBe('cert-rotator');
      expect(context.invokedFunctionArn).toBe(ROTATION_LAMBDA_ARN);
      expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5_000);
      expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    }
  });

  it('rejects secret without rotation function', async () => {
    // Prepare
    await createSecret('unconfigured');
    emulator.setRotationHandler(createRecordingHandler().handler);

    // Act
    const attempt = client.send(new RotateSecretCommand({ SecretId: 'unconfigured' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidRequestException);
    expect(Object.values(await stagesOf('unconfigured'))).toEqual([['AWSCURRENT']]);
    expect(emulator.rotations).toHaveLength(0);
  });

  it('rejects when no handler set', async () => {
    // Prepare
    await createSecret('no-handler');

    // Act
    const attempt = client.send(new RotateSecretCommand({ SecretId: 'no-handler', RotationLambdaARN: ROTATION_LAMBDA_ARN }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidRequestException);
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'no-handler' }));
    expect(described.RotationEnabled).toBe(false);
  });
});

describe('RotateSecret test only', () => {
  it('invokes only testSecret on copy', async () => {
    // Prepare
    await createSecret('dry-run', 'current-value');
    const seen: { pendingValue?: string; steps: string[] } = { steps: [] };
    emulator.setRotationHandler(async (event) => {
      seen.steps.push(event.Step);
      const pending = await client.send(
        new GetSecretValueCommand({ SecretId: event.SecretId, VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }),
      );
      seen.pendingValue = pending.SecretString;
    });
    const token = randomUUID();

    // Act
    await client.send(
      new RotateSecretCommand({ SecretId: 'dry-run', ClientRequestToken: token, RotationLambdaARN: ROTATION_LAMBDA_ARN, RotateImmediately: false }),
    );
    await emulator.waitForRotations();

    // Assess
    expect(seen.steps).toEqual(['testSecret']);
    expect(seen.pendingValue).toBe('current-value');
    expect(emulator.rotations[0]?.rotateImmediately).toBe(false);
    expect(emulator.rotations[0]?.steps).toEqual([{ step: 'testSecret', ok: true }]);
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: 'dry-run', IncludeDeprecated: true }));
    expect(versions.Versions?.map((version) => version.VersionId)).not.toContain(token);
    expect(Object.values(await stagesOf('dry-run'))).toEqual([['AWSCURRENT']]);
  });

  it('removes temporary version after failure', async () => {
    // Prepare
    await createSecret('dry-run-failing');
    emulator.setRotationHandler(async () => {
      throw new Error('configuration test failed');
    });

    // Act
    await client.send(new RotateSecretCommand({ SecretId: 'dry-run-failing', RotationLambdaARN: ROTATION_LAMBDA_ARN, RotateImmediately: false }));
    await emulator.waitForRotations();

    // Assess
    expect(emulator.rotations[0]?.steps[0]?.ok).toBe(false);
    expect(Object.values(await stagesOf('dry-run-failing'))).toEqual([['AWSCURRENT']]);
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'dry-run-failing' }));
    expect(described.RotationEnabled).toBe(true);
  });
});

describe('CancelRotateSecret', () => {
  it('returns unfinished version and disables rotation', async () => {
    // Prepare
    await createSecret('cancelled');
    emulator.setRotationHandler(createRecordingHandler({ failAt: 'setSecret' }).handler);
    const token = randomUUID();
    await client.send(new RotateSecretCommand({ SecretId: 'cancelled', ClientRequestToken: token, RotationLambdaARN: ROTATION_LAMBDA_ARN }));
    await emulator.waitForRotations();

    // Act
    const cancelled = await client.send(new CancelRotateSecretCommand({ SecretId: 'cancelled' }));

    // Assess
    expect(cancelled.VersionId).toBe(token);
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'cancelled' }));
    expect(described.RotationEnabled).toBe(false);
    expect(described.VersionIdsToStages?.[token]).toEqual(['AWSPENDING']);
  });
});
