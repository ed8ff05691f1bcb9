import { createLambdaContext } from '../../dev/aws/lambda-context.js';
import type { LocalEnvironment } from '../../dev/local-environment.js';
import { rotate } from '../../src/lib/rotation.js';
import type { RotationStep } from '../../src/lib/stages.js';

/**
 * Calls RotateSecret while the emulated Lambda does nothing, so AWSPENDING names a new version
 * without a value, and returns its token. The test then runs the steps itself with runRotationStep.
 */
export async function startRotationWithoutSteps(env: LocalEnvironment, secretArn: string): Promise<string> {
  env.aws.setRotationHandler(async () => undefined);
  try {
    return (await env.rotateSecret(secretArn)).token;
  } finally {
    env.aws.setRotationHandler((event, context) => rotate(event, context, env.dependencies));
  }
}

/** A rotation started by RotateSecret whose steps the test runs itself. */
export interface ManualRotation {
  arn: string;
  /** ClientRequestToken of the new, AWSPENDING version. */
  token: string;
  /** Version that held AWSCURRENT when the rotation started. */
  previousToken: string;
}

let manualRotations = 0;

/**
 * Creates a secret named `<namePrefix>-<n>`, gives it a current certificate with one full
 * rotation, then starts a second rotation whose steps the test invokes itself.
 */
export async function prepareManualRotation(env: LocalEnvironment, namePrefix: string, overrides: Record<string, unknown> = {}): Promise<ManualRotation> {
  manualRotations += 1;
  const arn = await env.createBootstrapSecret(`${namePrefix}-${manualRotations}`, overrides);
  const first = await env.rotateSecret(arn);
  if (!first.steps.every((step) => step.ok)) {
    throw new Error(`the first rotation of ${arn} failed: ${JSON.stringify(first.steps)}`);
  }
  const token = await startRotationWithoutSteps(env, arn);

  return { arn, token, previousToken: first.token };
}

/** Runs one step as Secrets Manager would invoke it, with a Lambda context whose timeout is `timeoutMs`. */
export async function runRotationStep(env: LocalEnvironment, secretArn: string, token: string, step: RotationStep, timeoutMs = 30_000): Promise<void> {
  await rotate({ SecretId: secretArn, ClientRequestToken: token, Step: step }, createLambdaContext({ timeoutMs }), env.dependencies);
}

/** Returns the SNS messages published so far with this `event`, parsed. */
export function publishedNotices(env: LocalEnvironment, event: string): Record<string, unknown>[] {
  return env.aws.snsMessages.map((message) => JSON.parse(message.message) as Record<string, unknown>).filter((body) => body.event === event);
}

/** Returns the version that carries `label` in a stage map. */
export function versionWithLabel(stages: Record<string, string[]>, label: string): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes(label))?.[0];
}

/** Resolves to true when the version has a stored value, false for a placeholder or a missing version. */
export async function hasStoredValue(env: LocalEnvironment, secretArn: string, versionId: string): Promise<boolean> {
  return env.readDocument(secretArn, { versionId }).then(
    () => true,
    () => false,
  );
}
