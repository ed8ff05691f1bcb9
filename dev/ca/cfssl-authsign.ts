import { createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from './cfssl-response.js';

export interface UnwrappedAuthenticatedRequest {
  /** The JSON sign request carried in the `request` field, parsed. */
  signRequest: unknown;
  /** Whether `token` is the HMAC-SHA-256 of the request bytes under the key. */
  tokenValid: boolean;
}

/**
 * Unwraps an `authsign` body as cfssl's signhandler.AuthHandler does: the JSON object
 * auth.AuthenticatedRequest, whose []byte fields `token` and `request` Go decodes from standard
 * base64, then the sign request inside. The token is checked as auth.Standard.Verify checks it:
 * HMAC-SHA-256 of the raw request bytes, compared in constant time. Envelope errors are HTTP 400.
 */
export function unwrapAuthenticatedRequest(body: { ok: true; value: unknown } | { ok: false; error: string }, key: Buffer): UnwrappedAuthenticatedRequest {
  if (!body.ok) throw badRequest(body.error);
  const value = body.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('json: cannot unmarshal the request body into Go value of type auth.AuthenticatedRequest');
  }

  const fields = value as Record<string, unknown>;
  const token = decodeGoBytes(fields.token, 'token');
  const request = decodeGoBytes(fields.request, 'request');

  let signRequest: unknown;
  try {
    signRequest = JSON.parse(request.toString('utf8'));
  } catch {
    throw badRequest('Unable to parse authenticated sign request');
  }

  const expected = createHmac('sha256', key).update(request).digest();

  return { signRequest, tokenValid: token.length === expected.length && timingSafeEqual(token, expected) };
}

/** Decodes a JSON value into Go's []byte: null or absent is empty, a string must be padded standard base64. */
function decodeGoBytes(value: unknown, field: string): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (typeof value !== 'string') throw badRequest(`json: cannot unmarshal ${typeof value} into Go struct field AuthenticatedRequest.${field} of type []uint8`);
  const compact = value.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw badRequest(`illegal base64 data in field ${field}`);

  return Buffer.from(compact, 'base64');
}
