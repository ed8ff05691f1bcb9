import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * Creates the AWS SDK clients with one retry policy. Endpoints come from the SDK's standard
 * variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_SNS`), so the
 * same code runs against AWS and a local emulator. Retries are adaptive, which backs off under
 * throttling; `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` in `environment` override them.
 */
export function createAwsClients(environment: NodeJS.ProcessEnv = process.env): { secretsManager: SecretsManagerClient; sns: SNSClient } {
  const maxAttempts = Number.parseInt(environment.AWS_MAX_ATTEMPTS ?? '', 10);
  const config = {
    retryMode: environment.AWS_RETRY_MODE ?? 'adaptive',
    ...(Number.isInteger(maxAttempts) && maxAttempts > 0 ? { maxAttempts } : {}),
  };

  return { secretsManager: new SecretsManagerClient(config), sns: new SNSClient(config) };
}
