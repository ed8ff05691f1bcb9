import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { AwsServiceError } from '../aws/service-error.js';
import { certificateChainPem, InvalidCsrError, issueFromCsr, type CertificateAuthority, type ExtendedKeyUsageName } from '../pki/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// AWS Private CA treats a repeated IdempotencyToken as the same request for five minutes.
const IDEMPOTENCY_WINDOW_MS = 5 * 60 * 1000;
const LEAF_BACKDATE_MS = 5 * 60 * 1000;

// Extended key usages of the AWS Private CA end-entity templates that the stand-in implements.
const TEMPLATE_USAGES: Record<string, ExtendedKeyUsageName[]> = {
  EndEntityCertificate: ['serverAuth', 'clientAuth'],
  EndEntityClientAuthCertificate: ['clientAuth'],
  EndEntityServerAuthCertificate: ['serverAuth'],
};
const REVOCATION_REASONS = new Set([
  'UNSPECIFIED',
  'KEY_COMPROMISE',
  'CERTIFICATE_AUTHORITY_COMPROMISE',
  'AFFILIATION_CHANGED',
  'SUPERSEDED',
  'CESSATION_OF_OPERATION',
  'PRIVILEGE_WITHDRAWN',
  'A_A_COMPROMISE',
]);

export type AcmPcaKeyAlgorithm = 'EC_prime256v1' | 'EC_secp384r1' | 'RSA_2048' | 'RSA_4096';

export interface AcmPcaApiOptions {
  signer: CertificateAuthority;
  certificateAuthorityArn: string;
  /** GetCertificate returns RequestInProgressException this many times for each new certificate. Default 0. */
  pendingPolls?: number;
  /** The CA's Status in DescribeCertificateAuthority. Default ACTIVE. */
  status?: string;
  now?: () => number;
}

/** A certificate the stand-in issued. */
export interface AcmPcaIssuedCertificate {
  certificateArn: string;
  idempotencyToken: string | undefined;
  signingAlgorithm: string;
  templateArn: string;
  /** Canonical form: lower-case hex without separators or leading zeros. */
  serialNumber: string;
  certificatePem: string;
  issuedAt: number;
  /** GetCertificate calls that still return RequestInProgressException. */
  pendingPolls: number;
}

export interface AcmPcaRevocation {
  /** CertificateSerial exactly as the client sent it. */
  certificateSerial: string;
  revocationReason: string;
  certificateArn: string;
}

/**
 * The operations of AWS Private CA that certificate rotation uses, over one CA whose key is a
 * dev/pki CertificateAuthority. Errors are AwsServiceError with the service's exception names.
 */
export class AcmPcaApi {
  readonly certificates: AcmPcaIssuedCertificate[] = [];
  readonly revocations: AcmPcaRevocation[] = [];
  /** IssueCertificate calls that returned the certificate of an earlier request with the same IdempotencyToken. */
  idempotentReplays = 0;
  pendingPolls: number;
  status: string;
  private readonly now: () => number;

  constructor(private readonly options: AcmPcaApiOptions) {
    this.pendingPolls = options.pendingPolls ?? 0;
    this.status = options.status ?? 'ACTIVE';
    this.now = options.now ?? Date.now;
  }

  get keyAlgorithm(): AcmPcaKeyAlgorithm {
    const spec = this.options.signer.keySpec;
    if (spec.algorithm === 'EC') return spec.curve === 'P-384' ? 'EC_secp384r1' : 'EC_prime256v1';

    return spec.size >= 4096 ? 'RSA_4096' : 'RSA_2048';
  }

  async invoke(operation: string, input: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'DescribeCertificateAuthority':
        return this.describeCertificateAuthority(input);
      case 'IssueCertificate':
        return this.issueCertificate(input);
      case 'GetCertificate':
        return this.getCertificate(input);
      case 'RevokeCertificate':
        return this.revokeCertificate(input);
      default:
        throw new AwsServiceError('UnknownOperationException', `The AWS Private CA stand-in does not implement ${operation}.`);
    }
  }

  /** Lets every pending certificate be collected by the next GetCertificate. */
  completePending(): void {
    for (const certificate of this.certificates) certificate.pendingPolls = 0;
  }

  private describeCertificateAuthority(input: Record<string, unknown>): unknown {
    this.requireCa(input);
    const signer = this.options.signer;

    return {
      CertificateAuthority: {
        Arn: this.options.certificateAuthorityArn,
        Type: 'SUBORDINATE',
        Status: this.status,
        Serial: new X509Certificate(signer.certificatePem).serialNumber.toLowerCase(),
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: this.keyAlgorithm,
          SigningAlgorithm: this.keyAlgorithm.startsWith('EC_') ? 'SHA256WITHECDSA' : 'SHA256WITHRSA',
          Subject: { CommonName: signer.name },
        },
      },
    };
  }

  private async issueCertificate(input: Record<string, unknown>): Promise<unknown> {
    this.requireCa(input);
    if (this.status !== 'ACTIVE') throw new AwsServiceError('InvalidStateException', `The certificate authority is ${this.status}.`);

    const token = optionalString(input, 'IdempotencyToken');
    if (token !== undefined && (token.length < 1 || token.length > 36)) {
      throw new AwsServiceError('ValidationException', 'IdempotencyToken must be 1 to 36 characters long.');
    }
    const earlier = token === undefined ? undefined : this.certificates.findLast((certificate) => certificate.idempotencyToken === token);
    if (earlier !== undefined && this.now() - earlier.issuedAt < IDEMPOTENCY_WINDOW_MS) {
      this.idempotentReplays += 1;

      return { CertificateArn: earlier.certificateArn };
    }

    const signingAlgorithm = requiredString(input, 'SigningAlgorithm');
    const caFamily = this.keyAlgorithm.startsWith('EC_') ? 'ECDSA' : 'RSA';
    if (!signingAlgorithm.endsWith(`WITH${caFamily}`)) {
      throw new AwsServiceError('InvalidArgsException', `SigningAlgorithm ${signingAlgorithm} does not match the ${this.keyAlgorithm} key of the certificate authority.`);
    }
    const templateArn = optionalString(input, 'TemplateArn') ?? 'arn:aws:acm-pca:::template/EndEntityCertificate/V1';
    const usages = TEMPLATE_USAGES[/template\/([A-Za-z0-9_]+)\/V\d+$/.exec(templateArn)?.[1] ?? ''];
    if (usages === undefined) throw new AwsServiceError('InvalidArgsException', `The stand-in does not implement template ${templateArn}.`);
    const validity = input.Validity as { Type?: unknown; Value?: unknown } | undefined;
    if (validity?.Type !== 'DAYS' || typeof validity.Value !== 'number' || !Number.isInteger(validity.Value) || validity.Value < 1) {
      throw new AwsServiceError('ValidationException', 'Validity must be { Type: "DAYS", Value: <positive integer> } in this stand-in.');
    }

    const certificatePem = await this.sign(requiredString(input, 'Csr'), usages, validity.Value);
    const serialNumber = new X509Certificate(certificatePem).serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
    const certificateArn = `${this.options.certificateAuthorityArn}/certificate/${randomBytes(16).toString('hex')}`;
    this.certificates.push({
      certificateArn,
      idempotencyToken: token,
      signingAlgorithm,
      templateArn,
      serialNumber,
      certificatePem,
      issuedAt: this.now(),
      pendingPolls: this.pendingPolls,
    });

    return { CertificateArn: certificateArn };
  }

  private getCertificate(input: Record<string, unknown>): unknown {
    this.requireCa(input);
    const certificateArn = requiredString(input, 'CertificateArn');
    const certificate = this.certificates.find((candidate) => candidate.certificateArn === certificateArn);
    if (certificate === undefined) throw new AwsServiceError('ResourceNotFoundException', `Certificate ${certificateArn} was not found.`);
    if (certificate.pendingPolls > 0) {
      certificate.pendingPolls -= 1;
      throw new AwsServiceError('RequestInProgressException', 'The request is still in progress.');
    }

    // Like AWS Private CA, the chain goes up to and includes the root.
    const root = rootOf(this.options.signer);

    return { Certificate: certificate.certificatePem.trim(), CertificateChain: (certificateChainPem(this.options.signer) + root.certificatePem).trim() };
  }

  private revokeCertificate(input: Record<string, unknown>): unknown {
    this.requireCa(input);
    const certificateSerial = requiredString(input, 'CertificateSerial');
    const revocationReason = requiredString(input, 'RevocationReason');
    if (!REVOCATION_REASONS.has(revocationReason)) throw new AwsServiceError('ValidationException', `RevocationReason ${revocationReason} is not valid.`);

    const requestedSerial = certificateSerial.replaceAll(':', '').toLowerCase().replace(/^0+(?=.)/, '');
    const certificate = this.certificates.find((candidate) => candidate.serialNumber === requestedSerial);
    if (certificate === undefined) {
      throw new AwsServiceError('ResourceNotFoundException', `No certificate with serial ${certificateSerial} was issued by this certificate authority.`);
    }
    if (this.revocations.some((revocation) => revocation.certificateArn === certificate.certificateArn)) {
      throw new AwsServiceError('RequestAlreadyProcessedException', 'Your request has already been completed.');
    }
    this.revocations.push({ certificateSerial, revocationReason, certificateArn: certificate.certificateArn });

    return {};
  }

  private async sign(csrBase64: string, usages: ExtendedKeyUsageName[], validityDays: number): Promise<string> {
    const csrPem = Buffer.from(csrBase64, 'base64').toString('utf8');
    const notBefore = new Date(this.now() - LEAF_BACKDATE_MS);
    try {
      return await issueFromCsr(this.options.signer, csrPem, { notBefore, notAfter: new Date(this.now() + validityDays * DAY_MS), extendedKeyUsages: usages });
    } catch (error) {
      if (error instanceof InvalidCsrError) throw new AwsServiceError('MalformedCSRException', `The certificate signing request is invalid: ${error.message}`);
      throw error;
    }
  }

  private requireCa(input: Record<string, unknown>): void {
    const arn = requiredString(input, 'CertificateAuthorityArn');
    if (arn !== this.options.certificateAuthorityArn) {
      throw new AwsServiceError('ResourceNotFoundException', `Could not find certificate authority ${arn}.`);
    }
  }
}

/** Builds a CA ARN for the stand-in whose UUID is derived from the CA certificate. */
export function standInCertificateAuthorityArn(signer: CertificateAuthority, partition: string, region: string, accountId: string): string {
  const hex = createHash('sha256').update(signer.certificate.raw).digest('hex');

  return `arn:${partition}:acm-pca:${region}:${accountId}:certificate-authority/${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function rootOf(ca: CertificateAuthority): CertificateAuthority {
  let current = ca;
  while (current.parent !== undefined) current = current.parent;

  return current;
}

function requiredString(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') throw new AwsServiceError('ValidationException', `${field} is required.`);

  return value;
}

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('ValidationException', `${field} must be a string.`);

  return value;
}
