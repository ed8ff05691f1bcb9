import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AwsCallError } from '../errors.js';
import type { RawSecretValue } from '../secret-value.js';
import { VersionStage } from '../stages.js';

export interface SecretDescription {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  versionIdsToStages: Record<string, string[]>;
}

export interface StoredVersion extends RawSecretValue {
  versionId: string;
}

/** The Secrets Manager operations rotation uses, with SDK failures wrapped in AwsCallError. */
export class SecretVersions {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretDescription> {
    const output = await this.call('DescribeSecret', secretId, () => this.client.send(new DescribeSecretCommand({ SecretId: secretId })));

    return {
      arn: output.ARN ?? secretId,
      name: output.Name ?? secretId,
      rotationEnabled: output.RotationEnabled === true,
      versionIdsToStages: output.VersionIdsToStages ?? {},
    };
  }

  /** Returns the version's value, or undefined when it has none (a placeholder) or no such version exists. */
  async read(secretId: string, selector: { versionId?: string; stage: VersionStage }): Promise<StoredVersion | undefined> {
    try {
      const output = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: selector.versionId, VersionStage: selector.stage }),
      );

      return { versionId: output.VersionId ?? selector.versionId ?? '', SecretString: output.SecretString, SecretBinary: output.SecretBinary };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw wrap('GetSecretValue', secretId, error);
    }
  }

  /** Stores `text` as the AWSPENDING value of version `token`, as SecretString or as its UTF-8 bytes in SecretBinary. */
  async putPending(
    secretId: string,
    token: string,
    text: string,
    rotationToken: string | undefined,
    format: 'string' | 'binary' = 'string',
  ): Promise<void> {
    await this.call('PutSecretValue', secretId, () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          ...(format === 'binary' ? { SecretBinary: Buffer.from(text, 'utf8') } : { SecretString: text }),
          VersionStages: [VersionStage.pending],
          ...(rotationToken === undefined ? {} : { RotationToken: rotationToken }),
        }),
      ),
    );
  }

  /** Moves AWSCURRENT to `versionId`; Secrets Manager then labels the old version AWSPREVIOUS. */
  async promote(secretId: string, versionId: string, currentVersionId: string | undefined): Promise<void> {
    await this.call('UpdateSecretVersionStage', secretId, () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: VersionStage.current,
          MoveToVersionId: versionId,
          RemoveFromVersionId: currentVersionId,
        }),
      ),
    );
  }

  async removeStage(secretId: string, stage: VersionStage, versionId: string): Promise<void> {
    await this.call('UpdateSecretVersionStage', secretId, () =>
      this.client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: stage, RemoveFromVersionId: versionId })),
    );
  }

  private async call<T>(operation: string, secretId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw wrap(operation, secretId, error);
    }
  }
}

function wrap(operation: string, secretId: string, error: unknown): AwsCallError {
  const name = (error as Error).name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const retryable = status === undefined || status >= 500 || name === 'ThrottlingException' || name === 'InternalServiceError';

  return new AwsCallError(`Secrets Manager ${operation} on ${secretId} failed: ${name}: ${(error as Error).message}`, {
    cause: error,
    retryable,
    context: { operation, ...(status === undefined ? {} : { status }) },
  });
}

/** Finds the version that carries `stage`, if any. */
export function versionWithStage(versionIdsToStages: Record<string, string[]>, stage: VersionStage): string | undefined {
  return Object.entries(versionIdsToStages).find(([, stages]) => stages.includes(stage))?.[0];
}
