import { createHash, type X509Certificate } from 'node:crypto';
import {
  ACMPCAClient,
  DescribeCertificateAuthorityCommand,
  IssueCertificateCommand,
  RevokeCertificateCommand,
  type GetCertificateCommandOutput,
  type SigningAlgorithm,
} from '@aws-sdk/client-acm-pca';
import { sdkRequestHandlerConfig, sdkRetryConfig } from '../aws/clients.js';
import { csrPublicKeyDer } from '../certificates/csr-public-key.js';
import { parseCertificates } from '../certificates/pem.js';
import { toColonHexSerial } from '../certificates/serial-format.js';
import { CertificateParseError, ProviderError } from '../errors.js';
import { OPERATION_MIN_MS, TimeBudget } from '../time-budget.js';
import { parseCertificateAuthorityArn, type AcmPcaProviderConfig } from './acm-pca-config.js';
import { acmPcaError, type AcmPcaOperation } from './acm-pca-errors.js';
import { HUNG_POLL_GRACE_MS, waitForIssuedCertificate } from './acm-pca-wait.js';
import type { CertificateProvider, IssueRequest, IssueResult, ProviderContext, RevokeRequest } from './provider.js';

// Upper bound of one API call, so a CA endpoint that stops responding cannot use up the step.
const CALL_TIMEOUT_MS = 15_000;
// AWS Private CA accepts idempotency tokens of 1 to 36 characters (IssueCertificate API reference).
const IDEMPOTENCY_TOKEN_LENGTH = 32;

/**
 * AWS Private CA: IssueCertificate with the CSR, then GetCertificate until the asynchronous
 * issuance completes. The idempotency token ties a retry of the same rotation and key to the
 * certificate requested first. createSecret keeps the key of a failed attempt in its execution
 * environment, so a retry there within AWS's five-minute token window collects that certificate
 * instead of issuing a second one.
 */
export class AcmPcaProvider implements CertificateProvider {
  readonly type = 'acm-pca';
  private client: ACMPCAClient | undefined;

  constructor(
    private readonly config: AcmPcaProviderConfig,
    private readonly environment: NodeJS.ProcessEnv = process.env,
  ) {}

  async issue(request: IssueRequest): Promise<IssueResult> {
    const { context } = request;
    const caArn = this.config.certificateAuthorityArn;
    const signingAlgorithm = this.config.signingAlgorithm ?? (await this.signingAlgorithmOfCa(context));
    const idempotencyToken = issuanceIdempotencyToken(request.clientRequestToken, request.csrPem);

    const issued = await this.call('IssueCertificate', context, (abortSignal) =>
      this.acmPca().send(
        new IssueCertificateCommand({
          CertificateAuthorityArn: caArn,
          Csr: Buffer.from(request.csrPem, 'utf8'),
          SigningAlgorithm: signingAlgorithm,
          TemplateArn: this.config.templateArn ?? defaultTemplateArn(caArn),
          Validity: { Type: 'DAYS', Value: this.config.validityDays },
          IdempotencyToken: idempotencyToken,
        }),
        { abortSignal },
      ),
    );
    const certificateArn = issued.CertificateArn;
    if (certificateArn === undefined || certificateArn === '') {
      const status = issued.$metadata.httpStatusCode ?? 200;
      throw new ProviderError(
        `provider 'acm-pca' IssueCertificate returned HTTP ${status} without a CertificateArn: check that AWS_ENDPOINT_URL_ACM_PCA, if set, names an AWS Private CA endpoint`,
        { context: { provider: 'acm-pca', operation: 'IssueCertificate', status } },
      );
    }
    context.logger.info('AWS Private CA accepted the certificate request', { certificateArn, idempotencyToken, signingAlgorithm });

    const maxWaitSeconds = Math.floor((context.remainingTimeMs() - HUNG_POLL_GRACE_MS) / 1000);
    const waited = await waitForIssuedCertificate(this.acmPca(), { CertificateAuthorityArn: caArn, CertificateArn: certificateArn }, maxWaitSeconds);
    if (waited.state === 'failed') throw acmPcaError('GetCertificate', waited.error, caArn);
    if (waited.state === 'in-progress') {
      throw new ProviderError(
        `provider 'acm-pca' GetCertificate still returned RequestInProgressException for ${certificateArn}, or did not respond, when the step's time ran out. ` +
          'The request stays in progress at the CA: a retry of createSecret within five minutes in the same Lambda execution environment ' +
          'collects this certificate with the same key and IdempotencyToken, and a retry elsewhere requests a new one',
        { retryable: true, context: { provider: 'acm-pca', operation: 'GetCertificate' } },
      );
    }

    return { certificates: this.readResponse(waited.output, certificateArn), source: `response of provider 'acm-pca' (${certificateArn})` };
  }

  /** Revokes with reason SUPERSEDED; a certificate that is already revoked counts as revoked. */
  async revoke(request: RevokeRequest): Promise<void> {
    // Formatted outside `call`, which would report a serial the CA cannot take as a failed API call.
    const certificateSerial = toColonHexSerial(request.serialNumber, this.type);
    const revoked = await this.call('RevokeCertificate', request.context, async (abortSignal) => {
      try {
        await this.acmPca().send(
          new RevokeCertificateCommand({
            CertificateAuthorityArn: this.config.certificateAuthorityArn,
            CertificateSerial: certificateSerial,
            RevocationReason: 'SUPERSEDED',
          }),
          { abortSignal },
        );

        return true;
      } catch (error) {
        if ((error as Error).name === 'RequestAlreadyProcessedException') return false;
        throw error;
      }
    });
    if (!revoked) request.context.logger.info('AWS Private CA had already revoked the certificate', { serialNumber: request.serialNumber });
  }

  /** Picks the signing algorithm that matches the CA key, because IssueCertificate requires one. */
  private async signingAlgorithmOfCa(context: ProviderContext): Promise<SigningAlgorithm> {
    const caArn = this.config.certificateAuthorityArn;
    const described = await this.call('DescribeCertificateAuthority', context, (abortSignal) =>
      this.acmPca().send(new DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: caArn }), { abortSignal }),
    );
    const authority = described.CertificateAuthority;
    const status = authority?.Status;
    if (status !== undefined && status !== 'ACTIVE') {
      throw new ProviderError(`provider 'acm-pca' DescribeCertificateAuthority reports ${caArn} as ${status}, but only an ACTIVE CA issues certificates: activate the CA or set rotation.provider.certificateAuthorityArn to an ACTIVE one`, {
        retryable: status === 'CREATING',
        context: { provider: 'acm-pca', operation: 'DescribeCertificateAuthority' },
      });
    }

    const keyAlgorithm = authority?.CertificateAuthorityConfiguration?.KeyAlgorithm ?? '';
    if (keyAlgorithm.startsWith('EC_')) return 'SHA256WITHECDSA';
    if (keyAlgorithm.startsWith('RSA_')) return 'SHA256WITHRSA';

    throw new ProviderError(
      `provider 'acm-pca' DescribeCertificateAuthority reports key algorithm ${JSON.stringify(keyAlgorithm)} for ${caArn}, for which no default signing algorithm is known: set rotation.provider.signingAlgorithm`,
      { context: { provider: 'acm-pca', operation: 'DescribeCertificateAuthority' } },
    );
  }

  private readResponse(output: GetCertificateCommandOutput, certificateArn: string): X509Certificate[] {
    const { Certificate: certificate, CertificateChain: chain } = output;
    const status = output.$metadata.httpStatusCode ?? 200;
    if (certificate === undefined || certificate.trim() === '') {
      throw new ProviderError(`provider 'acm-pca' GetCertificate returned HTTP ${status} without a Certificate for ${certificateArn}`, {
        context: { provider: 'acm-pca', operation: 'GetCertificate', status },
      });
    }
    const source = `GetCertificate response of provider 'acm-pca' for ${certificateArn}`;
    try {
      return [
        ...parseCertificates(certificate, `Certificate in the ${source}`),
        ...(chain?.trim() ? parseCertificates(chain, `CertificateChain in the ${source}`) : []),
      ];
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      throw new ProviderError(`provider 'acm-pca' GetCertificate returned HTTP ${status} with an unusable certificate: ${error.message}`, {
        cause: error,
        context: { provider: 'acm-pca', operation: 'GetCertificate', status },
      });
    }
  }

  /**
   * Sends one call, cut off at CALL_TIMEOUT_MS or the time left. With less time left than a CA
   * request needs, it throws TimeBudgetError before sending, so the retry of the step starts afresh.
   */
  private async call<T>(operation: AcmPcaOperation, context: ProviderContext, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const budget = new TimeBudget(() => context.remainingTimeMs(), 0);
    const timeoutMs = budget.timeoutFor(`provider 'acm-pca' ${operation}`, CALL_TIMEOUT_MS, OPERATION_MIN_MS.certificateRequest);
    try {
      return await send(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      throw acmPcaError(operation, error, this.config.certificateAuthorityArn);
    }
  }

  /**
   * Creates the SDK client on first use, for the CA's region. It has no explicit endpoint, so
   * `AWS_ENDPOINT_URL_ACM_PCA` or `AWS_ENDPOINT_URL` redirect it, as they do every AWS SDK client.
   */
  private acmPca(): ACMPCAClient {
    this.client ??= new ACMPCAClient({
      region: parseCertificateAuthorityArn(this.config.certificateAuthorityArn).region,
      ...sdkRetryConfig(this.environment),
      requestHandler: sdkRequestHandlerConfig(),
    });

    return this.client;
  }
}

/**
 * Derives IssueCertificate's IdempotencyToken from the rotation's ClientRequestToken and the CSR's
 * public key. A retry with the same key gets the certificate requested first. A retry that had to
 * generate a new key gets a new certificate instead of one for the old key.
 */
export function issuanceIdempotencyToken(clientRequestToken: string, csrPem: string): string {
  return createHash('sha256')
    .update(clientRequestToken)
    .update('\n')
    .update(csrPublicKeyDer(csrPem))
    .digest('hex')
    .slice(0, IDEMPOTENCY_TOKEN_LENGTH);
}

/** EndEntityClientAuthCertificate/V1 in the CA's partition: a leaf with clientAuth, as mTLS clients need. */
function defaultTemplateArn(certificateAuthorityArn: string): string {
  return `arn:${parseCertificateAuthorityArn(certificateAuthorityArn).partition}:acm-pca:::template/EndEntityClientAuthCertificate/V1`;
}
