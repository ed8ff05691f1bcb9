import { z } from 'zod';

import { validationError } from './service-error.js';

// Length limits from the Secrets Manager API reference (request parameter constraints).
const SECRET_ID_MAX_LENGTH = 2048;
const SECRET_NAME_MAX_LENGTH = 512;
const DESCRIPTION_MAX_LENGTH = 2048;
const CLIENT_REQUEST_TOKEN_MIN_LENGTH = 32;
const CLIENT_REQUEST_TOKEN_MAX_LENGTH = 64;
const SECRET_STRING_MAX_LENGTH = 65_536;
const SECRET_BINARY_MAX_BYTES = 65_536;
const VERSION_STAGE_MAX_LENGTH = 256;
const VERSION_STAGES_MAX_COUNT = 20;

const secretId = z.string().min(1).max(SECRET_ID_MAX_LENGTH);
const clientRequestToken = z.string().min(CLIENT_REQUEST_TOKEN_MIN_LENGTH).max(CLIENT_REQUEST_TOKEN_MAX_LENGTH);
const versionStage = z.string().min(1).max(VERSION_STAGE_MAX_LENGTH);
const secretString = z.string().max(SECRET_STRING_MAX_LENGTH);
const secretBinary = z
  .base64()
  .transform((encoded) => Buffer.from(encoded, 'base64'))
  .refine((bytes) => bytes.length <= SECRET_BINARY_MAX_BYTES, {
    message: `Member must have length less than or equal to ${SECRET_BINARY_MAX_BYTES}`,
  });
const rotationRules = z.object({
  AutomaticallyAfterDays: z.number().int().min(1).max(1000).optional(),
  Duration: z.string().optional(),
  ScheduleExpression: z.string().optional(),
});
const tag = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) });

export const createSecretInput = z.object({
  Name: z.string().min(1).max(SECRET_NAME_MAX_LENGTH).regex(/^[A-Za-z0-9/_+=.@-]+$/, {
    message: 'Member must contain only ASCII letters, digits and /_+=.@-',
  }),
  ClientRequestToken: clientRequestToken.optional(),
  Description: z.string().max(DESCRIPTION_MAX_LENGTH).optional(),
  SecretString: secretString.optional(),
  SecretBinary: secretBinary.optional(),
  Tags: z.array(tag).optional(),
});

export const describeSecretInput = z.object({ SecretId: secretId });

export const getSecretValueInput = z.object({
  SecretId: secretId,
  VersionId: clientRequestToken.optional(),
  VersionStage: versionStage.optional(),
});

export const putSecretValueInput = z.object({
  SecretId: secretId,
  ClientRequestToken: clientRequestToken,
  SecretString: secretString.optional(),
  SecretBinary: secretBinary.optional(),
  VersionStages: z.array(versionStage).min(1).max(VERSION_STAGES_MAX_COUNT).optional(),
  RotationToken: z.string().optional(),
});

export const updateSecretVersionStageInput = z.object({
  SecretId: secretId,
  VersionStage: versionStage,
  MoveToVersionId: clientRequestToken.optional(),
  RemoveFromVersionId: clientRequestToken.optional(),
});

export const listSecretVersionIdsInput = z.object({
  SecretId: secretId,
  IncludeDeprecated: z.boolean().optional(),
});

export const rotateSecretInput = z.object({
  SecretId: secretId,
  ClientRequestToken: clientRequestToken.optional(),
  RotationLambdaARN: z.string().min(1).max(2048).optional(),
  RotationRules: rotationRules.optional(),
  RotateImmediately: z.boolean().optional(),
});

export const cancelRotateSecretInput = z.object({ SecretId: secretId });

export const deleteSecretInput = z.object({
  SecretId: secretId,
  RecoveryWindowInDays: z.number().int().min(7).max(30).optional(),
  ForceDeleteWithoutRecovery: z.boolean().optional(),
});

export const listSecretsInput = z.object({
  IncludePlannedDeletion: z.boolean().optional(),
  Filters: z.array(z.object({ Key: z.string(), Values: z.array(z.string()).optional() })).optional(),
});

/**
 * Parses a request body against an operation's schema. A violation raises
 * ValidationException with the member path, in the form AWS JSON services use.
 * Unknown members are dropped, because the emulator implements only part of each
 * operation.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) {
    return result.data;
  }

  const details = result.error.issues.map(
    (issue) => `Value at '${issue.path.join('.') || '(body)'}' failed to satisfy constraint: ${issue.message}`,
  );
  const count = details.length === 1 ? '1 validation error' : `${details.length} validation errors`;
  throw validationError(`${count} detected: ${details.join('; ')}`);
}
