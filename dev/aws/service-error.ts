/**
 * An error that the emulator returns to the client in the service's own wire format.
 * `code` is the error name the SDK maps to an exception class (`__type` in awsJson,
 * `<Code>` in awsQuery).
 */
export class AwsServiceError extends Error {
  override readonly name = 'AwsServiceError';
  readonly code: string;
  readonly httpStatus: number;
  /** awsQuery's `<Type>`: 'Sender' when the request was at fault, 'Receiver' otherwise. */
  readonly faultType: 'Sender' | 'Receiver';

  constructor(code: string, message: string, options: { httpStatus?: number; faultType?: 'Sender' | 'Receiver' } = {}) {
    super(message);
    this.code = code;
    this.httpStatus = options.httpStatus ?? 400;
    this.faultType = options.faultType ?? (this.httpStatus >= 500 ? 'Receiver' : 'Sender');
  }
}

export function resourceNotFound(message = "Secrets Manager can't find the specified secret."): AwsServiceError {
  return new AwsServiceError('ResourceNotFoundException', message);
}

export function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterException', message);
}

export function invalidRequest(message: string): AwsServiceError {
  return new AwsServiceError('InvalidRequestException', message);
}

export function resourceExists(message: string): AwsServiceError {
  return new AwsServiceError('ResourceExistsException', message);
}

/**
 * The error the AWS JSON services return when input breaks a modelled constraint
 * (length, range, required member).
 */
export function validationError(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message);
}
