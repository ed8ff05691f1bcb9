import type { Context } from 'aws-lambda';
import { toRotationError, InvalidEventError, SecretStateError, type RotationError } from './errors.js';
import { parseRotationEvent, type RotationEvent } from './event.js';
import { VersionStage, type RotationStep } from './stages.js';
import { createSecret } from './steps/create-secret.js';
import { finishAlreadyCurrent, finishSecret } from './steps/finish-secret.js';
import { setSecret } from './steps/set-secret.js';
import type { RotationDependencies, StepContext } from './steps/step-context.js';
import { testSecret } from './steps/test-secret.js';

const STEPS: Record<RotationStep, (context: StepContext) => Promise<void>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

/**
 * Runs one rotation step. As in AWS's rotation templates, it first checks that rotation is enabled
 * and that the token names the AWSPENDING version; a step for a version that is already AWSCURRENT
 * has nothing left to do, except finishSecret, which publishes its notice again. A failure is
 * logged, published to SNS and rethrown so Secrets Manager records it; AWSCURRENT never moves.
 */
export async function rotate(rawEvent: unknown, lambdaContext: Context | undefined, dependencies: RotationDependencies): Promise<void> {
  const started = Date.now();
  let event: RotationEvent;
  try {
    event = parseRotationEvent(rawEvent);
  } catch (error) {
    dependencies.logger.error('rejected invalid rotation event', { error: describeError(toRotationError(error)) });
    throw error;
  }

  const logger = dependencies.logger.createChild({
    persistentKeys: { secretArn: event.SecretId, step: event.Step, versionId: event.ClientRequestToken },
  });
  logger.info('rotation step started');

  let secretArn = event.SecretId;
  try {
    const secret = await dependencies.secrets.describe(event.SecretId);
    secretArn = secret.arn;
    logger.appendPersistentKeys({ secretArn });

    const context: StepContext = { event, secretArn, versionIdsToStages: secret.versionIdsToStages, dependencies, logger, lambdaContext };
    const outcome = await runStep(context, secret.rotationEnabled);
    logger.info('rotation step succeeded', { outcome, durationMs: Date.now() - started });
  } catch (caught) {
    const error = toRotationError(caught);
    logger.error('rotation step failed', { durationMs: Date.now() - started, error: describeError(error) });
    await publishFailure(dependencies, logger, event, secretArn, error);
    throw error;
  }
}

async function runStep(context: StepContext, rotationEnabled: boolean): Promise<'completed' | 'already-current'> {
  const { event, secretArn, versionIdsToStages } = context;
  const token = event.ClientRequestToken;
  const ids = { secretArn, versionId: token };

  if (!rotationEnabled) {
    throw new SecretStateError(`rotation is not enabled for secret ${secretArn}: configure it with aws secretsmanager rotate-secret`, { context: ids });
  }
  const stages = versionIdsToStages[token];
  if (stages === undefined) {
    throw new SecretStateError(`ClientRequestToken ${token} is not a version of secret ${secretArn}; the event belongs to another secret or rotation`, {
      context: ids,
    });
  }
  if (stages.includes(VersionStage.current)) {
    if (event.Step === 'finishSecret') {
      await finishAlreadyCurrent(context);
    } else {
      context.logger.info('version is already AWSCURRENT; nothing to do');
    }

    return 'already-current';
  }
  if (!stages.includes(VersionStage.pending)) {
    throw new SecretStateError(`version ${token} of secret ${secretArn} is not AWSPENDING (stages: ${stages.join(', ') || 'none'}); start a new rotation`, {
      context: ids,
    });
  }

  await STEPS[event.Step](context);

  return 'completed';
}

async function publishFailure(
  dependencies: RotationDependencies,
  logger: RotationDependencies['logger'],
  event: RotationEvent,
  secretArn: string,
  error: RotationError,
): Promise<void> {
  if (error instanceof InvalidEventError) return;
  try {
    await dependencies.notifier.publish({
      event: 'CertificateRotationFailed',
      secretArn,
      versionId: event.ClientRequestToken,
      step: event.Step,
      error: { name: error.name, message: error.message },
    });
  } catch (publishError) {
    // The step's own failure is what Secrets Manager must record; a lost notice is logged beside it.
    logger.error('could not publish the rotation failure notice', { error: describeError(toRotationError(publishError)) });
  }
}

function describeError(error: RotationError): Record<string, unknown> {
  return { name: error.name, message: error.message, retryable: error.retryable, ...error.context };
}
