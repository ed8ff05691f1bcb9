import { buildCsr } from '../certificates/csr.js';
import { checkIdentity } from '../certificates/identity.js';
import { describeKeySpec, toPkcs8Pem } from '../certificates/keys.js';
import { toPem, toPemBundle } from '../certificates/pem.js';
import { validateIssuedCertificate } from '../certificates/validate.js';
import { parseRotationConfig } from '../config/rotation-config.js';
import { AwsCallError, SecretValueError } from '../errors.js';
import { parseCredentialDocument, serializeCredentialDocument } from '../secret-value.js';
import { VersionStage } from '../stages.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import { validationPolicy, verifyWithTrustAnchors } from './pending-credentials.js';
import { pendingKeys } from './pending-keys.js';
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
    logger.info('AWSPENDING version already has a value, so no certificate is requested');

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
  // Fails before the CA is asked when the fields carried over could not be stored at all.
  serializeCredentialDocument({ ...document, certificate: '', privateKey: '', certificateChain: '' });

  // A certificate that cannot be stored is wasted, so the request starts only with time for both.
  context.budget.require('the certificate request and PutSecretValue', OPERATION_MIN_MS.certificateRequest + OPERATION_MIN_MS.awsCall);
  const keyStarted = Date.now();
  // A retry of an attempt that failed in this execution environment reuses that attempt's key.
  const { key, reused } = await pendingKeys.obtain(secretArn, token, config.key);
  const csrPem = buildCsr({ subject: config.subject, subjectAltNames: config.subjectAltNames, privateKey: key.privateKey });
  logger.info(reused ? 'reused the key of an earlier attempt and built the CSR' : 'generated key and CSR', {
    keyAlgorithm: describeKeySpec(config.key),
    durationMs: Date.now() - keyStarted,
    bootstrap,
  });

  const provider = dependencies.createProvider(config.provider);
  const issueStarted = Date.now();
  const providerContext = createProviderContext(context, document, OPERATION_MIN_MS.awsCall);
  const issued = await provider.issue({ csrPem, config, clientRequestToken: token, context: providerContext });
  const validated = validateIssuedCertificate(issued.certificates, key.privateKey, validationPolicy(config), dependencies.now(), issued.source);
  if (config.identityCheck === 'strict') checkIdentity(validated.leaf, config, issued.source);
  await verifyWithTrustAnchors(validated, toPkcs8Pem(key.privateKey), config, issued.source);
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

  context.budget.require('PutSecretValue', OPERATION_MIN_MS.awsCall);
  // A value read from SecretBinary is written back as SecretBinary, so consumers keep reading the field they read.
  const format = current.SecretString === undefined ? 'binary' : 'string';
  try {
    await dependencies.secrets.putPending(secretArn, token, secretString, event.RotationToken, format);
  } catch (error) {
    // A concurrent attempt for the same token stored its own value first, so that value is kept.
    if (error instanceof AwsCallError && (error.cause as Error | undefined)?.name === 'ResourceExistsException') {
      await confirmStoredByOther(context, error);
      pendingKeys.forget(secretArn, token);

      return;
    }
    throw error;
  }
  pendingKeys.forget(secretArn, token);
  logger.info('stored new certificate as AWSPENDING', { serialNumber: validated.summary.serialNumber });
}

/**
 * Accepts the AWSPENDING value that a concurrent invocation stored under this token, after reading
 * it back. Without such a value the PutSecretValue failure is rethrown.
 */
async function confirmStoredByOther(context: StepContext, failure: AwsCallError): Promise<void> {
  const { event, secretArn, dependencies, logger } = context;
  const stored = await dependencies.secrets.read(secretArn, { versionId: event.ClientRequestToken, stage: VersionStage.pending });
  if (stored === undefined) throw failure;

  logger.warn('another invocation stored the AWSPENDING value for this token first; keeping its certificate and discarding this one');
}
