import type { SecretValue, SecretVersion, StoredSecret } from './secret-store.js';
import { invalidParameter } from './service-error.js';

/** Converts a date to the epoch-seconds number that awsJson1_1 uses for timestamps. */
export function toEpochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000;
}

/** Takes the value out of a request that carries exactly one of SecretString and SecretBinary. */
export function requireOneValue(input: { SecretString?: string | undefined; SecretBinary?: Buffer | undefined }): SecretValue {
  const value = optionalValue(input);
  if (value === undefined) {
    throw invalidParameter('You must provide either SecretString or SecretBinary.');
  }

  return value;
}

/** Like requireOneValue, but a request with neither member stores no version. */
export function optionalValue(input: { SecretString?: string | undefined; SecretBinary?: Buffer | undefined }): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw invalidParameter("You can't specify both SecretString and SecretBinary in one request.");
  }
  if (input.SecretString !== undefined) {
    return { secretString: input.SecretString };
  }
  if (input.SecretBinary !== undefined) {
    return { secretBinary: input.SecretBinary };
  }

  return undefined;
}

/** Formats a value for the wire, where SecretBinary is base64. */
export function formatValue(value: SecretValue): { SecretString?: string; SecretBinary?: string } {
  return 'secretString' in value ? { SecretString: value.secretString } : { SecretBinary: value.secretBinary.toString('base64') };
}

/** Formats the metadata that DescribeSecret and ListSecrets share. Each adds its own version map. */
export function formatSecretMetadata(secret: StoredSecret) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    RotationEnabled: secret.rotationEnabled,
    RotationLambdaARN: secret.rotationLambdaArn,
    RotationRules: secret.rotationRules,
    LastRotatedDate: toEpochSeconds(secret.lastRotatedDate),
    LastChangedDate: toEpochSeconds(secret.lastChangedDate),
    LastAccessedDate: toEpochSeconds(secret.lastAccessedDate),
    DeletedDate: toEpochSeconds(secret.deletedDate),
    Tags: secret.tags.length > 0 ? secret.tags : undefined,
    CreatedDate: toEpochSeconds(secret.createdDate),
  };
}

export function formatVersionEntry(version: SecretVersion) {
  return {
    VersionId: version.versionId,
    VersionStages: [...version.stages],
    CreatedDate: toEpochSeconds(version.createdDate),
    LastAccessedDate: toEpochSeconds(version.lastAccessedDate),
  };
}
