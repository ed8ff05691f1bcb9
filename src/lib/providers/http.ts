import type { X509Certificate } from 'node:crypto';
import { parseCertificates } from '../certificates/pem.js';
import { CertificateParseError, HttpRequestError, ProviderError, TimeBudgetError } from '../errors.js';
import { jsonStringContent, renderBodyTemplate } from '../net/body-template.js';
import { bodyStart, certificateInputOf, describeErrorBody, describeLocation, quoteHeaderValue, transportHint } from '../net/response-summary.js';
import type { HttpResponse } from '../net/http-request.js';
import { parseJsonPath, readJsonPath } from '../net/json-path.js';
import { resolveRequestAuth, type ResolvedAuth } from '../net/request-auth.js';
import { isTransientHttpStatus, sendHttpRequestWithRetry } from '../net/retrying-request.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import type { HttpProviderConfig } from './http-config.js';
import type { CertificateProvider, IssueRequest, IssueResult } from './provider.js';

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;
const OPERATION = 'issue';
const CONTEXT = { provider: 'http', operation: OPERATION } as const;

/**
 * A CA behind its own REST API: the CSR goes into a configured body template, and the certificate
 * and chain come back as PEM, or as JSON at configured paths.
 */
export class HttpProvider implements CertificateProvider {
  readonly type = 'http';

  constructor(private readonly config: HttpProviderConfig) {}

  async issue(request: IssueRequest): Promise<IssueResult> {
    const { context } = request;
    const auth = await resolveRequestAuth(
      this.config.auth,
      context,
      () =>
        new ProviderError(
          "provider 'http' auth type mtls authenticates with AWSCURRENT's certificate, but the secret contains none yet: issue the first certificate with another auth type, or store a certificate the CA accepts in the secret first",
          { context: CONTEXT },
        ),
    );
    const url = this.config.url;
    context.logger.info('sending certificate request', { provider: 'http', method: this.config.method, url, auth: auth.description });

    const response = await this.send(request, auth);
    if (response.status < 200 || response.status >= 300) throw this.statusError(response, auth);

    const source = `response of provider 'http' (${url})`;

    return { certificates: this.certificatesOf(response, auth, source), source };
  }

  private async send(request: IssueRequest, auth: ResolvedAuth): Promise<HttpResponse> {
    const csrBase64Der = request.csrPem.replace(/-----(BEGIN|END) CERTIFICATE REQUEST-----/g, '').replace(/\s+/g, '');
    const commonName = request.config.subject.commonName;
    const body = renderBodyTemplate(this.config.body, {
      csrPem: request.csrPem,
      csrPemJson: jsonStringContent(request.csrPem),
      csrBase64Der,
      commonName,
      commonNameJson: jsonStringContent(commonName),
    });
    const accept = this.config.response.format === 'json' ? 'application/json' : 'application/pem-certificate-chain, application/x-pem-file, text/plain;q=0.9, */*;q=0.8';

    try {
      // Transient failures (connection, 408, 429, 5xx) are retried within the time budget.
      return await sendHttpRequestWithRetry(
        {
          operation: `provider 'http' ${OPERATION}`,
          minAttemptMs: OPERATION_MIN_MS.certificateRequest,
          url: this.config.url,
          method: this.config.method,
          // Configured headers first, so they cannot replace the authentication.
          headers: { ...this.config.headers, 'content-type': this.config.contentType, accept, 'user-agent': 'mtls-cert-rotator/http', ...auth.headers },
          body,
          caCertificates: this.config.caCertificates,
          clientCertificate: auth.clientCertificate,
          timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          maxResponseBytes: MAX_RESPONSE_BYTES,
        },
        request.context,
      );
    } catch (error) {
      if (error instanceof TimeBudgetError) throw error;
      const retryable = error instanceof HttpRequestError ? error.retryable : true;
      throw new ProviderError(`provider 'http' ${OPERATION} request failed: ${(error as Error).message}${transportHint(error, 'rotation.provider.url')}`, {
        cause: error,
        retryable,
        context: CONTEXT,
      });
    }
  }

  private statusError(response: HttpResponse, auth: ResolvedAuth): ProviderError {
    const status = response.status;
    const retryable = isTransientHttpStatus(status);
    const detail = describeErrorBody(response.body, response.headers, auth.secretValues);
    let hint: string;
    if (retryable) hint = 'the CA reports a temporary failure, so a later attempt can succeed';
    else if (status === 401 || status === 403) hint = `the CA refused ${auth.description}: check the credentials and what they are allowed to do`;
    else if (status === 404 || status === 405) hint = `check rotation.provider.url and method (${this.config.method} ${this.config.url})`;
    else if (status >= 300 && status < 400) hint = `redirects are not followed: set rotation.provider.url to the final URL (Location: ${describeLocation(response.headers, auth.secretValues)})`;
    else hint = 'the CA refused the request: check rotation.provider.body and the subject against what the CA allows';

    return new ProviderError(`provider 'http' ${OPERATION} ${retryable ? 'failed with' : 'rejected the request with'} HTTP ${status}: ${detail}; ${hint}`, {
      retryable,
      context: { ...CONTEXT, status },
    });
  }

  private certificatesOf(response: HttpResponse, auth: ResolvedAuth, source: string): X509Certificate[] {
    const context = { ...CONTEXT, status: response.status };
    const format = this.config.response;
    const describeStart = () => `Content-Type ${quoteHeaderValue(response.headers['content-type'], auth.secretValues) || 'not set'}, body starts with ${bodyStart(response.body, auth.secretValues)}`;

    if (format.format === 'pem') {
      return parseOrThrow(() => parseCertificates(certificateInputOf(response.body), source), response.status, 'response.format is "pem"', context, describeStart);
    }

    let document: unknown;
    try {
      document = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new ProviderError(
        `provider 'http' ${OPERATION} returned HTTP ${response.status} with a body that is not JSON (${describeStart()}); response.format is "json": check rotation.provider.url and response`,
        { context },
      );
    }

    const parseValues = (values: string[], offset: number) =>
      values.flatMap((value, index) =>
        parseOrThrow(() => parseCertificates(value, `${source}, value ${offset + index + 1}`), response.status, 'the configured paths hold no certificate', context, describeStart),
      );
    // The certificate is read and parsed before the chain, so a bad certificate is the error reported first.
    const certificates = valuesAt(document, format.certificatePath, 'certificatePath', response.status, true) as string[];
    const leafCertificates = parseValues(certificates, 0);
    const chain = format.chainPath === undefined ? [] : (valuesAt(document, format.chainPath, 'chainPath', response.status, false) ?? []);

    return [...leafCertificates, ...parseValues(chain, certificates.length)];
  }
}

/** Returns the strings at a configured path: one string, or an array of them. */
function valuesAt(document: unknown, path: string, field: string, status: number, required: boolean): string[] | undefined {
  const context = { ...CONTEXT, status };
  const lookup = readJsonPath(document, parseJsonPath(path) ?? []);
  // A configured chainPath that is absent is a wrong path, not an empty chain: only null or [] mean no chain.
  if (!lookup.found) {
    throw new ProviderError(
      `provider 'http' ${OPERATION} returned HTTP ${status} JSON without a value at response.${field} "${path}": the response ends at ${lookup.missingAt}${keysAt(document, lookup.missingAt)}; fix rotation.provider.response.${field}`,
      { context },
    );
  }

  const value = lookup.value;
  if (typeof value === 'string' && value.trim() !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item.trim() !== '')) return value as string[];
  if (!required && (value === null || (Array.isArray(value) && value.length === 0))) return [];

  throw new ProviderError(
    `provider 'http' ${OPERATION} returned HTTP ${status} JSON whose value at response.${field} "${path}" is ${describeJsonValue(value)}, expected a PEM or base64 DER string or an array of them`,
    { context },
  );
}

function parseOrThrow(
  parse: () => X509Certificate[],
  status: number,
  expectation: string,
  context: { provider: string; operation: string; status: number },
  describeStart: () => string,
): X509Certificate[] {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof CertificateParseError)) throw error;
    throw new ProviderError(
      `provider 'http' ${OPERATION} returned HTTP ${status} without a usable certificate (${expectation}): ${error.message} (${describeStart()}); check rotation.provider.response`,
      { cause: error, context },
    );
  }
}

function keysAt(document: unknown, missingAt: string): string {
  const lookup = missingAt === '(top level)' ? { found: true as const, value: document } : readJsonPath(document, parseJsonPath(missingAt) ?? []);
  if (!lookup.found || typeof lookup.value !== 'object' || lookup.value === null || Array.isArray(lookup.value)) return '';
  const keys = Object.keys(lookup.value).slice(0, 10);

  return keys.length === 0 ? ', an empty object' : `, which has the keys ${keys.map((key) => JSON.stringify(key)).join(', ')}`;
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array with a non-string or empty item';
  if (typeof value === 'string') return 'an empty string';

  return `a ${typeof value}`;
}
