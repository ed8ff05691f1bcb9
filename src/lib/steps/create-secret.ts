import { buildCsr } from '../certificates/csr.js';
import { describeKeySpec, generateKey, toPkcs8Pem } from '../certificates/keys.js';
import { toPem, toPemBundle } from '../certificates/pem.js';
import { validateIssuedCertificate } from '../certificates/validate.js';
import { parseRotationConfig } from '../config/rotation-config.js';
import { AwsCallError, SecretValueError } from '../errors.js';
import { parseCredentialDocument, serializeCredentialDocument } from '../secret-value.js';
import { VersionStage } from '../stages.js';
import { validationPolicy } from './pending-credentials.js';
import { createProviderContext } from './provider-context.js';
import type { StepContext } from './step-context.js';

/**
 * createSecret: issue a certificate for a new key and store it as AWSPENDING. A retry that finds
 * the pending value already stored returns at once, so one rotation never requests two certificates.
 */
export async function createSecret(context: StepContext): Promise<void> {
  const { event, secretArn, dependencies, logger } = context;
  const token = event.ClientRequestToken;

  const pending = await dependencies.secrets.read(secretArn, { versionId: token, stage: VersionStage.pending });
  if (pending !== undefined) {
    logger.info('AWSPENDING version already holds a value; skipping certificate request');

    return;
  }

  const current = await dependencies.secrets.read(secretArn, { stage: VersionStage.current });
  if (current === undefined) {
    throw new SecretValueError(
      `secret ${secretArn} has no AWSCURRENT value: create it with a rotation block, e.g. aws secretsmanager put-secret-value --secret-id ${secretArn} --secret-string file://secret.json`,
      { context: { secretArn } },
    );
  }
  const document = parseCredentialDocument(current, `AWSCURRENT version ${current.versionId} of ${secretArn}`);
  const config = parseRotationConfig(document.rotation);
  const bootstrap = typeof document.certificate !== 'string' || document.certificate.trim() === '';

  const keyStarted = Date.now();
  const key = await generateKey(config.key);
  const csrPem = buildCsr({ subject: config.subject, subjectAltNames: config.subjectAltNames, privateKey: key.privateKey });
  logger.info('generated key and CSR', { keyAlgorithm: describeKeySpec(config.key), durationMs: Date.now() - keyStarted, bootstrap });

  const provider = dependencies.createProvider(config.provider);
  const issueStarted = Date.now();
  const issued = await provider.issue({ csrPem, config, clientRequestToken: token, context: createProviderContext(context, document) });
  const validated = validateIssuedCertificate(issued.certificates, key.privateKey, validationPolicy(config), dependencies.now(), issued.source);
  for (const warning of validated.warnings) logger.warn(warning);
  logger.info('certificate issued and validated', {
    provider: provider.type,
    durationMs: Date.now() - issueStarted,
    certificate: validated.summary,
    chainLength: validated.chain.length,
  });

  // The rotation block and any other top-level fields are carried over unchanged.
  const secretString = serializeCredentialDocument({
    ...document,
    certificate: toPem(validated.leaf),
    privateKey: toPkcs8Pem(key.privateKey),
    certificateChain: toPemBundle(validated.chain),
  });

  try {
    await dependencies.secrets.putPending(secretArn, token, secretString, event.RotationToken);
  } catch (error) {
    // A concurrent attempt for the same token stored its own value first, so that value is kept.
    if (error instanceof AwsCallError && (error.cause as Error | undefined)?.name === 'ResourceExistsException') {
      logger.warn('another invocation stored the AWSPENDING value for this token first; keeping its certificate');

      return;
    }
    throw error;
  }
  logger.info('stored new certificate as AWSPENDING', { serialNumber: validated.summary.serialNumber });
}
