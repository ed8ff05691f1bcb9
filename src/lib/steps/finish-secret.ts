import { versionWithStage } from '../aws/secret-versions.js';
import { VersionStage } from '../stages.js';
import { loadPendingCredentials } from './pending-credentials.js';
import type { StepContext } from './step-context.js';
import type { CertificateSummary } from '../certificates/summary.js';
import { parseCertificates } from '../certificates/pem.js';
import { summarizeCertificate } from '../certificates/summary.js';
import { parseCredentialDocument } from '../secret-value.js';
import { SecretStateError } from '../errors.js';

/**
 * finishSecret: promote the tested version to AWSCURRENT, drop its AWSPENDING label and notify
 * consumers. The certificate is validated once more first, so a direct invocation of this step
 * cannot promote a value that never passed the checks.
 */
export async function finishSecret(context: StepContext): Promise<void> {
  const { event, secretArn, versionIdsToStages, dependencies, logger } = context;
  const token = event.ClientRequestToken;
  const currentVersionId = versionWithStage(versionIdsToStages, VersionStage.current);

  const pending = await loadPendingCredentials(context);
  await dependencies.secrets.promote(secretArn, token, currentVersionId);
  logger.info('moved AWSCURRENT to the new version', { previousVersionId: currentVersionId });
  await dependencies.secrets.removeStage(secretArn, VersionStage.pending, token);

  await notifyRotated(context, pending.validated.summary, currentVersionId ?? null);
}

/**
 * Completes a finishSecret retry that finds the token already AWSCURRENT: drops a leftover
 * AWSPENDING label and publishes the notice again, since delivery is at least once.
 */
export async function finishAlreadyCurrent(context: StepContext): Promise<void> {
  const { event, secretArn, versionIdsToStages, dependencies, logger } = context;
  const token = event.ClientRequestToken;
  logger.info('version is already AWSCURRENT; publishing the rotation notice again');

  if ((versionIdsToStages[token] ?? []).includes(VersionStage.pending)) {
    await dependencies.secrets.removeStage(secretArn, VersionStage.pending, token);
  }
  const stored = await dependencies.secrets.read(secretArn, { versionId: token, stage: VersionStage.current });
  if (stored === undefined) {
    throw new SecretStateError(`AWSCURRENT version ${token} of ${secretArn} holds no value`, { context: { secretArn, versionId: token } });
  }
  const document = parseCredentialDocument(stored, `AWSCURRENT version ${token} of ${secretArn}`);
  const [leaf] = parseCertificates(document.certificate ?? '', `AWSCURRENT version ${token} field certificate`);
  const previousVersionId = versionWithStage(versionIdsToStages, VersionStage.previous) ?? null;

  await notifyRotated(context, summarizeCertificate(leaf!), previousVersionId);
}

async function notifyRotated(context: StepContext, summary: CertificateSummary, previousVersionId: string | null): Promise<void> {
  const messageId = await context.dependencies.notifier.publish({
    event: 'CertificateRotated',
    secretArn: context.secretArn,
    versionId: context.event.ClientRequestToken,
    previousVersionId,
    ...summary,
  });
  context.logger.info('rotation finished', { certificate: summary, previousVersionId, notificationMessageId: messageId ?? null });
}
