import type { Context } from 'aws-lambda';
import { toRotationError, InvalidEventError, SecretStateError, type RotationError } from './errors.js';
import { parseRotationEvent, type RotationEvent } from './event.js';
import { versionWithStage } from './aws/secret-versions.js';
import { VersionStage, type RotationStep } from './stages.js';
import { createSecret } from './steps/create-secret.js';
import { finishAlreadyCurrent, finishSecret } from './steps/finish-secret.js';
import { setSecret } from './steps/set-secret.js';
import type { RotationDependencies, StepContext } from './steps/step-context.js';
import { testSecret } from './steps/test-secret.js';
import { OPERATION_MIN_MS, TimeBudget } from './time-budget.js';

const STEPS: Record<RotationStep, (context: StepContext) => Promise<void>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

/**
 * Runs one rotation step. As in AWS's rotation templates, it first checks that rotation is enabled
 * and that the token names the AWSPENDING version. A step for a version that is already AWSCURRENT
 * has nothing left to do, except finishSecret, which publishes its notice again. A failure is
 * logged, published to SNS and rethrown so Secrets Manager records it, and AWSCURRENT does not move.
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
  const budget = TimeBudget.fromLambdaContext(lambdaContext);
  try {
    budget.require('DescribeSecret', OPERATION_MIN_MS.awsCall);
    const secret = await dependencies.secrets.describe(event.SecretId);
    secretArn = secret.arn;
    logger.appendPersistentKeys({ secretArn });

    const context: StepContext = { event, secretArn, versionIdsToStages: secret.versionIdsToStages, dependencies, logger, lambdaContext, budget };
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
  if (stages === undefined && event.Step === 'createSecret' && supersedesStalePending(context)) {
    await createSecret(context);

    return 'completed';
  }
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

/**
 * Returns true when AWSPENDING sits on another version than the event's and than AWSCURRENT: a
 * rotation that failed earlier and left its version behind. A new rotation's createSecret then
 * proceeds, and storing its value moves AWSPENDING to the new version, because a staging label is
 * on one version at most. Without such a leftover, a token that is not a version of the secret
 * belongs to another secret and is rejected.
 */
function supersedesStalePending(context: StepContext): boolean {
  const { versionIdsToStages } = context;
  const pendingVersionId = versionWithStage(versionIdsToStages, VersionStage.pending);
  if (pendingVersionId === undefined || pendingVersionId === versionWithStage(versionIdsToStages, VersionStage.current)) return false;

  context.logger.warn('AWSPENDING is on a version left by an earlier rotation that did not finish; this rotation replaces it', {
    stalePendingVersionId: pendingVersionId,
  });

  return true;
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
