import { randomUUID } from 'node:crypto';

import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidParameterException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, InternalErrorException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createSecretsManagerClient, createSnsClient } from '../../dev/aws/emulator-clients.js';
import { type AwsEmulator, startAwsEmulator } from '../../dev/aws/emulator.js';
import { useLocalSdkEnvironment } from '../support/sdk-test-environment.js';

let emulator: AwsEmulator;
let client: SecretsManagerClient;
let snsClient: SNSClient;

useLocalSdkEnvironment();

beforeEach(async () => {
  emulator = await startAwsEmulator();
  // One attempt, so each injected fault reaches the test instead of the SDK's retry.
  client = createSecretsManagerClient(emulator, { maxAttempts: 1 });
  snsClient = createSnsClient(emulator, { maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  snsClient.destroy();
  await emulator.close();
});

async function versionCount(secretId: string): Promise<number> {
  const listed = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }));

  return listed.Versions?.length ?? 0;
}

function putPending(token: string, value = 'next'): PutSecretValueCommand {
  return new PutSecretValueCommand({ SecretId: 'faulty', ClientRequestToken: token, SecretString: value, VersionStages: ['AWSPENDING'] });
}

describe('injectFault', () => {
  it("'after' reset performs operation", async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));
    emulator.injectFault({ operation: 'PutSecretValue', when: 'after' });
    const token = randomUUID();

    // Act
    const attempt = client.send(putPending(token));

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ECONNRESET' });
    const pending = await client.send(new GetSecretValueCommand({ SecretId: 'faulty', VersionStage: 'AWSPENDING' }));
    expect(pending.VersionId).toBe(token);
    expect(pending.SecretString).toBe('next');
  });

  it("'before' skips operation", async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));
    emulator.injectFault({ operation: 'PutSecretValue', when: 'before' });

    // Act
    const attempt = client.send(putPending(randomUUID()));

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await versionCount('faulty')).toBe(1);
  });

  it('status500 returns InternalServiceError', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));
    emulator.injectFault({ operation: 'GetSecretValue', when: 'before', kind: 'status500' });

    // Act
    const attempt = client.send(new GetSecretValueCommand({ SecretId: 'faulty' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InternalServiceError);
    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
  });

  it('fires given number of times', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));
    emulator.injectFault({ operation: 'DescribeSecret', when: 'before', times: 2, kind: 'status500' });
    const describe = () => client.send(new DescribeSecretCommand({ SecretId: 'faulty' }));

    // Act
    const outcomes = [await describe().catch((error: unknown) => error), await describe().catch((error: unknown) => error), await describe()];

    // Assess
    expect(outcomes[0]).toBeInstanceOf(InternalServiceError);
    expect(outcomes[1]).toBeInstanceOf(InternalServiceError);
    expect(outcomes[2]).toMatchObject({ Name: 'faulty' });
  });

  it('leaves other operations alone', async () => {
    // Prepare
    emulator.injectFault({ operation: 'PutSecretValue', when: 'before' });

    // Act
    const created = await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));

    // Assess
    expect(created.Name).toBe('faulty');
  });

  it('rejects non-positive times', () => {
    // Act
    const inject = () => emulator.injectFault({ operation: 'PutSecretValue', when: 'before', times: 0 });

    // Assess
    expect(inject).toThrow(RangeError);
  });
});

describe('crash and retry', () => {
  it('PutSecretValue retry ends in same state', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));
    const token = randomUUID();
    emulator.injectFault({ operation: 'PutSecretValue', when: 'after' });
    await client.send(putPending(token)).catch(() => undefined);

    // Act
    const retried = await client.send(putPending(token));

    // Assess
    expect(retried.VersionId).toBe(token);
    expect(retried.VersionStages).toEqual(['AWSPENDING']);
    expect(await versionCount('faulty')).toBe(2);
  });

  it('SDK retry hides one fault', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));
    const retryingClient = createSecretsManagerClient(emulator, { maxAttempts: 3 });
    emulator.injectFault({ operation: 'PutSecretValue', when: 'after', kind: 'status500' });

    // Act
    const stored = await retryingClient.send(putPending(randomUUID()));
    retryingClient.destroy();

    // Assess
    expect(stored.$metadata.attempts).toBe(2);
    expect(await versionCount('faulty')).toBe(2);
  });

  it('UpdateSecretVersionStage retry sees moved label', async () => {
    // Prepare
    const created = await client.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v1' }));
    const token = randomUUID();
    await client.send(putPending(token));
    const promote = new UpdateSecretVersionStageCommand({
      SecretId: 'faulty',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      RemoveFromVersionId: created.VersionId,
    });
    emulator.injectFault({ operation: 'UpdateSecretVersionStage', when: 'after' });
    await client.send(promote).catch(() => undefined);

    // Act
    const retry = client.send(promote);

    // Assess
    // The label already moved, so a caller that retries blindly fails; a rotation's
    // finishSecret step must check whether AWSCURRENT is on its version first.
    await expect(retry).rejects.toBeInstanceOf(InvalidParameterException);
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'faulty' }));
    expect(current.VersionId).toBe(token);
  });

  it('Publish fault after delivery keeps message', async () => {
    // Prepare
    const topic = await snsClient.send(new CreateTopicCommand({ Name: 'rotation-events' }));
    emulator.injectFault({ operation: 'Publish', when: 'after', kind: 'status500' });

    // Act
    const attempt = snsClient.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'rotated' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InternalErrorException);
    expect(emulator.snsMessages.map((message) => message.message)).toEqual(['rotated']);
  });
});
