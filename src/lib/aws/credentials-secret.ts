import { CredentialsError } from '../errors.js';
import { VersionStage } from '../stages.js';
import type { SecretVersions } from './secret-versions.js';

/**
 * Reads a provider credentials secret: a JSON object in AWSCURRENT. Messages name the secret and
 * the problem, never a value, because the whole document is secret.
 */
export async function readCredentialsSecret(secrets: SecretVersions, secretId: string): Promise<Record<string, unknown>> {
  const stored = await secrets.read(secretId, { stage: VersionStage.current }).catch((error: unknown) => {
    throw new CredentialsError(`cannot read provider credentials secret ${secretId}: ${(error as Error).message}`, { cause: error, retryable: true });
  });
  if (stored === undefined) {
    throw new CredentialsError(
      `provider credentials secret ${secretId} was not found or has no AWSCURRENT value: create it, and allow the rotation function secretsmanager:GetSecretValue on it`,
    );
  }

  const text = stored.SecretString ?? (stored.SecretBinary === undefined ? undefined : Buffer.from(stored.SecretBinary).toString('utf8'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    throw new CredentialsError(`provider credentials secret ${secretId} is not a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CredentialsError(`provider credentials secret ${secretId} is not a JSON object`);
  }

  return parsed as Record<string, unknown>;
}
