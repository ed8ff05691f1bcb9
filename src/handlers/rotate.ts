import type { Context } from 'aws-lambda';
import { createAwsClients } from '../lib/aws/clients.js';
import { SecretVersions } from '../lib/aws/secret-versions.js';
import { createLogger } from '../lib/logger.js';
import { RotationNotifier } from '../lib/notifications.js';
import { createProvider } from '../lib/providers/index.js';
import { rotate } from '../lib/rotation.js';
import type { RotationDependencies } from '../lib/steps/step-context.js';

let dependencies: RotationDependencies | undefined;

// Built on first use and kept for the life of the execution environment, so warm invocations reuse connections.
function defaultDependencies(): RotationDependencies {
  if (dependencies === undefined) {
    const clients = createAwsClients();
    dependencies = {
      secrets: new SecretVersions(clients.secretsManager),
      notifier: new RotationNotifier(clients.sns, process.env.SNS_TOPIC_ARN),
      createProvider,
      logger: createLogger(),
      now: () => new Date(),
    };
  }

  return dependencies;
}

/** Secrets Manager rotation entry point: `{ SecretId, ClientRequestToken, Step, RotationToken? }`. */
export async function handler(event: unknown, context: Context): Promise<void> {
  await rotate(event, context, defaultDependencies());
}
