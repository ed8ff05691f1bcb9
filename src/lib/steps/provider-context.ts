import type { KeyObject, X509Certificate } from 'node:crypto';
import { readCredentialsSecret } from '../aws/credentials-secret.js';
import { readPrivateKey, spkiFingerprint, toPkcs8Pem } from '../certificates/keys.js';
import { parseCertificates } from '../certificates/pem.js';
import type { CurrentCredentials, ProviderContext } from '../providers/index.js';
import type { CredentialDocument } from '../secret-value.js';
import type { StepContext } from './step-context.js';

/**
 * Builds what a provider may use from the step: credentials secrets, the current certificate, the
 * time left and the retry policy. `reserveMs` is kept back from the provider's time for the work
 * the step still has to do after the provider returns. The current certificate is read on first
 * use, so a key that cannot be read warns only where a provider needs it.
 */
export function createProviderContext(context: StepContext, current: CredentialDocument | undefined, reserveMs = 0): ProviderContext {
  const budget = context.budget.reserving(reserveMs);
  let currentCredentials: { value: CurrentCredentials | undefined } | undefined;

  return {
    loadCredentials: (secretId) => readCredentialsSecret(context.dependencies.secrets, secretId),
    get current() {
      currentCredentials ??= { value: current === undefined ? undefined : readCurrentCredentials(context, current) };

      return currentCredentials.value;
    },
    remainingTimeMs: () => budget.remainingMs(),
    logger: context.logger,
    retryPolicy: context.dependencies.retryPolicy,
  };
}

/**
 * Returns AWSCURRENT's pair with the key as PKCS#8, whatever format it was stored in (PKCS#8,
 * PKCS#1 or SEC1). A key that cannot be read (encrypted, corrupt) or that does not belong to the
 * certificate is a warning: rotation replaces it anyway, but providers that authenticate with the
 * current certificate fall back to their first-enrollment path.
 */
function readCurrentCredentials(context: StepContext, document: CredentialDocument): CurrentCredentials | undefined {
  if (typeof document.certificate !== 'string' || typeof document.privateKey !== 'string') return undefined;
  if (document.certificate.trim() === '' || document.privateKey.trim() === '') return undefined;

  let privateKey: KeyObject;
  let leaf: X509Certificate | undefined;
  try {
    privateKey = readPrivateKey(document.privateKey, 'AWSCURRENT field privateKey');
    [leaf] = parseCertificates(document.certificate, 'AWSCURRENT field certificate');
  } catch (error) {
    context.logger.warn('the current certificate or private key cannot be read; continuing without the current certificate', {
      error: { name: (error as Error).name, message: (error as Error).message },
    });

    return undefined;
  }
  if (leaf === undefined || !keyMatches(leaf, privateKey)) {
    context.logger.warn('the current private key does not belong to the current certificate; continuing without the current certificate', {
      certificateSpkiSha256: leaf === undefined ? null : spkiFingerprint(leaf.publicKey),
      privateKeySpkiSha256: spkiFingerprint(privateKey),
    });

    return undefined;
  }

  return { certificatePem: document.certificate, chainPem: document.certificateChain ?? '', privateKeyPem: toPkcs8Pem(privateKey) };
}

function keyMatches(certificate: X509Certificate, privateKey: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(privateKey);
  } catch {
    // Node throws when the key types differ, such as an RSA certificate and an EC key.
    return false;
  }
}
