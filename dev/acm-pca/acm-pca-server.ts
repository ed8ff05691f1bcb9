import { FaultInjector } from '../aws/fault-injector.js';
import { startHttpServer } from '../aws/http-server.js';
import { AwsServiceError } from '../aws/service-error.js';
import type { WireProtocol, WireReply, WireRequest } from '../aws/wire-protocol.js';
import type { CertificateAuthority } from '../pki/index.js';
import { AcmPcaApi, standInCertificateAuthorityArn, type AcmPcaIssuedCertificate, type AcmPcaRevocation } from './acm-pca-api.js';

const TARGET_PREFIX = 'ACMPrivateCA.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface AcmPcaServerOptions {
  /** CA that signs every certificate, usually an intermediate from dev/pki. */
  signer: CertificateAuthority;
  /** Partition, region and account of the CA ARN. Default aws, us-east-1, 123456789012. */
  partition?: string;
  region?: string;
  accountId?: string;
  /** GetCertificate returns RequestInProgressException this many times for each new certificate. Default 0. */
  pendingPolls?: number;
}

/** An exception that the next matching calls return instead of performing the operation. */
export interface AcmPcaInjectedError {
  operation: string;
  /** Exception name, e.g. 'AccessDeniedException' or 'MalformedCSRException'. */
  exception: string;
  message?: string;
  /** HTTP status of the error response. Default 400. */
  status?: number;
  /** How many calls fail. Default 1. */
  times?: number;
}

/** Replaces the result of a successful call; return undefined to send the real one. */
export type AcmPcaResponseOverride = (operation: string, result: unknown) => unknown;

export interface AcmPcaServer {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_ACM_PCA. */
  endpoint: string;
  certificateAuthorityArn: string;
  /** Every call, in order, with its operation and JSON input. */
  requests: { operation: string; input: Record<string, unknown> }[];
  certificates: AcmPcaIssuedCertificate[];
  revocations: AcmPcaRevocation[];
  /** IssueCertificate calls that returned the certificate of an earlier request with the same IdempotencyToken. */
  idempotentReplays(): number;
  /** Sets how many RequestInProgressException errors certificates issued from now on return first. */
  setPendingPolls(count: number): void;
  /** Lets every certificate issued so far be collected by its next GetCertificate. */
  completePending(): void;
  setStatus(status: string): void;
  injectError(error: AcmPcaInjectedError): void;
  setResponseOverride(override: AcmPcaResponseOverride | undefined): void;
  /** Arms the AWS emulator's fault injector: 'reset' drops the connection, 'status500' returns InternalFailure. */
  faults: FaultInjector;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts an AWS Private CA stand-in on 127.0.0.1 that speaks the service's awsJson1_1 protocol
 * (POST / with `X-Amz-Target: ACMPrivateCA.<Operation>`), so the unmodified AWS SDK client talks
 * to it when AWS_ENDPOINT_URL_ACM_PCA points here. It serves DescribeCertificateAuthority,
 * IssueCertificate, GetCertificate and RevokeCertificate for one CA, and signs with a dev/pki CA.
 */
export async function startAcmPcaServer(options: AcmPcaServerOptions): Promise<AcmPcaServer> {
  const region = options.region ?? 'us-east-1';
  const certificateAuthorityArn = standInCertificateAuthorityArn(options.signer, options.partition ?? 'aws', region, options.accountId ?? '123456789012');
  const api = new AcmPcaApi({ signer: options.signer, certificateAuthorityArn, pendingPolls: options.pendingPolls ?? 0 });
  const protocol = new AcmPcaJsonProtocol(api);
  const faults = new FaultInjector();
  const server = await startHttpServer([protocol], faults);

  return {
    endpoint: server.endpoint,
    certificateAuthorityArn,
    requests: protocol.requests,
    certificates: api.certificates,
    revocations: api.revocations,
    idempotentReplays: () => api.idempotentReplays,
    setPendingPolls: (count) => {
      api.pendingPolls = count;
    },
    completePending: () => api.completePending(),
    setStatus: (status) => {
      api.status = status;
    },
    injectError: (error) => protocol.injected.push({ ...error, remaining: error.times ?? 1 }),
    setResponseOverride: (override) => {
      protocol.responseOverride = override;
    },
    faults,
    reset: () => {
      protocol.injected.length = 0;
      protocol.responseOverride = undefined;
      api.pendingPolls = options.pendingPolls ?? 0;
      api.status = 'ACTIVE';
    },
    close: () => server.close(),
  };
}

class AcmPcaJsonProtocol implements WireProtocol {
  readonly requests: { operation: string; input: Record<string, unknown> }[] = [];
  readonly injected: (AcmPcaInjectedError & { remaining: number })[] = [];
  responseOverride: AcmPcaResponseOverride | undefined;

  constructor(private readonly api: AcmPcaApi) {}

  operationOf(request: WireRequest): string | undefined {
    const target = request.headers['x-amz-target'];

    return typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  }

  async handle(operation: string, request: WireRequest): Promise<WireReply> {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return encodeError(400, 'SerializationException', 'The request body is not valid JSON.');
    }
    this.requests.push({ operation, input });

    const injected = this.injected.find((candidate) => candidate.operation === operation);
    if (injected !== undefined) {
      injected.remaining -= 1;
      if (injected.remaining <= 0) this.injected.splice(this.injected.indexOf(injected), 1);

      return encodeError(injected.status ?? 400, injected.exception, injected.message ?? `Injected ${injected.exception}.`);
    }

    try {
      const result = await this.api.invoke(operation, input);

      return { status: 200, contentType: CONTENT_TYPE, body: JSON.stringify(this.responseOverride?.(operation, result) ?? result) };
    } catch (error) {
      if (error instanceof AwsServiceError) return encodeError(error.httpStatus, error.code, error.message);
      throw error;
    }
  }

  internalError(_request: WireRequest, message: string): WireReply {
    return encodeError(500, 'InternalFailure', message);
  }
}

function encodeError(status: number, code: string, message: string): WireReply {
  return { status, contentType: CONTENT_TYPE, body: JSON.stringify({ __type: code, message }) };
}
