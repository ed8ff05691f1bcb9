import type { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { parseCertificates } from '../certificates/pem.js';
import { toColonHexSerial } from '../certificates/serial-format.js';
import type { RotationConfig } from '../config/rotation-config.js';
import { CertificateParseError, CredentialsError, HttpRequestError, ProviderError, TimeBudgetError } from '../errors.js';
import { redactSecrets } from '../net/credential-redaction.js';
import { isSendableHeaderValue } from '../net/http-request.js';
import { bodyStart, quoteResponseText } from '../net/response-summary.js';
import { isTransientHttpStatus, sendHttpRequestWithRetry } from '../net/retrying-request.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import type { CertificateProvider, IssueRequest, IssueResult, ProviderContext, RevokeRequest } from './provider.js';
import type { VaultProviderConfig } from './vault-config.js';

type VaultOperation = 'sign' | 'revoke';

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;
// An estimate well above the length of any Vault token, so a longer value is a misplaced document.
const MAX_TOKEN_LENGTH = 4096;

// Vault's response envelope (api-docs/secret/pki): results under `data`, errors as `{ "errors": [...] }`.
const vaultErrors = z.object({ errors: z.array(z.string()) });
const signResponse = z.object({
  data: z.object({
    certificate: z.string(),
    issuing_ca: z.string().optional(),
    ca_chain: z.array(z.string()).nullish(),
    serial_number: z.string().optional(),
  }),
  warnings: z.array(z.string()).nullish(),
});
const revokeResponse = z.object({ data: z.object({ revocation_time: z.number().optional() }).nullish() }).nullish();

/**
 * The PKI secrets engine of HashiCorp Vault or OpenBao: `POST /v1/<mount>/sign/<role>` signs the
 * CSR under the role's policy, and `POST /v1/<mount>/revoke` revokes by serial number. The token
 * comes from the credentials secret at each request and appears only in the X-Vault-Token header.
 */
export class VaultProvider implements CertificateProvider {
  readonly type = 'vault';

  constructor(private readonly config: VaultProviderConfig) {}

  async issue(request: IssueRequest): Promise<IssueResult> {
    const token = await this.loadToken(request.context);
    const { json, status, url } = await this.call('sign', `${this.config.mount}/sign/${this.config.role}`, signRequestBody(request, this.config.ttl), token, request.context);

    const parsed = signResponse.safeParse(json);
    if (!parsed.success) {
      throw new ProviderError(
        `provider 'vault' sign returned HTTP ${status} without data.certificate (${describeZodIssue(parsed.error)}): check that rotation.provider.url and mount name a PKI secrets engine`,
        { context: { provider: 'vault', operation: 'sign', status } },
      );
    }
    const { data, warnings } = parsed.data;
    if (warnings?.length) {
      const quoted = warnings.map((warning) => quoteResponseText(warning, [token]));
      request.context.logger.warn('Vault returned warnings with the signed certificate', { warnings: quoted });
    }

    const source = `response of provider 'vault' sign (HTTP ${status}, ${url})`;
    const certificates: X509Certificate[] = [
      ...readCertificates(data.certificate, `data.certificate in the ${source}`, status, token),
      ...(data.ca_chain?.length
        ? data.ca_chain.flatMap((pem, index) => readCertificates(pem, `data.ca_chain[${index}] in the ${source}`, status, token))
        : readCertificates(data.issuing_ca ?? '', `data.issuing_ca in the ${source}`, status, token)),
    ];

    return { certificates, source };
  }

  /** Revokes by serial number; Vault returns success for a certificate it has already revoked. */
  async revoke(request: RevokeRequest): Promise<void> {
    const token = await this.loadToken(request.context);
    const serialNumber = toColonHexSerial(request.serialNumber, this.type);
    const { json } = await this.call('revoke', `${this.config.mount}/revoke`, { serial_number: serialNumber }, token, request.context);

    const parsed = revokeResponse.safeParse(json);
    const revocationTime = parsed.success ? parsed.data?.data?.revocation_time : undefined;
    request.context.logger.info('Vault revoked the certificate', {
      serialNumber: request.serialNumber,
      revocationTime: revocationTime === undefined ? null : new Date(revocationTime * 1000).toISOString(),
    });
  }

  private async loadToken(context: ProviderContext): Promise<string> {
    const secretId = this.config.credentialsSecretId;
    const credentials = await context.loadCredentials(secretId);
    const token = credentials.token;
    if (typeof token !== 'string' || token.trim() === '') {
      throw new CredentialsError(`provider credentials secret ${secretId} has no "token" string: store {"token": "<Vault token>"} in it`);
    }
    if (token.length > MAX_TOKEN_LENGTH || /[\r\n\0]/.test(token)) {
      throw new CredentialsError(
        `provider credentials secret ${secretId} field "token" contains a line break or NUL, or is longer than ${MAX_TOKEN_LENGTH} characters, so it cannot be sent in the X-Vault-Token header`,
      );
    }
    // Node's HTTP client throws on such a value, which would otherwise surface as a retryable request failure.
    if (!isSendableHeaderValue(token.trim())) {
      throw new CredentialsError(
        `provider credentials secret ${secretId} field "token" contains a control character, DEL or a character above U+00FF, which the X-Vault-Token header cannot carry: store the Vault token as it was issued`,
      );
    }

    return token.trim();
  }

  private async call(
    operation: VaultOperation,
    path: string,
    body: object,
    token: string,
    context: ProviderContext,
  ): Promise<{ json: unknown; status: number; url: string }> {
    const url = `${this.config.url.replace(/\/+$/, '')}/v1/${path}`;
    const errorContext = { provider: 'vault', operation };

    let status: number;
    let text: string;
    try {
      // Transient failures are retried. A sign request whose response was lost is sent again, so
      // Vault may sign the CSR twice. Only one certificate is stored, and revoke is idempotent.
      const response = await sendHttpRequestWithRetry(
        {
          operation: `provider 'vault' ${operation}`,
          minAttemptMs: OPERATION_MIN_MS.certificateRequest,
          isTransientStatus: isRetryableStatus,
          url,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'x-vault-request': 'true',
            'x-vault-token': token,
            ...(this.config.namespace === undefined ? {} : { 'x-vault-namespace': this.config.namespace }),
          },
          body: JSON.stringify(body),
          caCertificates: this.config.caCertificates,
          timeoutMs: this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          maxResponseBytes: MAX_RESPONSE_BYTES,
        },
        context,
      );
      status = response.status;
      text = response.body.toString('utf8');
    } catch (error) {
      if (error instanceof TimeBudgetError) throw error;
      const retryable = error instanceof HttpRequestError ? error.retryable : true;
      throw new ProviderError(`provider 'vault' ${operation} request failed: ${(error as Error).message}`, { cause: error, retryable, context: errorContext });
    }

    const json = parseJson(text);
    if (status >= 400) {
      const reasons = vaultErrors.safeParse(json);
      // Vault's messages are quoted as untrusted text, with the token replaced in case one echoes it.
      const detail = reasons.success
        ? reasons.data.errors.map((reason) => quoteResponseText(reason.trim().replace(/\.$/, ''), [token])).join('; ') || 'no error detail'
        : `a body that is not Vault's error JSON (starts with ${bodyStart(Buffer.from(text), [token])})`;
      throw new ProviderError(`provider 'vault' ${operation} rejected the request with HTTP ${status}: ${detail}: ${this.adviceFor(operation, status, detail)}`, {
        retryable: isRetryableStatus(status),
        context: { ...errorContext, status },
      });
    }
    if (json === undefined && text.trim() !== '') {
      throw new ProviderError(
        `provider 'vault' ${operation} returned HTTP ${status} with a body that is not JSON (starts with ${bodyStart(Buffer.from(text), [token])}): check that rotation.provider.url is the Vault address`,
        { context: { ...errorContext, status } },
      );
    }

    return { json, status, url };
  }

  private adviceFor(operation: VaultOperation, status: number, detail: string): string {
    const { mount, role, namespace, credentialsSecretId } = this.config;
    const where = namespace === undefined ? '' : ` in namespace ${namespace}`;
    const path = operation === 'sign' ? `${mount}/sign/${role}` : `${mount}/revoke`;
    if (status === 401 || status === 403) {
      const namespaceHint = namespace === undefined ? ', or set rotation.provider.namespace if the mount lives in a Vault namespace' : '';

      return `check the token in credentials secret ${credentialsSecretId} and that its policy allows "update" on ${path}${where}${namespaceHint}`;
    }
    if (status === 404) return `check rotation.provider.mount "${mount}"${operation === 'sign' ? ` and role "${role}"` : ''}${where}`;
    if (isRetryableStatus(status)) return 'Vault is sealed, on standby, overloaded or rate-limiting: rotating again can succeed';
    if (operation === 'revoke') return `check that the certificate was issued by the ${mount} mount`;
    if (detail.startsWith('"unknown role')) return `check rotation.provider.role "${role}" against the roles of mount ${mount}${where}`;

    return `check rotation.subject, rotation.subjectAltNames and rotation.provider.ttl against the allowed names and max_ttl of role "${role}"`;
  }
}

/**
 * Builds the sign request: names as Vault's comma-separated lists (alt_names takes DNS names and
 * email addresses), the CSR in PEM, and PEM output so the response parses like every other provider's.
 */
function signRequestBody(request: IssueRequest, ttl: string | undefined): Record<string, string> {
  const config: RotationConfig = request.config;
  const names = config.subjectAltNames ?? {};
  const body: Record<string, string> = { csr: request.csrPem, common_name: config.subject.commonName, format: 'pem' };
  const altNames = [...(names.dns ?? []), ...(names.email ?? [])];
  if (altNames.length > 0) body.alt_names = altNames.join(',');
  if (names.ip?.length) body.ip_sans = names.ip.join(',');
  if (names.uri?.length) body.uri_sans = names.uri.join(',');
  if (ttl !== undefined) body.ttl = ttl;

  return body;
}

function readCertificates(pem: string, source: string, status: number, token: string): X509Certificate[] {
  try {
    return parseCertificates(pem, source);
  } catch (error) {
    if (!(error instanceof CertificateParseError)) throw error;
    throw new ProviderError(`provider 'vault' sign returned HTTP ${status} with an unusable certificate: ${redactSecrets(error.message, [token])}`, {
      cause: error,
      context: { provider: 'vault', operation: 'sign', status },
    });
  }
}

function isRetryableStatus(status: number): boolean {
  // 412: a performance standby has not yet caught up with the state the request needs.
  return status === 412 || isTransientHttpStatus(status);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeZodIssue(error: z.ZodError): string {
  const [issue] = error.issues;

  return issue === undefined ? 'unexpected shape' : `${issue.path.join('.') || 'body'}: ${issue.message}`;
}
