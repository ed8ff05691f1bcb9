import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { CertificateSummary } from './certificates/summary.js';
import { AwsCallError } from './errors.js';
import type { RotationStep } from './stages.js';

export interface CertificateRotatedMessage extends CertificateSummary {
  event: 'CertificateRotated';
  secretArn: string;
  versionId: string;
  previousVersionId: string | null;
}

export interface CertificateRotationFailedMessage {
  event: 'CertificateRotationFailed';
  secretArn: string;
  versionId: string;
  step: RotationStep;
  error: { name: string; message: string };
}

/** The certificate moved to AWSPREVIOUS could not be revoked; the rotation itself completed. */
export interface CertificateRevocationFailedMessage {
  event: 'CertificateRevocationFailed';
  secretArn: string;
  /** The AWSPREVIOUS version that contains the certificate. */
  versionId: string;
  /** Canonical upper-case hex; null when the stored certificate could not be read. */
  serialNumber: string | null;
  error: { name: string; message: string };
}

export type RotationNotice = CertificateRotatedMessage | CertificateRotationFailedMessage | CertificateRevocationFailedMessage;

const SUBJECTS: Record<RotationNotice['event'], string> = {
  CertificateRotated: 'mTLS client certificate rotated',
  CertificateRotationFailed: 'mTLS client certificate rotation failed',
  CertificateRevocationFailed: 'superseded mTLS client certificate not revoked',
};

/**
 * Publishes rotation notices to SNS. Message attributes `event` and `secretArn` let subscribers
 * filter without parsing the body. Without a topic ARN, publishing is a no-op.
 */
export class RotationNotifier {
  constructor(
    private readonly client: SNSClient,
    readonly topicArn: string | undefined,
  ) {}

  async publish(notice: RotationNotice): Promise<string | undefined> {
    if (this.topicArn === undefined || this.topicArn === '') return undefined;

    try {
      const output = await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: SUBJECTS[notice.event],
          Message: JSON.stringify(notice),
          MessageAttributes: {
            event: { DataType: 'String', StringValue: notice.event },
            secretArn: { DataType: 'String', StringValue: notice.secretArn },
          },
        }),
      );

      return output.MessageId;
    } catch (error) {
      throw new AwsCallError(`SNS Publish of ${notice.event} to ${this.topicArn} failed: ${(error as Error).name}: ${(error as Error).message}`, {
        cause: error,
        retryable: true,
        context: { operation: 'Publish' },
      });
    }
  }
}
