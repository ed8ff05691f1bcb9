import type { Context } from 'aws-lambda';
import { createDefaultDependencies } from '../lib/dependencies.js';
import { rotate } from '../lib/rotation.js';
import type { RotationDependencies } from '../lib/steps/step-context.js';

// Built on first use and kept for the life of the execution environment, so warm invocations reuse connections.
let dependencies: RotationDependencies | undefined;

/** Secrets Manager rotation entry point: `{ SecretId, ClientRequestToken, Step, RotationToken? }`. */
export async function handler(event: unknown, context: Context): Promise<void> {
  dependencies ??= createDefaultDependencies();
  await rotate(event, context, dependencies);
}
