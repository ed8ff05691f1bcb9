/**
 * Error family of the rotation service. Every failure the service can name has its own class, so
 * callers branch on `instanceof` and never on message text. `retryable` states whether
 * running the step again can help, for Secrets Manager's retry and for a person reading the notice.
 */

export interface RotationErrorContext {
  secretArn?: string;
  versionId?: string;
  field?: string;
  provider?: string;
  operation?: string;
  status?: number;
}

export interface RotationErrorOptions extends ErrorOptions {
  retryable?: boolean;
  context?: RotationErrorContext;
}

export class RotationError extends Error {
  readonly retryable: boolean;
  readonly context: RotationErrorContext;

  constructor(message: string, options: RotationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

/** The Lambda event is malformed: a field is missing, empty, of the wrong type or too long. */
export class InvalidEventError extends RotationError {}

/** The secret's rotation state does not allow this step (rotation disabled, unknown token, wrong stage). */
export class SecretStateError extends RotationError {}

/** A stored secret value cannot be read: not JSON, no `rotation` block, or a field of the wrong shape. */
export class SecretValueError extends RotationError {}

/** The `rotation` block fails its schema; `issues` lists every bad field by its path. */
export class ConfigurationError extends RotationError {
  readonly issues: readonly string[];

  constructor(message: string, issues: readonly string[], options: RotationErrorOptions = {}) {
    super(message, options);
    this.issues = issues;
  }
}

/** The new secret value would exceed Secrets Manager's size limit. */
export class SecretTooLargeError extends RotationError {}

/** The certificate provider failed, rejected the request, or returned a response that cannot be used. */
export class ProviderError extends RotationError {}

/** Text that should hold certificates cannot be parsed as PEM, DER or PKCS#7. */
export class CertificateParseError extends RotationError {}

/** An issued certificate or its chain failed a check (key match, dates, usage, chain, trust). */
export class CertificateValidationError extends RotationError {
  readonly check: CertificateCheck;

  constructor(check: CertificateCheck, message: string, options: RotationErrorOptions = {}) {
    super(message, options);
    this.check = check;
  }
}

export type CertificateCheck =
  | 'parse'
  | 'key-match'
  | 'validity'
  | 'min-validity'
  | 'extended-key-usage'
  | 'serial-number'
  | 'not-a-leaf'
  | 'chain'
  | 'trust-anchor'
  | 'identity'
  | 'signature-algorithm'
  | 'key-strength';

/** The live mTLS test against the partner endpoint failed. */
export class HandshakeError extends RotationError {}

/** A private key could not be generated or read. */
export class KeyError extends RotationError {}

/** A Secrets Manager or SNS call failed. */
export class AwsCallError extends RotationError {}

/** Step failures that the service did not anticipate are wrapped so the notice still has a name. */
export function toRotationError(error: unknown): RotationError {
  if (error instanceof RotationError) return error;
  const message = error instanceof Error ? error.message : String(error);

  return new RotationError(`unexpected failure: ${message}`, { cause: error, retryable: true });
}

/** An HTTP exchange failed below the application layer: connection, TLS, timeout or an oversized response. */
export class HttpRequestError extends RotationError {
  readonly kind: 'connection' | 'tls' | 'timeout' | 'too-large';

  constructor(kind: HttpRequestError['kind'], message: string, options: RotationErrorOptions = {}) {
    super(message, options);
    this.kind = kind;
  }
}

/** A provider credentials secret is missing, unreadable or of the wrong shape. Its value is never quoted. */
export class CredentialsError extends RotationError {}

/** Uploading the pending certificate to the partner (`rotation.registration`) failed or was refused. */
export class RegistrationError extends RotationError {}

/**
 * Too little of the Lambda's time is left to start `operation` and finish it. Always retryable:
 * the step stopped before the operation, so Secrets Manager's next attempt starts it afresh.
 */
export class TimeBudgetError extends RotationError {
  constructor(operation: string, message: string, options: Omit<RotationErrorOptions, 'retryable'> = {}) {
    super(message, { ...options, retryable: true, context: { ...options.context, operation } });
  }
}
