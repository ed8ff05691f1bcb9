import type { X509Certificate } from 'node:crypto';
import { parseCertificates } from '../certificates/pem.js';
import { notAfter, notBefore } from '../certificates/summary.js';
import { HttpRequestError, ProviderError, TimeBudgetError } from '../errors.js';
import type { HttpRequestOptions, HttpResponse } from '../net/http-request.js';
import { transportHint } from '../net/response-summary.js';
import { basicAuth } from '../net/request-auth.js';
import { sendHttpRequestWithRetry } from '../net/retrying-request.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import { estOperationUrl, type EstOperation, type EstProviderConfig } from './est-config.js';
import { certificatesOfEstResponse, issuerChainOf } from './est-response.js';
import type { CertificateProvider, CurrentCredentials, IssueRequest, IssueResult, ProviderContext } from './provider.js';

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;
const USER_AGENT = 'mtls-cert-rotator/est';

interface PreparedEnrollment {
  operation: 'simpleenroll' | 'simplereenroll';
  headers: Record<string, string>;
  clientCertificate: HttpRequestOptions['clientCertificate'];
  secretValues: string[];
  authenticationHint: string;
}

/**
 * Enrollment over Secure Transport (RFC 7030). The first certificate comes from simpleenroll, with
 * HTTP Basic authentication when `credentialsSecretId` is set. Later ones come from simplereenroll,
 * authenticated by AWSCURRENT's certificate in the TLS handshake. When the response contains the
 * leaf alone, the chain comes from /cacerts.
 */
export class EstProvider implements CertificateProvider {
  readonly type = 'est';

  constructor(private readonly config: EstProviderConfig) {}

  async issue(request: IssueRequest): Promise<IssueResult> {
    const { context } = request;
    const enrollment = await this.prepareEnrollment(context);
    const url = estOperationUrl(this.config, enrollment.operation);
    context.logger.info('sending EST enrollment', { provider: 'est', operation: enrollment.operation, url });

    const response = await this.send(enrollment.operation, context, {
      url,
      method: 'POST',
      headers: {
        ...enrollment.headers,
        // RFC 7030 section 4.2.1 specifies a base64 PKCS#10 request with this Content-Transfer-Encoding.
        // Its errata 5107 notes that HTTP does not use the header. It is sent anyway, because the RFC's text requires it.
        'content-type': 'application/pkcs10',
        'content-transfer-encoding': 'base64',
        accept: 'application/pkcs7-mime',
        'user-agent': USER_AGENT,
      },
      body: csrAsBase64Der(request.csrPem),
      clientCertificate: enrollment.clientCertificate,
    });
    const { operation, secretValues, authenticationHint } = enrollment;
    const enrolled = certificatesOfEstResponse({ operation, url, response, secretValues, authenticationHint });

    const source = `response of provider 'est' (${url})`;
    if (enrolled.length > 1) return { certificates: enrolled, source };

    const [leaf] = enrolled as [X509Certificate];
    const chain = issuerChainOf(leaf, await this.fetchCaCertificates(context), estOperationUrl(this.config, 'cacerts'));

    return { certificates: [leaf, ...chain], source: `${source} with the chain from /cacerts` };
  }

  /** Fetches the CA certificates with GET /cacerts, without client authentication. */
  private async fetchCaCertificates(context: ProviderContext): Promise<X509Certificate[]> {
    const url = estOperationUrl(this.config, 'cacerts');
    const response = await this.send('cacerts', context, { url, method: 'GET', headers: { accept: 'application/pkcs7-mime', 'user-agent': USER_AGENT } });

    return certificatesOfEstResponse({
      operation: 'cacerts',
      url,
      response,
      secretValues: [],
      authenticationHint: 'the EST server requires authentication for /cacerts, which this client fetches anonymously: allow anonymous access to /cacerts',
    });
  }

  /**
   * Chooses simplereenroll when AWSCURRENT contains a certificate that is valid now, since only such a
   * certificate can authenticate the TLS handshake, and simpleenroll otherwise.
   */
  private async prepareEnrollment(context: ProviderContext): Promise<PreparedEnrollment> {
    const current = usableCurrentCertificate(context);
    if (current !== undefined) {
      if (new URL(this.config.url).protocol !== 'https:') {
        throw new ProviderError(
          "provider 'est' simplereenroll authenticates with AWSCURRENT's certificate in the TLS handshake, which plain http cannot carry: use an https rotation.provider.url",
          { context: { provider: 'est', operation: 'simplereenroll' } },
        );
      }

      return {
        operation: 'simplereenroll',
        headers: {},
        clientCertificate: { certificatePem: current.certificatePem + current.chainPem, privateKeyPem: current.privateKeyPem },
        secretValues: [],
        authenticationHint:
          "the EST server did not accept AWSCURRENT's certificate as client authentication: check that it trusts the CA that issued that certificate. " +
          'A certificate from another CA, for example after a change of provider, cannot re-enroll',
      };
    }

    const secretId = this.config.credentialsSecretId;
    if (secretId === undefined) {
      return {
        operation: 'simpleenroll',
        headers: {},
        clientCertificate: undefined,
        secretValues: [],
        authenticationHint: 'the EST server requires authentication for simpleenroll: set rotation.provider.credentialsSecretId to a secret {"username", "password"}',
      };
    }
    const basic = basicAuth(await context.loadCredentials(secretId), secretId);

    return {
      operation: 'simpleenroll',
      headers: basic.headers,
      clientCertificate: undefined,
      secretValues: basic.secretValues,
      authenticationHint: `the EST server refused ${basic.description}: check username and password in that secret`,
    };
  }

  /** Sends one EST request; transient failures (connection, 408, 429, 5xx) are retried within the time budget. */
  private async send(operation: EstOperation, context: ProviderContext, options: Omit<HttpRequestOptions, 'timeoutMs' | 'maxResponseBytes' | 'caCertificates'>): Promise<HttpResponse> {
    try {
      return await sendHttpRequestWithRetry(
        {
          ...options,
          operation: `provider 'est' ${operation}`,
          minAttemptMs: OPERATION_MIN_MS.certificateRequest,
          caCertificates: this.config.caCertificates,
          timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          maxResponseBytes: MAX_RESPONSE_BYTES,
        },
        context,
      );
    } catch (error) {
      if (error instanceof TimeBudgetError) throw error;
      const retryable = error instanceof HttpRequestError ? error.retryable : true;
      throw new ProviderError(`provider 'est' ${operation} request failed: ${(error as Error).message}${transportHint(error, 'rotation.provider.url')}`, {
        cause: error,
        retryable,
        context: { provider: 'est', operation },
      });
    }
  }
}

/** Returns AWSCURRENT when its certificate is valid now, logging why it is skipped otherwise. */
function usableCurrentCertificate(context: ProviderContext): CurrentCredentials | undefined {
  const current = context.current;
  if (current === undefined) return undefined;

  const [leaf] = parseCertificates(current.certificatePem, 'AWSCURRENT field certificate');
  const now = Date.now();
  if (leaf === undefined || notAfter(leaf).getTime() <= now || notBefore(leaf).getTime() > now) {
    context.logger.warn("AWSCURRENT's certificate is not valid now, so it cannot authenticate simplereenroll; sending simpleenroll instead", {
      provider: 'est',
      notAfter: leaf === undefined ? null : notAfter(leaf).toISOString(),
    });

    return undefined;
  }

  return current;
}

/** Returns the DER of a PEM CSR in base64, in lines of 64 characters as RFC 2045 base64 allows. */
function csrAsBase64Der(csrPem: string): string {
  const body = csrPem.replace(/-----(BEGIN|END) CERTIFICATE REQUEST-----/g, '').replace(/\s+/g, '');

  return `${body.replace(/(.{64})/g, '$1\r\n').replace(/\r\n$/, '')}\r\n`;
}
