import type { KeyObject, X509Certificate } from 'node:crypto';
import { readPrivateKey } from '../certificates/keys.js';
import { verifyClientPath } from '../certificates/path-validation.js';
import { parseCertificates, toPem, toPemBundle } from '../certificates/pem.js';
import { validateIssuedCertificate, type ValidatedCertificate } from '../certificates/validate.js';
import { parseRotationConfig, type RotationConfig } from '../config/rotation-config.js';
import { SecretStateError, SecretValueError } from '../errors.js';
import { parseCredentialDocument, type CredentialDocument } from '../secret-value.js';
import { VersionStage } from '../stages.js';
import type { StepContext } from './step-context.js';

export interface PendingCredentials {
  document: CredentialDocument;
  config: RotationConfig;
  privateKey: KeyObject;
  privateKeyPem: string;
  validated: ValidatedCertificate;
}

/** Reads the token's AWSPENDING value and validates its certificate again, as stored. */
export async function loadPendingCredentials(context: StepContext): Promise<PendingCredentials> {
  const { event, secretArn, dependencies } = context;
  const where = `AWSPENDING version ${event.ClientRequestToken} of ${secretArn}`;
  const stored = await dependencies.secrets.read(secretArn, { versionId: event.ClientRequestToken, stage: VersionStage.pending });
  if (stored === undefined) {
    throw new SecretStateError(`${where} has no value: createSecret has not stored a certificate for this rotation`, {
      context: { secretArn, versionId: event.ClientRequestToken },
    });
  }

  const document = parseCredentialDocument(stored, where);
  const config = parseRotationConfig(document.rotation);
  if (typeof document.certificate !== 'string' || typeof document.privateKey !== 'string') {
    throw new SecretValueError(
      `${where} has no certificate and privateKey. A secret that contains only a rotation block gets its first certificate from a full rotation (RotateSecret with RotateImmediately=true)`,
      { context: { secretArn, versionId: event.ClientRequestToken } },
    );
  }

  const privateKey = readPrivateKey(document.privateKey, `${where} field privateKey`);
  const certificates: X509Certificate[] = [
    ...parseCertificates(document.certificate, `${where} field certificate`),
    ...(document.certificateChain?.trim() ? parseCertificates(document.certificateChain, `${where} field certificateChain`) : []),
  ];
  const validated = validateIssuedCertificate(certificates, privateKey, { ...validationPolicy(config), keyOrigin: 'stored' }, dependencies.now(), where);

  await verifyWithTrustAnchors(validated, document.privateKey, config, where);

  return { document, config, privateKey, privateKeyPem: document.privateKey, validated };
}

/**
 * Runs OpenSSL's own path validation on the chain when trust anchors are configured, so every check
 * an OpenSSL-based partner makes (pathLenConstraint, issuer keyUsage, critical extensions, digest
 * strength) also guards promotion when no live handshake is configured.
 */
export async function verifyWithTrustAnchors(validated: ValidatedCertificate, privateKeyPem: string, config: RotationConfig, source: string): Promise<void> {
  if (config.trustAnchors === undefined) return;

  await verifyClientPath({
    chainPem: toPem(validated.leaf) + toPemBundle(validated.chain),
    privateKeyPem,
    trustAnchorsPem: config.trustAnchors,
    source,
  });
}

export function validationPolicy(config: RotationConfig) {
  return {
    minValidityDays: config.minValidityDays,
    requireExtendedKeyUsage: config.requireExtendedKeyUsage,
    trustAnchors: config.trustAnchors === undefined ? undefined : parseCertificates(config.trustAnchors, 'rotation.trustAnchors'),
  };
}
