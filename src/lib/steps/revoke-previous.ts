import type { X509Certificate } from 'node:crypto';
import { parseCertificates } from '../certificates/pem.js';
import { canonicalSerialNumber } from '../certificates/summary.js';
import { parseRotationConfig, type RotationConfig } from '../config/rotation-config.js';
import { ProviderError, SecretStateError, toRotationError } from '../errors.js';
import { parseCredentialDocument, type CredentialDocument } from '../secret-value.js';
import { VersionStage } from '../stages.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import { createProviderContext } from './provider-context.js';
import type { StepContext } from './step-context.js';

interface PreviousCertificate {
  leaf: X509Certificate;
  certificatePem: string;
  config: RotationConfig;
}

/**
 * Revokes the certificate that this rotation moved to AWSPREVIOUS, with reason superseded, when the
 * new version's `rotation.revokePrevious` is "afterRotation". The provider comes from the previous
 * version's own rotation block, because that is the CA that issued its certificate. A previous
 * version without a certificate (a bootstrap secret) has nothing to revoke. A failure is logged and
 * published as CertificateRevocationFailed and does not fail the step: the new certificate is
 * already AWSCURRENT, and the step's retry revokes again, which providers treat as success for a
 * certificate they have already revoked.
 */
export async function revokeSupersededCertificate(context: StepContext, previousVersionId: string | undefined, currentDocument: CredentialDocument): Promise<void> {
  const { logger } = context;
  let config: RotationConfig;
  try {
    config = parseRotationConfig(currentDocument.rotation);
  } catch (error) {
    // Only a retry that runs newer code than the attempt that validated this version gets here.
    logger.warn('the AWSCURRENT rotation block does not parse, so rotation.revokePrevious is unknown and nothing is revoked', {
      error: { name: (error as Error).name, message: (error as Error).message },
    });

    return;
  }
  if (config.revokePrevious !== 'afterRotation' || previousVersionId === undefined) return;

  let serialNumber: string | null = null;
  try {
    const previous = await readPreviousCertificate(context, previousVersionId);
    if (previous === undefined) {
      logger.info('AWSPREVIOUS contains no certificate (bootstrap version), so there is nothing to revoke', { previousVersionId });

      return;
    }
    serialNumber = canonicalSerialNumber(previous.leaf.serialNumber);

    const provider = context.dependencies.createProvider(previous.config.provider);
    if (provider.revoke === undefined) {
      throw new ProviderError(
        `the certificate in AWSPREVIOUS was issued through provider '${provider.type}', which cannot revoke certificates: revoke serial ${serialNumber} at that CA by hand`,
        { context: { provider: provider.type, operation: 'revoke' } },
      );
    }
    context.budget.require(`revocation of the superseded certificate through provider '${provider.type}'`, OPERATION_MIN_MS.certificateRequest);
    await provider.revoke({
      certificatePem: previous.certificatePem,
      serialNumber,
      reason: 'superseded',
      config: previous.config,
      context: createProviderContext(context, currentDocument),
    });
    logger.info('revoked the superseded certificate', { previousVersionId, serialNumber, provider: provider.type });
  } catch (caught) {
    const error = toRotationError(caught);
    logger.error('could not revoke the superseded certificate; the new certificate stays AWSCURRENT', {
      previousVersionId,
      serialNumber,
      error: { name: error.name, message: error.message, retryable: error.retryable, ...error.context },
    });
    await publishRevocationFailure(context, previousVersionId, serialNumber, error);
  }
}

/** Reads the AWSPREVIOUS version's certificate and rotation block; undefined when it has no certificate. */
async function readPreviousCertificate(context: StepContext, versionId: string): Promise<PreviousCertificate | undefined> {
  const { secretArn, dependencies } = context;
  const where = `AWSPREVIOUS version ${versionId} of ${secretArn}`;
  const stored = await dependencies.secrets.read(secretArn, { versionId, stage: VersionStage.previous });
  if (stored === undefined) {
    throw new SecretStateError(`${where} was not found, so its certificate cannot be revoked`, { context: { secretArn, versionId } });
  }

  const document = parseCredentialDocument(stored, where);
  if (typeof document.certificate !== 'string' || document.certificate.trim() === '') return undefined;
  const [leaf] = parseCertificates(document.certificate, `${where} field certificate`);

  return { leaf: leaf as X509Certificate, certificatePem: document.certificate, config: parseRotationConfig(document.rotation) };
}

async function publishRevocationFailure(context: StepContext, versionId: string, serialNumber: string | null, error: Error): Promise<void> {
  try {
    await context.dependencies.notifier.publish({
      event: 'CertificateRevocationFailed',
      secretArn: context.secretArn,
      versionId,
      serialNumber,
      error: { name: error.name, message: error.message },
    });
  } catch (publishError) {
    context.logger.error('could not publish the revocation failure notice', {
      error: { name: (publishError as Error).name, message: (publishError as Error).message },
    });
  }
}
