import { createAwsClients, type AwsClientOptions } from './aws/clients.js';
import { SecretVersions } from './aws/secret-versions.js';
import { createLogger } from './logger.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './net/retry.js';
import { RotationNotifier } from './notifications.js';
import { createProvider } from './providers/index.js';
import type { RotationDependencies } from './steps/step-context.js';

export interface DependencyOptions {
  /** Timeout of one AWS SDK attempt. */
  awsRequestTimeoutMs?: number;
  /** Retries of HTTP calls to providers and partners. Default DEFAULT_RETRY_POLICY. */
  retryPolicy?: RetryPolicy;
}

/** Builds the production dependencies from the environment (`SNS_TOPIC_ARN` and the AWS SDK's variables). */
export function createDefaultDependencies(environment: NodeJS.ProcessEnv = process.env, options: DependencyOptions = {}): RotationDependencies {
  const clients = createAwsClients(environment, options.awsRequestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.awsRequestTimeoutMs });

  return {
    secrets: new SecretVersions(clients.secretsManager),
    notifier: new RotationNotifier(clients.sns, environment.SNS_TOPIC_ARN),
    createProvider,
    logger: createLogger(),
    now: () => new Date(),
    retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
  };
}
