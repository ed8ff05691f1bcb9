import { parseRotationConfig, type RegistrationConfig } from '../config/rotation-config.js';
import { registerCertificate } from '../registration/register-certificate.js';
import { parseCredentialDocument } from '../secret-value.js';
import { VersionStage } from '../stages.js';
import { SecretStateError } from '../errors.js';
import { loadPendingCredentials } from './pending-credentials.js';
import { createProviderContext } from './provider-context.js';
import type { StepContext } from './step-context.js';

/**
 * setSecret: register the pending certificate with the partner when `rotation.registration` is
 * set, and otherwise do nothing but log. A retry uploads the same certificate again, which the
 * registration counts as success.
 */
export async function setSecret(context: StepContext): Promise<void> {
  const { event, secretArn, dependencies, logger } = context;
  const where = `AWSPENDING version ${event.ClientRequestToken} of ${secretArn}`;
  const pending = await dependencies.secrets.read(secretArn, { versionId: event.ClientRequestToken, stage: VersionStage.pending });
  if (pending === undefined) {
    throw new SecretStateError(`${where} has no value: createSecret has not stored a certificate for this rotation`, {
      context: { secretArn, versionId: event.ClientRequestToken },
    });
  }
  const document = parseCredentialDocument(pending, where);
  const config = parseRotationConfig(document.rotation);

  if (config.registration === undefined) {
    logger.info('rotation.registration is not set, so setSecret has nothing to do');

    return;
  }

  await registerPendingCertificate(context, config.registration);
}

/** Uploads the validated AWSPENDING certificate; `mtls` registration authenticates with AWSCURRENT's certificate. */
async function registerPendingCertificate(context: StepContext, registration: RegistrationConfig): Promise<void> {
  const { secretArn, dependencies, logger } = context;
  const pending = await loadPendingCredentials(context);
  // Only mtls registration needs AWSCURRENT, so other auth types do not depend on it being readable.
  const current = registration.auth?.type === 'mtls' ? await dependencies.secrets.read(secretArn, { stage: VersionStage.current }) : undefined;
  const currentDocument = current === undefined ? undefined : parseCredentialDocument(current, `AWSCURRENT version ${current.versionId} of ${secretArn}`);

  const started = Date.now();
  const outcome = await registerCertificate(registration, pending.validated, createProviderContext(context, currentDocument));
  logger.info(outcome === 'registered' ? 'registered the pending certificate with the partner' : 'the partner already has the pending certificate', {
    url: registration.url,
    serialNumber: pending.validated.summary.serialNumber,
    durationMs: Date.now() - started,
  });
}
