import type { X509Certificate } from 'node:crypto';
import { isIssuedBy, isSelfSigned } from '../certificates/chain.js';
import { parseCertificates } from '../certificates/pem.js';
import { describeCertificate, formatName } from '../certificates/summary.js';
import { CertificateParseError, ProviderError } from '../errors.js';
import { bodyStart, certificateInputOf, describeErrorBody, describeLocation, mediaTypeOf, quoteHeaderValue } from '../net/response-summary.js';
import type { HttpResponse } from '../net/http-request.js';
import { isTransientHttpStatus } from '../net/retrying-request.js';
import type { EstOperation } from './est-config.js';

/** Media types of a certs-only response: RFC 7030 names application/pkcs7-mime, and older servers send the x- form. */
const PKCS7_MEDIA_TYPES = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);

export interface EstExchange {
  operation: EstOperation;
  url: string;
  response: HttpResponse;
  /** Credential values sent, to be kept out of messages. */
  secretValues: readonly string[];
  /** Advice for a refused authentication (HTTP 401 or 403). */
  authenticationHint: string;
}

/**
 * Reads the certificates of a successful EST response, or throws the ProviderError that the status
 * calls for. RFC 7030 section 4.2.3 makes a success a base64 PKCS#7 certs-only message. A 202 means
 * that the request waits for approval, and a 4xx or 5xx carries a plain-text reason or a CMC response.
 */
export function certificatesOfEstResponse(exchange: EstExchange): X509Certificate[] {
  const { operation, response } = exchange;
  const context = { provider: 'est', operation, status: response.status };

  if (response.status === 202) throw pendingError(exchange);
  if (response.status < 200 || response.status >= 300) throw statusError(exchange);

  const mediaType = mediaTypeOf(response.headers);
  if (mediaType !== undefined && !PKCS7_MEDIA_TYPES.has(mediaType)) {
    throw new ProviderError(
      `provider 'est' ${operation} returned HTTP ${response.status} with Content-Type ${quoteHeaderValue(response.headers['content-type'], exchange.secretValues)} instead of application/pkcs7-mime; the body starts with ${bodyStart(response.body, exchange.secretValues)}. ` +
        `Check that ${exchange.url} is an EST server (rotation.provider.url and label)`,
      { context },
    );
  }

  try {
    return parseCertificates(certificateInputOf(response.body), `${operation} response of provider 'est' (${exchange.url})`);
  } catch (error) {
    if (!(error instanceof CertificateParseError)) throw error;
    throw new ProviderError(
      `provider 'est' ${operation} returned HTTP ${response.status} with a body that is not a PKCS#7 certs-only message: ${error.message}. Check the EST server's logs for this request`,
      { cause: error, context },
    );
  }
}

/**
 * Returns the certificates of `caCertificates` that chain the leaf up to a root, leaf side first.
 * /cacerts may return more, such as the certificates of a root key rollover, which are skipped
 * because storing them would give consumers an unordered chain.
 */
export function issuerChainOf(leaf: X509Certificate, caCertificates: readonly X509Certificate[], url: string): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current = leaf;

  for (let depth = 0; depth < caCertificates.length; depth += 1) {
    const issuer = caCertificates.find((candidate) => !chain.includes(candidate) && candidate !== current && isIssuedBy(current, candidate));
    if (issuer === undefined) break;
    chain.push(issuer);
    if (isSelfSigned(issuer)) break;
    current = issuer;
  }

  if (chain.length === 0) {
    throw new ProviderError(
      `provider 'est' cacerts (${url}) returned ${caCertificates.length} CA certificate(s), none of which issued ${describeCertificate(leaf)} (issuer "${formatName(leaf.issuer)}"); ` +
        'the EST server enrolls with a CA it does not publish: check its CA configuration or the label',
      { context: { provider: 'est', operation: 'cacerts' } },
    );
  }

  return chain;
}

/**
 * Parses Retry-After (RFC 9110 section 10.2.3): delay seconds or an HTTP date. Returns seconds,
 * or undefined when the header is absent or unreadable.
 */
export function retryAfterSeconds(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);

  return Number.isNaN(date) ? undefined : Math.max(0, Math.round((date - now) / 1000));
}

function pendingError(exchange: EstExchange): ProviderError {
  const seconds = retryAfterSeconds(exchange.response.headers['retry-after']);
  const wait = seconds === undefined ? 'without a Retry-After time' : `with Retry-After ${seconds} s`;

  // NOTE: RFC 7030 expects the client to repeat the same request, but a retried createSecret
  // generates a new key and CSR, so approving a queued request by hand never completes a rotation.
  return new ProviderError(
    `provider 'est' ${exchange.operation} returned HTTP 202: the EST server queued the CSR for approval ${wait} and issued no certificate. ` +
      'A later attempt succeeds only if the CA then issues without manual approval, because every attempt sends the CSR of a new key: configure the EST CA to issue these requests automatically',
    { retryable: true, context: { provider: 'est', operation: exchange.operation, status: 202 } },
  );
}

function statusError(exchange: EstExchange): ProviderError {
  const { operation, response } = exchange;
  const status = response.status;
  const retryable = isTransientHttpStatus(status);
  const detail = PKCS7_MEDIA_TYPES.has(mediaTypeOf(response.headers) ?? '')
    ? 'a CMC response (application/pkcs7-mime), which this client does not decode'
    : describeErrorBody(response.body, response.headers, exchange.secretValues);
  const verb = retryable ? 'failed with' : 'rejected the request with';

  return new ProviderError(`provider 'est' ${operation} ${verb} HTTP ${status}: ${detail}; ${statusHint(exchange)}`, {
    retryable,
    context: { provider: 'est', operation, status },
  });
}

function statusHint(exchange: EstExchange): string {
  const status = exchange.response.status;
  if (isTransientHttpStatus(status)) return 'the EST server reports a temporary failure, so a later attempt can succeed';
  if (status === 401 || status === 403) return exchange.authenticationHint;
  if (status === 404) return `check rotation.provider.url and label: ${exchange.url} does not exist on the EST server`;
  if (status >= 300 && status < 400) return `redirects are not followed: set rotation.provider.url to the final EST base URL (Location: ${describeLocation(exchange.response.headers, exchange.secretValues)})`;
  if (exchange.operation === 'simplereenroll') {
    return "the EST server refused the re-enrollment CSR; RFC 7030 section 4.2.2 requires its subject and subjectAltName to equal those of AWSCURRENT's certificate, so a changed rotation.subject needs a new enrollment";
  }

  return 'the EST server refused the CSR: check rotation.subject and subjectAltNames against what the CA allows';
}
