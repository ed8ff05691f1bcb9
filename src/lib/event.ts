import { InvalidEventError } from './errors.js';
import { isRotationStep, ROTATION_STEPS, type RotationStep } from './stages.js';

/** The event Secrets Manager sends to a rotation function. */
export interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: RotationStep;
  RotationToken?: string;
}

// Secrets Manager's documented limits: SecretId up to 2048 characters, ClientRequestToken 32 to 64.
const SECRET_ID_MAX_LENGTH = 2048;
const CLIENT_REQUEST_TOKEN_MIN_LENGTH = 32;
const CLIENT_REQUEST_TOKEN_MAX_LENGTH = 64;
const ROTATION_TOKEN_MAX_LENGTH = 4096;

/** Validates the raw Lambda event; an invalid event never reaches Secrets Manager. */
export function parseRotationEvent(raw: unknown): RotationEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidEventError(
      'rotation event must be a JSON object with SecretId, ClientRequestToken and Step',
    );
  }
  const record = raw as Record<string, unknown>;

  const secretId = readString(record, 'SecretId', 1, SECRET_ID_MAX_LENGTH);
  const token = readString(
    record,
    'ClientRequestToken',
    CLIENT_REQUEST_TOKEN_MIN_LENGTH,
    CLIENT_REQUEST_TOKEN_MAX_LENGTH,
  );
  const step = readString(record, 'Step', 1, 64);
  if (!isRotationStep(step)) {
    throw new InvalidEventError(
      `rotation event field Step has unknown value ${JSON.stringify(step)}: expected one of ${ROTATION_STEPS.join(', ')}`,
      { context: { field: 'Step' } },
    );
  }

  const event: RotationEvent = { SecretId: secretId, ClientRequestToken: token, Step: step };
  if (record.RotationToken !== undefined && record.RotationToken !== null) {
    event.RotationToken = readString(record, 'RotationToken', 1, ROTATION_TOKEN_MAX_LENGTH);
  }

  return event;
}

function readString(
  record: Record<string, unknown>,
  field: string,
  minLength: number,
  maxLength: number,
): string {
  const value = record[field];
  if (value === undefined || value === null) {
    throw new InvalidEventError(`rotation event is missing required field ${field}`, {
      context: { field },
    });
  }
  if (typeof value !== 'string') {
    throw new InvalidEventError(
      `rotation event field ${field} must be a string, got ${Array.isArray(value) ? 'array' : typeof value}`,
      { context: { field } },
    );
  }
  if (value.trim().length === 0) {
    throw new InvalidEventError(`rotation event field ${field} is empty`, { context: { field } });
  }
  if (value.length < minLength || value.length > maxLength) {
    throw new InvalidEventError(
      `rotation event field ${field} has ${value.length} characters, expected ${minLength} to ${maxLength}`,
      { context: { field } },
    );
  }

  return value;
}
