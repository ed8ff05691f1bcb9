import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * Creates the AWS SDK clients with one retry policy. Endpoints come from the SDK's standard
 * variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_SNS`), so the
 * same code runs against AWS and a local emulator. Adaptive retries back off under throttling;
 * `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` still override both.
 */
export function createAwsClients(): { secretsManager: SecretsManagerClient; sns: SNSClient } {
  const retryMode = process.env.AWS_RETRY_MODE ?? 'adaptive';

  return {
    secretsManager: new SecretsManagerClient({ retryMode }),
    sns: new SNSClient({ retryMode }),
  };
}
