import { versionWithStage } from '../aws/secret-versions.js';
import { VersionStage } from '../stages.js';
import { loadPendingCredentials } from './pending-credentials.js';
import { revokeSupersededCertificate } from './revoke-previous.js';
import { proveWithPartner } from './test-secret.js';
import type { StepContext } from './step-context.js';
import type { CertificateSummary } from '../certificates/summary.js';
import { parseCertificates } from '../certificates/pem.js';
import { summarizeCertificate } from '../certificates/summary.js';
import { parseCredentialDocument } from '../secret-value.js';
import { AwsCallError, SecretStateError } from '../errors.js';
import { OPERATION_MIN_MS } from '../time-budget.js';

/**
 * finishSecret: promote the tested version to AWSCURRENT, drop its AWSPENDING label, notify
 * consumers and, with `rotation.revokePrevious: "afterRotation"`, revoke the certificate that
 * became AWSPREVIOUS. The certificate is validated and tested with the partner once more first, so a
 * direct invocation of this step cannot promote a value that never passed the checks.
 */
export async function finishSecret(context: StepContext): Promise<void> {
  const { event, secretArn, versionIdsToStages, dependencies, logger } = context;
  const token = event.ClientRequestToken;
  const currentVersionId = versionWithStage(versionIdsToStages, VersionStage.current);

  const pending = await loadPendingCredentials(context);
  // Secrets Manager calls this step only after testSecret passed, but a direct invocation could
  // skip it: the live test runs once more, so no untested certificate becomes AWSCURRENT.
  await proveWithPartner(context, pending);
  context.budget.require('UpdateSecretVersionStage moving AWSCURRENT', OPERATION_MIN_MS.awsCall);
  await settleStageChange(context, VersionStage.current, true, () => dependencies.secrets.promote(secretArn, token, currentVersionId));
  logger.info('moved AWSCURRENT to the new version', { previousVersionId: currentVersionId });
  await removePendingLabel(context);

  await notifyRotated(context, pending.validated.summary, currentVersionId ?? null);
  await revokeSupersededCertificate(context, currentVersionId, pending.document);
}

/**
 * Completes a finishSecret retry that finds the token already AWSCURRENT: drops a leftover
 * AWSPENDING label, publishes the notice again, since delivery is at least once, and repeats the
 * revocation of the AWSPREVIOUS certificate when it is configured.
 */
export async function finishAlreadyCurrent(context: StepContext): Promise<void> {
  const { event, secretArn, versionIdsToStages, dependencies, logger } = context;
  const token = event.ClientRequestToken;
  logger.info('version is already AWSCURRENT; publishing the rotation notice again');

  if ((versionIdsToStages[token] ?? []).includes(VersionStage.pending)) {
    await removePendingLabel(context);
  }
  const stored = await dependencies.secrets.read(secretArn, { versionId: token, stage: VersionStage.current });
  if (stored === undefined) {
    throw new SecretStateError(`AWSCURRENT version ${token} of ${secretArn} has no value: store a value in it before rotating again`, { context: { secretArn, versionId: token } });
  }
  const document = parseCredentialDocument(stored, `AWSCURRENT version ${token} of ${secretArn}`);
  const [leaf] = parseCertificates(document.certificate ?? '', `AWSCURRENT version ${token} field certificate`);
  const previousVersionId = versionWithStage(versionIdsToStages, VersionStage.previous) ?? null;

  await notifyRotated(context, summarizeCertificate(leaf!), previousVersionId);
  // The first attempt may have stopped before revoking; revoking again counts as success.
  await revokeSupersededCertificate(context, previousVersionId ?? undefined, document);
}

async function removePendingLabel(context: StepContext): Promise<void> {
  const { event, secretArn, dependencies } = context;
  context.budget.require('UpdateSecretVersionStage removing AWSPENDING', OPERATION_MIN_MS.awsCall);
  await settleStageChange(context, VersionStage.pending, false, () =>
    dependencies.secrets.removeStage(secretArn, VersionStage.pending, event.ClientRequestToken),
  );
}

/**
 * Runs a stage change on the token's version. A concurrent finishSecret for the same token, or a
 * retried call whose first response was lost, may have made the change already. Secrets Manager
 * then rejects the repeat, because the label is no longer on the version the request names. The
 * stage map is read again, and when the token's version already has (`wanted` true) or lacks the
 * label, the change counts as done.
 */
async function settleStageChange(context: StepContext, stage: VersionStage, wanted: boolean, change: () => Promise<void>): Promise<void> {
  const { event, secretArn, dependencies, logger } = context;
  try {
    await change();
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    const stages = (await dependencies.secrets.describe(secretArn)).versionIdsToStages[event.ClientRequestToken] ?? [];
    if (stages.includes(stage) !== wanted) throw error;

    logger.info('the stage change was already made, by another invocation or an earlier attempt of this call', {
      stage,
      change: wanted ? 'moved to this version' : 'removed from this version',
      error: { name: error.name, message: error.message },
    });
  }
}

async function notifyRotated(context: StepContext, summary: CertificateSummary, previousVersionId: string | null): Promise<void> {
  // Stopping here is safe: the retry finds the version AWSCURRENT and publishes from finishAlreadyCurrent.
  context.budget.require('SNS Publish of the rotation notice', OPERATION_MIN_MS.awsCall);
  const messageId = await context.dependencies.notifier.publish({
    event: 'CertificateRotated',
    secretArn: context.secretArn,
    versionId: context.event.ClientRequestToken,
    previousVersionId,
    ...summary,
  });
  context.logger.info('rotation finished', { certificate: summary, previousVersionId, notificationMessageId: messageId ?? null });
}
