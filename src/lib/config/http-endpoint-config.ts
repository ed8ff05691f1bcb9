import { z } from 'zod';
import { checkBodyTemplate, type TemplateRules } from '../net/body-template.js';
import { isSendableHeaderValue } from '../net/http-request.js';
import { checkEndpointUrl } from './url-policy.js';

/** Name or ARN of a Secrets Manager secret that contains credentials; ARNs run past the 512-character name limit. */
export const credentialsSecretId = z.string().min(1).max(2048);

// RFC 9110 section 5.6.2: a field name is a token.
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName = z.string().min(1).max(128).regex(HEADER_NAME_PATTERN, 'must be an HTTP header name such as "X-Partner-Id"');

// Headers the client sets itself from the URL and the body. Neither a fixed header nor a credential
// may replace them, and Node's https agent also copies Host into the TLS server name (SNI), which
// the ClientHello sends in cleartext.
const CLIENT_SET_HEADERS = new Map<string, string>([
  ['content-type', 'set "contentType" instead'],
  ['content-length', 'the client sets it'],
  ['transfer-encoding', 'the client sets it'],
  ['host', 'the client sets it from the URL'],
  ['connection', 'the client sets it'],
]);
// Headers that carry credentials, which belong in a credentials secret.
const CREDENTIAL_HEADERS = new Map<string, string>([
  ['authorization', 'put credentials in "auth" with a credentialsSecretId, not in the rotated secret'],
  ['proxy-authorization', 'put credentials in "auth" with a credentialsSecretId, not in the rotated secret'],
  ['cookie', 'put credentials in "auth" with a credentialsSecretId, not in the rotated secret'],
]);

/**
 * Adds an issue for a fixed header value that Node's HTTP client cannot send, so a bad value fails
 * validation instead of every request.
 */
function addHeaderValueIssues(value: string, context: z.RefinementCtx): void {
  if (/[\r\n\0]/.test(value)) context.addIssue({ code: 'custom', message: 'must not contain line breaks or NUL' });
  else if (!isSendableHeaderValue(value)) {
    context.addIssue({ code: 'custom', message: 'must not contain control characters, DEL or characters above U+00FF, which an HTTP header cannot carry' });
  }
}

/** Fixed, non-secret request headers such as `{"X-Partner-Id": "42"}`. */
export const httpHeaders = z
  .record(headerName, z.string().max(4096).superRefine(addHeaderValueIssues))
  .superRefine((headers, context) => {
    const names = Object.keys(headers);
    if (names.length > 32) context.addIssue({ code: 'custom', message: `has ${names.length} headers, at most 32 are allowed` });
    for (const name of names) {
      const reason = CLIENT_SET_HEADERS.get(name.toLowerCase()) ?? CREDENTIAL_HEADERS.get(name.toLowerCase());
      if (reason !== undefined) context.addIssue({ code: 'custom', path: [name], message: `header ${name} is not allowed here: ${reason}` });
    }
  });

/** The request's Content-Type, such as "application/json; charset=utf-8". */
export const httpContentType = z.string().min(1).max(256).superRefine(addHeaderValueIssues);

/** The header of auth type `header`, which must not be one the client sets itself. */
const authHeaderName = headerName.superRefine((name, context) => {
  if (CLIENT_SET_HEADERS.has(name.toLowerCase())) {
    context.addIssue({ code: 'custom', message: `header ${name} cannot carry the credential because the client sets it: name the header the server reads the credential from, such as "X-Api-Key"` });
  }
});

/**
 * Authentication of a request. `bearer`, `basic` and `header` read their values from a JSON
 * credentials secret at request time, and `mtls` presents AWSCURRENT's certificate and key.
 */
export const httpAuthConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), credentialsSecretId }),
  z.strictObject({ type: z.literal('basic'), credentialsSecretId }),
  z.strictObject({ type: z.literal('header'), credentialsSecretId, headerName: authHeaderName }),
  z.strictObject({ type: z.literal('mtls') }),
]);

export type HttpAuthConfig = z.output<typeof httpAuthConfig>;

export const httpMethod = z.enum(['POST', 'PUT'], { message: 'must be "POST" or "PUT"' });

/** Request timeout in milliseconds, as the existing CFSSL provider bounds it. */
export const httpTimeoutMs = z.number().int().min(1_000).max(30_000);

/** Returns the issue text when `headerName` of an auth block also appears among the fixed headers. */
export function checkAuthHeaderConflict(auth: HttpAuthConfig | undefined, headers: Record<string, string> | undefined): string | undefined {
  if (auth?.type !== 'header' || headers === undefined) return undefined;
  const clash = Object.keys(headers).find((name) => name.toLowerCase() === auth.headerName.toLowerCase());

  return clash === undefined ? undefined : `header ${clash} is also auth.headerName: the credentials secret supplies its value, so remove it from "headers"`;
}

/** The fields that the `http` provider and partner registration share. */
export interface HttpEndpointFields {
  url: string;
  allowInsecureHttp?: boolean | undefined;
  body: string;
  contentType: string;
  auth?: HttpAuthConfig | undefined;
  headers?: Record<string, string> | undefined;
}

/**
 * Adds the schema issues of an HTTP endpoint block: the URL policy, the body template against
 * `template` (the placeholders of that block), and an auth header that clashes with a fixed header.
 */
export function addHttpEndpointIssues(
  endpoint: HttpEndpointFields,
  context: z.RefinementCtx,
  template: Omit<TemplateRules, 'contentType'>,
): void {
  checkUrlField(endpoint.url, endpoint.allowInsecureHttp === true, context);

  for (const message of checkBodyTemplate(endpoint.body, { ...template, contentType: endpoint.contentType })) {
    context.addIssue({ code: 'custom', path: ['body'], message });
  }

  const clash = checkAuthHeaderConflict(endpoint.auth, endpoint.headers);
  if (clash !== undefined) context.addIssue({ code: 'custom', path: ['headers'], message: clash });
}

/**
 * Adds the URL policy issue for a `url` field and returns the parsed URL when the policy accepts
 * it, so a schema can add its own path checks without parsing twice.
 */
export function checkUrlField(url: string, allowInsecureHttp: boolean, context: z.RefinementCtx): URL | undefined {
  const problem = checkEndpointUrl(url, allowInsecureHttp);
  if (problem !== undefined) {
    context.addIssue({ code: 'custom', path: ['url'], message: problem });

    return undefined;
  }

  return new URL(url);
}
