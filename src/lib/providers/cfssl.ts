import type { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { parseCertificates } from '../certificates/pem.js';
import { authenticateCfsslRequest, cfsslAuthKeyOf } from './cfssl-auth.js';
import type { CfsslProviderConfig } from './cfssl-config.js';
import { quoteUntrusted } from '../untrusted-text.js';
import { HttpRequestError, ProviderError, TimeBudgetError } from '../errors.js';
import { sendHttpRequestWithRetry } from '../net/retrying-request.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import type { CertificateProvider, IssueRequest, IssueResult, ProviderContext } from './provider.js';


const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;

// CFSSL's API envelope (cfssl doc/api/intro.txt), which every endpoint returns.
const cfsslEnvelope = z.object({
  success: z.boolean(),
  result: z.unknown().optional(),
  errors: z.array(z.object({ code: z.number().optional(), message: z.string().optional() })).nullish(),
});
const certificateResult = z.object({ certificate: z.string().min(1) });

/**
 * CloudFlare CFSSL: `sign` issues the leaf, and `info` supplies the signer's certificate, because
 * `sign` usually returns the leaf alone and consumers need the intermediate.
 */
export class CfsslProvider implements CertificateProvider {
  readonly type = 'cfssl';

  constructor(private readonly config: CfsslProviderConfig) {}

  async issue(request: IssueRequest): Promise<IssueResult> {
    const source = `response of provider 'cfssl' (${this.config.url})`;
    const selector = { profile: this.config.profile, label: this.config.label };

    const signRequest = { certificate_request: request.csrPem, ...selector };
    const secretId = this.config.credentialsSecretId;
    let signed: { certificate: string };
    if (secretId === undefined) {
      signed = await this.call('sign', this.config.url, signRequest, request.context);
    } else {
      const key = cfsslAuthKeyOf(await request.context.loadCredentials(secretId), secretId);
      signed = await this.call('authsign', authsignUrl(this.config.url), authenticateCfsslRequest(key, signRequest), request.context);
    }
    const info = await this.call('info', infoUrl(this.config.url), selector, request.context);

    const certificates: X509Certificate[] = [
      ...parseCertificates(signed.certificate, `certificate in the ${source}`),
      ...parseCertificates(info.certificate, `signer certificate from provider 'cfssl' info endpoint`),
    ];

    return { certificates, source };
  }

  private async call(operation: 'sign' | 'authsign' | 'info', url: string, body: object, providerContext: ProviderContext): Promise<{ certificate: string }> {
    const context = { provider: 'cfssl', operation };
    let status: number;
    let text: string;
    try {
      // Transient failures are retried. A sign request whose response was lost is sent again with the same CSR,
      // so the CA may issue a second certificate for the same key. Only one of them is stored.
      const response = await sendHttpRequestWithRetry(
        {
          operation: `provider 'cfssl' ${operation}`,
          minAttemptMs: OPERATION_MIN_MS.certificateRequest,
          url,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          caCertificates: this.config.caCertificates,
          timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          maxResponseBytes: MAX_RESPONSE_BYTES,
        },
        providerContext,
      );
      status = response.status;
      text = response.body.toString('utf8');
    } catch (error) {
      if (error instanceof TimeBudgetError) throw error;
      const retryable = error instanceof HttpRequestError ? error.retryable : true;
      throw new ProviderError(`provider 'cfssl' ${operation} request failed: ${(error as Error).message}`, { cause: error, retryable, context });
    }

    const envelope = parseEnvelope(text);
    if (envelope === undefined) {
      throw new ProviderError(
        `provider 'cfssl' ${operation} returned HTTP ${status} with a body that is not CFSSL's JSON envelope (starts with ${quoteUntrusted(text.slice(0, 60))}); check that rotation.provider.url points at the CFSSL API` +
          (status === 404 && operation === 'sign' ? ', or set credentialsSecretId when every signing profile has an auth_key, since cfssl serve then offers only authsign' : ''),
        { retryable: status >= 500, context: { ...context, status } },
      );
    }
    if (status >= 400 || !envelope.success) {
      const reasons = (envelope.errors ?? []).map((item) => `${item.code ?? '?'}: ${quoteUntrusted(item.message ?? 'no message')}`).join('; ');
      // CFSSL returns HTTP 400 "invalid token" for a wrong token, as for any other bad request.
      const keyHint =
        operation === 'authsign'
          ? `; if CFSSL reports an invalid token, the key in credentials secret ${this.config.credentialsSecretId ?? ''} is not the auth_key of the signing profile`
          : '';
      throw new ProviderError(`provider 'cfssl' ${operation} rejected the request with HTTP ${status}: ${reasons || 'no error detail'}${keyHint}`, {
        retryable: status >= 500 || status === 429,
        context: { ...context, status },
      });
    }

    const result = certificateResult.safeParse(envelope.result);
    if (!result.success) {
      throw new ProviderError(`provider 'cfssl' ${operation} response has no result.certificate: check that rotation.provider.url points at the CFSSL API`, { context: { ...context, status } });
    }

    return result.data;
  }
}

function parseEnvelope(text: string): z.infer<typeof cfsslEnvelope> | undefined {
  try {
    const parsed = cfsslEnvelope.safeParse(JSON.parse(text));

    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Derives the `authsign` endpoint (cfssl doc/api/endpoint_authsign.txt) from the configured `sign` endpoint. */
function authsignUrl(signUrl: string): string {
  const url = new URL(signUrl);
  url.pathname = url.pathname.replace(/\/sign$/, '/authsign');

  return url.toString();
}

/** Derives the `info` endpoint from the configured `sign` endpoint, which the schema requires. */
function infoUrl(signUrl: string): string {
  const url = new URL(signUrl);
  url.pathname = url.pathname.replace(/\/sign$/, '/info');

  return url.toString();
}
