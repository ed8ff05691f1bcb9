import type { Context } from 'aws-lambda';
import type { SecretVersions } from '../aws/secret-versions.js';
import type { RotationEvent } from '../event.js';
import type { RotationLogger } from '../logger.js';
import type { RotationNotifier } from '../notifications.js';
import type { CertificateProvider } from '../providers/index.js';
import type { ProviderConfig } from '../config/rotation-config.js';
import type { RetryPolicy } from '../net/retry.js';
import type { TimeBudget } from '../time-budget.js';

/** Everything a rotation step talks to; tests swap any of them. */
export interface RotationDependencies {
  secrets: SecretVersions;
  notifier: RotationNotifier;
  createProvider: (config: ProviderConfig) => CertificateProvider;
  logger: RotationLogger;
  now: () => Date;
  /** Retries of HTTP calls to providers, registration endpoints and the partner. */
  retryPolicy: RetryPolicy;
}

export interface StepContext {
  event: RotationEvent;
  secretArn: string;
  versionIdsToStages: Record<string, string[]>;
  dependencies: RotationDependencies;
  logger: RotationLogger;
  lambdaContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;
  /** The invocation's remaining time; checked before every operation the step could not finish. */
  budget: TimeBudget;
}
