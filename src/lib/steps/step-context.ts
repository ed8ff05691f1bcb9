import type { Context } from 'aws-lambda';
import type { SecretVersions } from '../aws/secret-versions.js';
import type { RotationEvent } from '../event.js';
import type { RotationLogger } from '../logger.js';
import type { RotationNotifier } from '../notifications.js';
import type { CertificateProvider } from '../providers/index.js';
import type { ProviderConfig } from '../config/rotation-config.js';

/** Everything a rotation step talks to; tests swap any of them. */
export interface RotationDependencies {
  secrets: SecretVersions;
  notifier: RotationNotifier;
  createProvider: (config: ProviderConfig) => CertificateProvider;
  logger: RotationLogger;
  now: () => Date;
}

export interface StepContext {
  event: RotationEvent;
  secretArn: string;
  versionIdsToStages: Record<string, string[]>;
  dependencies: RotationDependencies;
  logger: RotationLogger;
  lambdaContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;
}
