import { CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSnsClient } from '../../../dev/aws/emulator-clients.js';
import { observeEmulators } from '../../../dev/aws/emulator-observers.js';
import { startAwsEmulator, type AwsEmulator } from '../../../dev/aws/emulator.js';
import type { PublishedMessage, RotationStepOutcome } from '../../../dev/aws/emulator-types.js';
import { inspectedLabels } from '../../support/leak-guard.js';

let emulator: AwsEmulator;

beforeAll(async () => {
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  emulator = await startAwsEmulator({ rotationHandler: async (event) => {
    if (event.Step === 'setSecret') throw new Error('setSecret failed on purpose');
  } });
});
afterAll(async () => {
  await emulator.close();
  vi.unstubAllEnvs();
});

describe('observeEmulators', () => {
  it('reports every published message', async () => {
    const seen: PublishedMessage[] = [];
    const stop = observeEmulators({ published: (message) => seen.push(message) });
    const sns = createSnsClient(emulator);
    const topic = await sns.send(new CreateTopicCommand({ Name: 'observed' }));

    const published = await sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'hello', Subject: 'greeting' }));
    stop();
    await sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'after stop' }));

    expect(seen.map((message) => [message.messageId, message.message, message.subject])).toEqual([[published.MessageId, 'hello', 'greeting']]);
    expect(inspectedLabels()).toContain(`SNS message ${published.MessageId}`);
  });

  it('reports every failed rotation step', async () => {
    const failures: { secretArn: string; outcome: RotationStepOutcome }[] = [];
    const stop = observeEmulators({ stepFailed: (secretArn, outcome) => failures.push({ secretArn, outcome }) });
    const { CreateSecretCommand, RotateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    const { createSecretsManagerClient } = await import('../../../dev/aws/emulator-clients.js');
    const client = createSecretsManagerClient(emulator);
    const created = await client.send(new CreateSecretCommand({ Name: 'observed-secret', SecretString: '{}' }));

    await client.send(
      new RotateSecretCommand({ SecretId: 'observed-secret', RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:observed' }),
    );
    await emulator.waitForRotations();
    stop();

    expect(failures).toEqual([{ secretArn: created.ARN, outcome: { step: 'setSecret', ok: false, error: { name: 'Error', message: 'setSecret failed on purpose' } } }]);
    expect(inspectedLabels()).toContain(`error of rotation step setSecret of ${created.ARN}`);
  });
});
