import { createHmac } from 'node:crypto';
import { CredentialsError } from '../errors.js';

/**
 * The body of CFSSL's `authsign` endpoint, as cfssl's auth.AuthenticatedRequest marshals it. Go
 * encodes its []byte fields as standard base64, so `request` is the JSON sign request in base64 and
 * `token` the base64 HMAC-SHA-256 of exactly those JSON bytes (auth.Standard.Token in cfssl's
 * auth/auth.go, without additional data).
 */
export interface CfsslAuthenticatedRequest {
  /** Unix time in seconds; cfssl's own client sends it, and the standard provider does not check it. */
  timestamp: number;
  token: string;
  request: string;
}

/** Reads the hex HMAC key of a credentials secret `{"key": "<hex>"}`, CFSSL's auth_key format. */
export function cfsslAuthKeyOf(credentials: Record<string, unknown>, secretId: string): Buffer {
  const key = credentials.key;
  if (typeof key !== 'string' || key.trim() === '') {
    throw new CredentialsError(
      `credentials secret ${secretId} has no non-empty string field "key": store the CFSSL auth_key of the signing profile as {"key": "<hex>"}`,
    );
  }
  const hex = key.trim();
  // cfssl's auth.New decodes the key with hex.DecodeString and rejects an empty result.
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new CredentialsError(
      `credentials secret ${secretId} field "key" is not an even number of hexadecimal digits, the format of CFSSL's auth_key: store the key as hex`,
    );
  }

  return Buffer.from(hex, 'hex');
}

/** Wraps a sign request for `authsign`; `now` is injectable so tests can compare against a fixed vector. */
export function authenticateCfsslRequest(key: Buffer, signRequest: object, now: Date = new Date()): CfsslAuthenticatedRequest {
  const requestBytes = Buffer.from(JSON.stringify(signRequest), 'utf8');

  return {
    timestamp: Math.floor(now.getTime() / 1000),
    token: createHmac('sha256', key).update(requestBytes).digest('base64'),
    request: requestBytes.toString('base64'),
  };
}
