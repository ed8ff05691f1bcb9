import { ProviderError } from '../errors.js';
import { quoteUntrusted } from '../untrusted-text.js';

/** The AWS Private CA operations the provider calls; each is also the IAM action `acm-pca:<operation>`. */
export type AcmPcaOperation = 'DescribeCertificateAuthority' | 'IssueCertificate' | 'GetCertificate' | 'RevokeCertificate';

// Exceptions after which a later attempt can succeed without a change to the configuration.
const RETRYABLE_EXCEPTIONS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestInProgressException',
  'ConcurrentModificationException',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'AbortError',
]);

/**
 * Wraps an AWS SDK failure of an AWS Private CA call in a ProviderError whose message names the
 * operation, the exception and the HTTP status, and ends with what to check.
 */
export function acmPcaError(operation: AcmPcaOperation, error: unknown, certificateAuthorityArn: string): ProviderError {
  const name = (error as Error | undefined)?.name ?? 'Error';
  // The message comes from the endpoint, so it is quoted as untrusted text, without AWS's final full stop.
  const detail = quoteUntrusted(((error as Error | undefined)?.message ?? String(error)).trim().replace(/\.$/, ''));
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  // No HTTP status means the request never got a response: connection refused, reset or timed out.
  const retryable = RETRYABLE_EXCEPTIONS.has(name) || status === undefined || status >= 500;
  const exception = status === undefined ? name : `${name} (HTTP ${status})`;

  return new ProviderError(
    `provider 'acm-pca' ${operation} failed with ${exception}: ${detail}: ${adviceFor(name, operation, certificateAuthorityArn, retryable)}`,
    { cause: error, retryable, context: { provider: 'acm-pca', operation, ...(status === undefined ? {} : { status }) } },
  );
}

function adviceFor(name: string, operation: AcmPcaOperation, certificateAuthorityArn: string, retryable: boolean): string {
  switch (name) {
    case 'AccessDeniedException':
      return `allow the rotation function's role acm-pca:${operation} on ${certificateAuthorityArn}`;
    case 'MalformedCSRException':
      return 'the CA rejected the CSR: check that rotation.key and rotation.subject meet the requirements of the CA and its template';
    case 'InvalidArnException':
    case 'ResourceNotFoundException':
      return 'check rotation.provider.certificateAuthorityArn and templateArn, and that the CA belongs to or is shared with this account';
    case 'InvalidStateException':
      return `the CA is not ACTIVE: check its status with aws acm-pca describe-certificate-authority --certificate-authority-arn ${certificateAuthorityArn}`;
    case 'InvalidArgsException':
    case 'InvalidRequestException':
    case 'ValidationException':
      return 'check rotation.provider.validityDays, signingAlgorithm and templateArn against the CA, whose validity must outlast the certificate';
    case 'LimitExceededException':
      return 'an AWS Private CA quota was reached: request an increase in Service Quotas';
    case 'RequestFailedException':
      return 'the CA could not issue the certificate: look up the reason in CloudTrail or the CA audit report';
    default:
      return retryable
        ? 'rotating again can succeed; if the failure persists, check network access to the AWS Private CA endpoint'
        : 'check rotation.provider against the CA configuration';
  }
}
