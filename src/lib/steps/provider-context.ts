import { readCredentialsSecret } from '../aws/credentials-secret.js';
import { readPrivateKey, toPkcs8Pem } from '../certificates/keys.js';
import type { CurrentCredentials, ProviderContext } from '../providers/index.js';
import type { CredentialDocument } from '../secret-value.js';
import type { StepContext } from './step-context.js';

/** Builds what a provider may use from the step: credentials secrets, the current certificate, the time left. */
export function createProviderContext(context: StepContext, current: CredentialDocument | undefined): ProviderContext {
  return {
    loadCredentials: (secretId) => readCredentialsSecret(context.dependencies.secrets, secretId),
    current: current === undefined ? undefined : readCurrentCredentials(context, current),
    remainingTimeMs: () => context.lambdaContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY,
    logger: context.logger,
  };
}

/**
 * Returns AWSCURRENT's pair with the key as PKCS#8, whatever format it was stored in. A key that
 * cannot be read (encrypted, corrupt) is a warning: rotation replaces it anyway, but providers that
 * authenticate with the current certificate fall back to their first-enrollment path.
 */
function readCurrentCredentials(context: StepContext, document: CredentialDocument): CurrentCredentials | undefined {
  if (typeof document.certificate !== 'string' || typeof document.privateKey !== 'string') return undefined;
  if (document.certificate.trim() === '' || document.privateKey.trim() === '') return undefined;

  try {
    const privateKey = readPrivateKey(document.privateKey, 'AWSCURRENT field privateKey');

    return { certificatePem: document.certificate, chainPem: document.certificateChain ?? '', privateKeyPem: toPkcs8Pem(privateKey) };
  } catch (error) {
    context.logger.warn('the current private key cannot be read; continuing without the current certificate', {
      error: { name: (error as Error).name, message: (error as Error).message },
    });

    return undefined;
  }
}
