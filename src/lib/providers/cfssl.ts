import type { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { parseCertificates } from '../certificates/pem.js';
import type { CfsslProviderConfig } from './cfssl-config.js';
import { HttpRequestError, ProviderError } from '../errors.js';
import { sendHttpRequest } from '../net/http-request.js';
import type { CertificateProvider, IssueRequest, IssueResult } from './provider.js';


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

    const signed = await this.call('sign', this.config.url, { certificate_request: request.csrPem, ...selector });
    const info = await this.call('info', infoUrl(this.config.url), selector);

    const certificates: X509Certificate[] = [
      ...parseCertificates(signed.certificate, `certificate in the ${source}`),
      ...parseCertificates(info.certificate, `signer certificate from provider 'cfssl' info endpoint`),
    ];

    return { certificates, source };
  }

  private async call(operation: 'sign' | 'info', url: string, body: object): Promise<{ certificate: string }> {
    const context = { provider: 'cfssl', operation };
    let status: number;
    let text: string;
    try {
      const response = await sendHttpRequest({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        caCertificates: this.config.caCertificates,
        timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
      status = response.status;
      text = response.body.toString('utf8');
    } catch (error) {
      const retryable = error instanceof HttpRequestError ? error.retryable : true;
      throw new ProviderError(`provider 'cfssl' ${operation} request failed: ${(error as Error).message}`, { cause: error, retryable, context });
    }

    const envelope = parseEnvelope(text);
    if (envelope === undefined) {
      throw new ProviderError(
        `provider 'cfssl' ${operation} returned HTTP ${status} with a body that is not CFSSL's JSON envelope (starts with ${JSON.stringify(text.slice(0, 60))}); check that rotation.provider.url points at the CFSSL API`,
        { retryable: status >= 500, context: { ...context, status } },
      );
    }
    if (status >= 400 || !envelope.success) {
      const reasons = (envelope.errors ?? []).map((item) => `${item.code ?? '?'}: ${item.message ?? 'no message'}`).join('; ');
      throw new ProviderError(`provider 'cfssl' ${operation} rejected the request with HTTP ${status}: ${reasons || 'no error detail'}`, {
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

/** Derives the `info` endpoint from the configured `sign` endpoint, which the schema requires. */
function infoUrl(signUrl: string): string {
  const url = new URL(signUrl);
  url.pathname = url.pathname.replace(/\/sign$/, '/info');

  return url.toString();
}
