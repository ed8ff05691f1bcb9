import type { X509Certificate } from 'node:crypto';
import type { RotationConfig } from '../config/rotation-config.js';

export interface IssueRequest {
  csrPem: string;
  config: RotationConfig;
  /** The rotation's ClientRequestToken: providers with idempotency tokens derive theirs from it. */
  clientRequestToken: string;
}

export interface IssueResult {
  /** Every certificate the provider returned (leaf and chain, in any order); validation orders them. */
  certificates: X509Certificate[];
  /** Names the answer in error messages, e.g. "answer of provider 'cfssl'". */
  source: string;
}

export interface RegisterRequest {
  certificatePem: string;
  chainPem: string;
  config: RotationConfig;
}

/**
 * A certificate authority API. `issue` turns a CSR into a certificate; `register` tells a partner
 * about a new certificate in setSecret where the provider needs that.
 */
export interface CertificateProvider {
  readonly type: string;
  issue(request: IssueRequest): Promise<IssueResult>;
  register?(request: RegisterRequest): Promise<void>;
}
