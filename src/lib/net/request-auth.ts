import type { HttpAuthConfig } from '../config/http-endpoint-config.js';
import { CredentialsError, type RotationError } from '../errors.js';
import type { CurrentCredentials } from '../providers/provider.js';
import { isSendableHeaderValue } from './http-request.js';

/** Sources of request authentication: credentials secrets and AWSCURRENT's certificate. */
export interface AuthSources {
  loadCredentials(secretId: string): Promise<Record<string, unknown>>;
  current: CurrentCredentials | undefined;
}

export interface ResolvedAuth {
  headers: Record<string, string>;
  clientCertificate?: { certificatePem: string; privateKeyPem: string };
  /** Every credential value sent, so callers can remove them from any text that reaches a message or log. */
  secretValues: string[];
  /** Names the authentication without its values, for messages, e.g. "HTTP Basic from credentials secret ca/basic". */
  description: string;
}

const MAX_CREDENTIAL_LENGTH = 8_192;

/**
 * Turns an `auth` block into request headers or a client certificate. Credentials secrets are read
 * at the time of the request; their expected shapes are bearer `{"token"}`, basic
 * `{"username","password"}` and header `{"value"}`. `missingCurrent` builds the caller's error for
 * `mtls` when the secret contains no current certificate yet.
 */
export async function resolveRequestAuth(
  auth: HttpAuthConfig | undefined,
  sources: AuthSources,
  missingCurrent: () => RotationError,
): Promise<ResolvedAuth> {
  if (auth === undefined) return { headers: {}, secretValues: [], description: 'no authentication' };

  if (auth.type === 'mtls') {
    const current = sources.current;
    if (current === undefined) throw missingCurrent();

    return {
      headers: {},
      clientCertificate: { certificatePem: current.certificatePem + current.chainPem, privateKeyPem: current.privateKeyPem },
      secretValues: [],
      description: "AWSCURRENT's client certificate",
    };
  }

  const secretId = auth.credentialsSecretId;
  const credentials = await sources.loadCredentials(secretId);

  switch (auth.type) {
    case 'bearer': {
      const token = headerCredential(credentials, secretId, 'token', auth.type);

      return { headers: { authorization: `Bearer ${token}` }, secretValues: [token], description: `a bearer token from credentials secret ${secretId}` };
    }
    case 'basic':
      return basicAuth(credentials, secretId);
    case 'header': {
      const value = headerCredential(credentials, secretId, 'value', auth.type);

      return { headers: { [auth.headerName.toLowerCase()]: value }, secretValues: [value], description: `header ${auth.headerName} from credentials secret ${secretId}` };
    }
  }
}

/** HTTP Basic (RFC 7617) from a credentials secret `{"username", "password"}`. */
export function basicAuth(credentials: Record<string, unknown>, secretId: string): ResolvedAuth {
  const username = credentialField(credentials, secretId, 'username', 'basic', { allowEmpty: true });
  const password = credentialField(credentials, secretId, 'password', 'basic');
  if (username.includes(':')) {
    throw new CredentialsError(`credentials secret ${secretId} field "username" contains ":", which HTTP Basic authentication cannot carry (RFC 7617)`);
  }
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');

  return {
    headers: { authorization: `Basic ${encoded}` },
    secretValues: [password, encoded, ...(username === '' ? [] : [username])],
    description: `HTTP Basic from credentials secret ${secretId}`,
  };
}

/** Reads one string field of a credentials secret; messages name the field, never its value. */
function credentialField(
  credentials: Record<string, unknown>,
  secretId: string,
  field: string,
  authType: string,
  options: { allowEmpty?: boolean } = {},
): string {
  const value = credentials[field];
  const shape = { bearer: '{"token": "..."}', basic: '{"username": "...", "password": "..."}', header: '{"value": "..."}' }[authType] ?? '';
  if (typeof value !== 'string' || (value === '' && options.allowEmpty !== true)) {
    throw new CredentialsError(
      `credentials secret ${secretId} has no ${options.allowEmpty === true ? '' : 'non-empty '}string field "${field}", which auth type ${authType} needs: store a JSON object such as ${shape}`,
    );
  }
  if (value.length > MAX_CREDENTIAL_LENGTH || /[\r\n\0]/.test(value)) {
    throw new CredentialsError(
      `credentials secret ${secretId} field "${field}" contains a line break or NUL, or is longer than ${MAX_CREDENTIAL_LENGTH} characters, so it cannot be sent in an HTTP header`,
    );
  }

  return value;
}

/**
 * Reads a credential that goes into a header value as it is. Node's HTTP client throws on a value it
 * cannot send, and that failure would look like a network error, so it is reported here instead.
 */
function headerCredential(credentials: Record<string, unknown>, secretId: string, field: string, authType: string): string {
  const value = credentialField(credentials, secretId, field, authType);
  if (!isSendableHeaderValue(value)) {
    throw new CredentialsError(
      `credentials secret ${secretId} field "${field}" contains a control character, DEL or a character above U+00FF, which an HTTP header cannot carry: store the value in printable ASCII`,
    );
  }

  return value;
}
