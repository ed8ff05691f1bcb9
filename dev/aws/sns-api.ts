import { randomUUID } from 'node:crypto';

import { reportPublished } from './emulator-observers.js';
import type { PublishedMessage } from './emulator-types.js';
import { AwsServiceError } from './service-error.js';
import { parseMessageAttributes } from './sns-message-attributes.js';
import { escapeXml } from './xml-escape.js';

// Topic name rule from the CreateTopic API reference: up to 256 ASCII letters,
// digits, hyphens and underscores, plus '.fifo' for FIFO topics.
const TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * The SNS operations, each taking the awsQuery form parameters and returning the
 * inner XML of the `<Action>Result` element (undefined for operations without one).
 * Failures are thrown as AwsServiceError.
 */
export class SnsApi {
  private readonly topicArns = new Set<string>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly messages: PublishedMessage[],
  ) {}

  invoke(action: string, params: URLSearchParams): string | undefined {
    switch (action) {
      case 'CreateTopic':
        return this.createTopic(params);
      case 'Publish':
        return this.publish(params);
      case 'ListTopics':
        return this.listTopics();
      case 'DeleteTopic':
        return this.deleteTopic(params);
      default:
        throw new AwsServiceError('InvalidAction', `The emulator does not implement the SNS action ${action}.`);
    }
  }

  /** Creates a topic, or returns the existing one's ARN, because CreateTopic is idempotent by name. */
  private createTopic(params: URLSearchParams): string {
    const name = requireParam(params, 'Name');
    if (!TOPIC_NAME_PATTERN.test(name)) {
      throw invalidParameter(
        `Invalid parameter: Topic Name '${name}': use up to 256 ASCII letters, digits, hyphens and underscores.`,
      );
    }

    const arn = `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    this.topicArns.add(arn);

    return `<TopicArn>${escapeXml(arn)}</TopicArn>`;
  }

  private publish(params: URLSearchParams): string {
    const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
    if (topicArn === null) {
      throw invalidParameter('Invalid parameter: TopicArn or TargetArn is required.');
    }
    const message = params.get('Message');
    if (message === null || message === '') {
      throw invalidParameter('Invalid parameter: Empty message');
    }
    if (!this.topicArns.has(topicArn)) {
      throw new AwsServiceError('NotFound', `Topic does not exist: ${topicArn}`, { httpStatus: 404 });
    }

    const messageId = randomUUID();
    const published: PublishedMessage = {
      topicArn,
      message,
      messageAttributes: parseMessageAttributes(params),
      messageId,
    };
    const subject = params.get('Subject');
    if (subject !== null) {
      published.subject = subject;
    }
    this.messages.push(published);
    reportPublished(published);

    return `<MessageId>${messageId}</MessageId>`;
  }

  /** Lists every topic in one page, so the response never carries NextToken. */
  private listTopics(): string {
    const members = [...this.topicArns].map((arn) => `<member><TopicArn>${escapeXml(arn)}</TopicArn></member>`);

    return `<Topics>${members.join('')}</Topics>`;
  }

  /** Deletes a topic. Deleting a topic that does not exist succeeds, as in SNS. */
  private deleteTopic(params: URLSearchParams): undefined {
    this.topicArns.delete(requireParam(params, 'TopicArn'));

    return undefined;
  }
}

function requireParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null) {
    throw invalidParameter(`Invalid parameter: ${name} is required.`);
  }

  return value;
}

function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameter', message);
}
