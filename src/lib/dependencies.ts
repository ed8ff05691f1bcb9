import { createAwsClients } from './aws/clients.js';
import { SecretVersions } from './aws/secret-versions.js';
import { createLogger } from './logger.js';
import { RotationNotifier } from './notifications.js';
import { createProvider } from './providers/index.js';
import type { RotationDependencies } from './steps/step-context.js';

/** Builds the production dependencies from the environment (`SNS_TOPIC_ARN` and the AWS SDK's variables). */
export function createDefaultDependencies(environment: NodeJS.ProcessEnv = process.env): RotationDependencies {
  const clients = createAwsClients(environment);

  return {
    secrets: new SecretVersions(clients.secretsManager),
    notifier: new RotationNotifier(clients.sns, environment.SNS_TOPIC_ARN),
    createProvider,
    logger: createLogger(),
    now: () => new Date(),
  };
}
