import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

export interface AwsClientOptions {
  /** Time one SDK attempt may take, connection included, before the SDK abandons it and retries. Default 5,000 ms. */
  requestTimeoutMs?: number;
}

// Secrets Manager, SNS and AWS Private CA respond in well under a second: Private CA issues
// asynchronously, so no call waits for a certificate. Without a timeout the SDK waits forever on
// a connection that accepted the request and never responds, until Lambda stops the step.
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Creates the AWS SDK clients with one retry policy. Endpoints come from the SDK's standard
 * variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_SNS`), read
 * from `environment`, so the same code runs against AWS and a local emulator. Retries are adaptive,
 * which backs off under throttling; `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` in `environment`
 * override them. Every attempt has a timeout, so a dropped connection becomes a retry.
 */
export function createAwsClients(
  environment: NodeJS.ProcessEnv = process.env,
  options: AwsClientOptions = {},
): { secretsManager: SecretsManagerClient; sns: SNSClient } {
  const config = { ...sdkRetryConfig(environment), requestHandler: sdkRequestHandlerConfig(options.requestTimeoutMs) };
  const secretsManagerEndpoint = environment.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? environment.AWS_ENDPOINT_URL;
  const snsEndpoint = environment.AWS_ENDPOINT_URL_SNS ?? environment.AWS_ENDPOINT_URL;

  return {
    secretsManager: new SecretsManagerClient({ ...config, ...(secretsManagerEndpoint ? { endpoint: secretsManagerEndpoint } : {}) }),
    sns: new SNSClient({ ...config, ...(snsEndpoint ? { endpoint: snsEndpoint } : {}) }),
  };
}

/**
 * Returns the request handler settings that every AWS SDK client of the service uses, providers'
 * clients included: each attempt times out after `requestTimeoutMs`, so a hung connection becomes a retry.
 */
export function sdkRequestHandlerConfig(requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): {
  connectionTimeout: number;
  requestTimeout: number;
  throwOnRequestTimeout: boolean;
} {
  return { connectionTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true };
}

/** Returns the retry settings that every AWS SDK client of the service uses, providers' clients included. */
export function sdkRetryConfig(environment: NodeJS.ProcessEnv = process.env): { retryMode: string; maxAttempts?: number } {
  const maxAttempts = Number.parseInt(environment.AWS_MAX_ATTEMPTS ?? '', 10);

  return {
    retryMode: environment.AWS_RETRY_MODE ?? 'adaptive',
    ...(Number.isInteger(maxAttempts) && maxAttempts > 0 ? { maxAttempts } : {}),
  };
}
