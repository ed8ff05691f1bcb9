import type { SecretsManagerApi } from './secrets-manager-api.js';
import { AwsServiceError } from './service-error.js';
import type { WireProtocol, WireReply, WireRequest } from './wire-protocol.js';

const TARGET_PREFIX = 'secretsmanager.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Secrets Manager's awsJson1_1 protocol: POST / with `X-Amz-Target:
 * secretsmanager.<Operation>` and a JSON body. An error is a JSON body whose
 * `__type` is the error name.
 */
export class AwsJsonProtocol implements WireProtocol {
  constructor(private readonly api: SecretsManagerApi) {}

  operationOf(request: WireRequest): string | undefined {
    const target = request.headers['x-amz-target'];
    if (typeof target !== 'string') {
      return undefined;
    }

    return target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  }

  async handle(operation: string, request: WireRequest): Promise<WireReply> {
    try {
      const result = this.api.invoke(operation, parseBody(request.body));

      return { status: 200, contentType: CONTENT_TYPE, body: JSON.stringify(result ?? {}) };
    } catch (error) {
      if (error instanceof AwsServiceError) {
        return encodeError(error.httpStatus, error.code, error.message);
      }
      throw error;
    }
  }

  internalError(_request: WireRequest, message: string): WireReply {
    return encodeError(500, 'InternalServiceError', message);
  }
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) {
    return {};
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // The parser's message quotes part of the body, which may hold a secret value, so it is left out.
    throw new AwsServiceError('SerializationException', 'The request body is not valid JSON.');
  }
}

function encodeError(status: number, code: string, message: string): WireReply {
  return { status, contentType: CONTENT_TYPE, body: JSON.stringify({ __type: code, message }) };
}
