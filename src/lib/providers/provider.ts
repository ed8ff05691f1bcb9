import type { X509Certificate } from 'node:crypto';
import type { RotationConfig } from '../config/rotation-config.js';
import type { RotationLogger } from '../logger.js';
import type { RetryPolicy } from '../net/retry.js';

/** The certificate a secret contains now, for providers that authenticate renewals with it (EST, mTLS). */
export interface CurrentCredentials {
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
}

/** Services and state a provider may use beyond its configuration. */
export interface ProviderContext {
  /**
   * Reads the JSON credentials secret named by `provider.credentialsSecretId` with GetSecretValue
   * at the time of the request. Its values must never be logged or put in an error message.
   */
  loadCredentials(secretId: string): Promise<Record<string, unknown>>;
  /** AWSCURRENT's certificate and key; undefined for a bootstrap secret or an unreadable key. */
  current: CurrentCredentials | undefined;
  /**
   * Milliseconds left for the provider's requests, after the time the step keeps back for storing
   * the result; providers bound their waits by it.
   */
  remainingTimeMs(): number;
  logger: RotationLogger;
  /** Retry policy for the provider's HTTP calls; pass this context to sendHttpRequestWithRetry. */
  retryPolicy: RetryPolicy;
}

export interface IssueRequest {
  csrPem: string;
  config: RotationConfig;
  /** The rotation's ClientRequestToken: providers with idempotency tokens derive theirs from it. */
  clientRequestToken: string;
  context: ProviderContext;
}

export interface IssueResult {
  /** Every certificate the provider returned (leaf and chain, in any order); validation orders them. */
  certificates: X509Certificate[];
  /** Names the response in error messages, e.g. "response of provider 'cfssl'". */
  source: string;
}

export interface RevokeRequest {
  certificatePem: string;
  /** Canonical upper-case hex, as in CertificateSummary. */
  serialNumber: string;
  /** RFC 5280 CRLReason; rotation revokes only superseded certificates. */
  reason: 'superseded';
  config: RotationConfig;
  context: ProviderContext;
}

/**
 * A certificate authority API. `issue` turns a CSR into a certificate; `revoke`, where the CA
 * supports it, revokes a certificate that rotation replaced.
 */
export interface CertificateProvider {
  readonly type: string;
  issue(request: IssueRequest): Promise<IssueResult>;
  revoke?(request: RevokeRequest): Promise<void>;
}
