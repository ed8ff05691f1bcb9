import type { X509Certificate } from 'node:crypto';
import { toPem, toPemBundle } from '../certificates/pem.js';
import { summarizeCertificate } from '../certificates/summary.js';
import { HttpRequestError, RegistrationError, TimeBudgetError } from '../errors.js';
import type { RotationLogger } from '../logger.js';
import { jsonStringContent, renderBodyTemplate } from '../net/body-template.js';
import { describeErrorBody, mediaTypeOf, transportHint } from '../net/response-summary.js';
import type { HttpResponse } from '../net/http-request.js';
import { resolveRequestAuth, type AuthSources, type ResolvedAuth } from '../net/request-auth.js';
import { isTransientHttpStatus, sendHttpRequestWithRetry, type RetryContext } from '../net/retrying-request.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import type { RegistrationConfig } from './registration-config.js';

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const OPERATION = 'register';
// Media types of a web page. A partner API does not respond with one, but a login page or a proxy's page does.
const HTML_MEDIA_TYPES = new Set(['text/html', 'application/xhtml+xml']);

export interface RegistrationSources extends AuthSources, RetryContext {
  logger: RotationLogger;
}

export type RegistrationOutcome = 'registered' | 'already-registered';

/**
 * Uploads a certificate and its chain to the partner. The body template can only reference public
 * values, so the private key never leaves the secret. A 2xx response or `alreadyRegisteredStatus`
 * is success, so a repeated setSecret can upload the same certificate again. A 2xx HTML page is not,
 * because a single sign-on login page or a proxy returns one without passing the request on.
 */
export async function registerCertificate(
  registration: RegistrationConfig,
  certificate: { leaf: X509Certificate; chain: readonly X509Certificate[] },
  sources: RegistrationSources,
): Promise<RegistrationOutcome> {
  const auth = await resolveRequestAuth(registration.auth, sources, () => missingCurrentError());
  const summary = summarizeCertificate(certificate.leaf);
  sources.logger.info('registering the pending certificate with the partner', {
    url: registration.url,
    method: registration.method,
    auth: auth.description,
    serialNumber: summary.serialNumber,
  });

  const certificatePem = toPem(certificate.leaf);
  const chainPem = toPemBundle(certificate.chain);
  const body = renderBodyTemplate(registration.body, {
    certificatePem,
    certificatePemJson: jsonStringContent(certificatePem),
    chainPem,
    chainPemJson: jsonStringContent(chainPem),
    serialNumber: summary.serialNumber,
    fingerprintSha256: summary.fingerprintSha256,
  });

  const response = await send(registration, body, auth, sources);
  if (response.status >= 200 && response.status < 300) {
    if (HTML_MEDIA_TYPES.has(mediaTypeOf(response.headers) ?? '')) throw htmlPageError(registration, response, auth);

    return 'registered';
  }
  if (response.status === registration.alreadyRegisteredStatus) return 'already-registered';

  throw statusError(registration, response, auth);
}

async function send(registration: RegistrationConfig, body: string, auth: ResolvedAuth, sources: RegistrationSources): Promise<HttpResponse> {
  try {
    // Transient failures (connection, 408, 429, 5xx) are retried; uploading the same certificate twice is harmless.
    return await sendHttpRequestWithRetry(
      {
        operation: `partner registration ${OPERATION}`,
        minAttemptMs: OPERATION_MIN_MS.certificateRequest,
        url: registration.url,
        method: registration.method,
        // Configured headers first, so they cannot replace the authentication.
        headers: { ...registration.headers, 'content-type': registration.contentType, accept: 'application/json, */*;q=0.8', 'user-agent': 'mtls-cert-rotator/registration', ...auth.headers },
        body,
        caCertificates: registration.caCertificates,
        clientCertificate: auth.clientCertificate,
        timeoutMs: registration.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      },
      sources,
    );
  } catch (error) {
    if (error instanceof TimeBudgetError) throw error;
    const retryable = error instanceof HttpRequestError ? error.retryable : true;
    throw new RegistrationError(`partner registration ${OPERATION} request failed: ${(error as Error).message}${transportHint(error, 'rotation.registration.url')}`, {
      cause: error,
      retryable,
      context: { operation: OPERATION },
    });
  }
}

function statusError(registration: RegistrationConfig, response: HttpResponse, auth: ResolvedAuth): RegistrationError {
  const status = response.status;
  const retryable = isTransientHttpStatus(status);
  const detail = describeErrorBody(response.body, response.headers, auth.secretValues);
  let hint: string;
  if (retryable) hint = 'the partner reports a temporary failure, so a later attempt can succeed';
  else if (status === 401 || status === 403) hint = `the partner refused ${auth.description}: check the credentials and what they are allowed to do`;
  else if (status === 404 || status === 405) hint = `check rotation.registration.url and method (${registration.method} ${registration.url})`;
  else if (status === 409 && registration.alreadyRegisteredStatus === undefined) {
    hint = 'if the partner returns 409 for a certificate it already has, set rotation.registration.alreadyRegisteredStatus to 409 so a retried setSecret succeeds';
  } else hint = 'the partner refused the certificate: check rotation.registration.body against the partner API';

  return new RegistrationError(`partner registration ${OPERATION} ${retryable ? 'failed with' : 'was rejected with'} HTTP ${status}: ${detail}; ${hint}`, {
    retryable,
    context: { operation: OPERATION, status },
  });
}

function htmlPageError(registration: RegistrationConfig, response: HttpResponse, auth: ResolvedAuth): RegistrationError {
  const detail = describeErrorBody(response.body, response.headers, auth.secretValues);

  return new RegistrationError(
    `partner registration ${OPERATION} at ${registration.url} returned HTTP ${response.status} with an HTML page instead of an API response: ${detail}. ` +
      'A login page or a proxy answered, so the partner did not register the certificate: check rotation.registration.url and auth',
    { context: { operation: OPERATION, status: response.status } },
  );
}

function missingCurrentError(): RegistrationError {
  return new RegistrationError(
    "partner registration auth type mtls authenticates with AWSCURRENT's certificate, but the secret contains none yet: register the first certificate with another auth type or by hand",
    { context: { operation: OPERATION } },
  );
}
