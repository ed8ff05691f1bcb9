import { parseRotationConfig } from '../config/rotation-config.js';
import { parseCredentialDocument } from '../secret-value.js';
import { VersionStage } from '../stages.js';
import { SecretStateError } from '../errors.js';
import type { StepContext } from './step-context.js';

/**
 * setSecret: register the pending certificate with the partner when the provider needs that.
 * Providers without a registration step (CFSSL among them) make this a logged no-op.
 */
export async function setSecret(context: StepContext): Promise<void> {
  const { event, secretArn, dependencies, logger } = context;
  const where = `AWSPENDING version ${event.ClientRequestToken} of ${secretArn}`;
  const pending = await dependencies.secrets.read(secretArn, { versionId: event.ClientRequestToken, stage: VersionStage.pending });
  if (pending === undefined) {
    throw new SecretStateError(`${where} holds no value: createSecret has not stored a certificate for this rotation`, {
      context: { secretArn, versionId: event.ClientRequestToken },
    });
  }
  const document = parseCredentialDocument(pending, where);
  const config = parseRotationConfig(document.rotation);

  // NOTE: partner registration (rotation.registration) plugs in here; without it there is nothing to do.
  logger.info(`provider '${config.provider.type}' needs no registration of the new certificate; setSecret has nothing to do`);
}
