import type { ServerResponse } from 'node:http';

/** An entry of the `errors` or `messages` array of a CFSSL API response. */
export interface CfsslResponseMessage {
  code: number;
  message: string;
}

/**
 * A failure reported in CFSSL's error envelope. For its own coded errors CFSSL (api/api.go,
 * handleError) returns HTTP 400 with the code from doc/errorcode.txt. For HTTP errors such as a
 * missing parameter it uses the HTTP status as the code too.
 */
export class CfsslApiError extends Error {
  override name = 'CfsslApiError';

  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** CFSSL error codes used by the dev CA, from doc/errorcode.txt. */
export const CFSSL_ERROR_CODE = {
  INVALID_POLICY: 5200,
  CSR_DECODE_FAILED: 9002,
  CSR_PARSE_FAILED: 9003,
  CSR_BAD_REQUEST: 9300,
} as const;

/** Builds the 400 error CFSSL returns for a request it cannot use, such as a missing parameter. */
export function badRequest(message: string): CfsslApiError {
  return new CfsslApiError(400, 400, message);
}

/** Sends `{ success: true, result, errors: [], messages: [] }` as CFSSL's SendResponse does. */
export function sendSuccess(response: ServerResponse, result: unknown): void {
  const body = JSON.stringify({ success: true, result, errors: [], messages: [] });
  response.writeHead(200, { 'Content-Type': 'application/json' });
  // Go's json.Encoder ends each document with a newline.
  response.end(`${body}\n`);
}

/**
 * Sends `{ success: false, result: null, errors: [{ code, message }], messages: [] }`. CFSSL writes
 * errors through Go's http.Error, so the Content-Type is text/plain even though the body is JSON.
 */
export function sendError(response: ServerResponse, error: CfsslApiError): void {
  const body = JSON.stringify({
    success: false,
    result: null,
    errors: [{ code: error.code, message: error.message }],
    messages: [],
  });
  response.writeHead(error.httpStatus, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(`${body}\n`);
}
