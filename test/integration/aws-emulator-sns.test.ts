import { CreateTopicCommand, DeleteTopicCommand, InvalidParameterException, InvalidParameterValueException, ListTopicsCommand, NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createSnsClient } from '../../dev/aws/emulator-clients.js';
import { type AwsEmulator, startAwsEmulator } from '../../dev/aws/emulator.js';
import { useLocalSdkEnvironment } from '../support/sdk-test-environment.js';

let emulator: AwsEmulator;
let client: SNSClient;

useLocalSdkEnvironment();

beforeEach(async () => {
  emulator = await startAwsEmulator();
  client = createSnsClient(emulator, { maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await emulator.close();
});

describe('CreateTopic', () => {
  it('is idempotent by name', async () => {
    // Act
    const first = await client.send(new CreateTopicCommand({ Name: 'rotation-events' }));
    const second = await client.send(new CreateTopicCommand({ Name: 'rotation-events' }));

    // Assess
    expect(first.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:rotation-events');
    expect(second.TopicArn).toBe(first.TopicArn);
    const listed = await client.send(new ListTopicsCommand({}));
    expect(listed.Topics).toEqual([{ TopicArn: first.TopicArn }]);
  });

  it('rejects invalid name', async () => {
    // Act
    const attempt = client.send(new CreateTopicCommand({ Name: 'has spaces' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('Publish', () => {
  it('records message with attributes', async () => {
    // Prepare
    const topic = await client.send(new CreateTopicCommand({ Name: 'rotation-events' }));

    // Act
    const published = await client.send(
      new PublishCommand({
        TopicArn: topic.TopicArn,
        Subject: 'Certificate rotated',
        Message: '{"event":"rotated","note":"<a & b>"}',
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'ROTATION_SUCCEEDED' },
          daysLeft: { DataType: 'Number', StringValue: '89' },
          fingerprint: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );

    // Assess
    expect(emulator.snsMessages).toEqual([
      {
        topicArn: topic.TopicArn,
        subject: 'Certificate rotated',
        message: '{"event":"rotated","note":"<a & b>"}',
        messageAttributes: {
          eventType: { dataType: 'String', stringValue: 'ROTATION_SUCCEEDED' },
          daysLeft: { dataType: 'Number', stringValue: '89' },
          fingerprint: { dataType: 'Binary', binaryValue: Buffer.from([1, 2, 3]).toString('base64') },
        },
        messageId: published.MessageId,
      },
    ]);
  });

  it('rejects unknown topic', async () => {
    // Act
    const attempt = client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:missing', Message: 'hello' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NotFoundException);
    expect(emulator.snsMessages).toHaveLength(0);
  });

  it('rejects attribute without value', async () => {
    // Prepare
    const topic = await client.send(new CreateTopicCommand({ Name: 'rotation-events' }));

    // Act
    const attempt = client.send(
      new PublishCommand({ TopicArn: topic.TopicArn, Message: 'hello', MessageAttributes: { empty: { DataType: 'String', StringValue: '' } } }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('rejects empty message', async () => {
    // Prepare
    const topic = await client.send(new CreateTopicCommand({ Name: 'rotation-events' }));

    // Act
    const attempt = client.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: '' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('DeleteTopic', () => {
  it('removes topic from publishing', async () => {
    // Prepare
    const topic = await client.send(new CreateTopicCommand({ Name: 'short-lived' }));

    // Act
    await client.send(new DeleteTopicCommand({ TopicArn: topic.TopicArn }));

    // Assess
    expect((await client.send(new ListTopicsCommand({}))).Topics ?? []).toEqual([]);
    await expect(client.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'late' }))).rejects.toBeInstanceOf(NotFoundException);
  });
});
