import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcmPcaServer, type AcmPcaServer } from '../../../dev/acm-pca/acm-pca-server.js';
import { createIntermediateCa, createRootCa, type CertificateAuthority } from '../../../dev/pki/index.js';
import { buildCsr } from '../../../src/lib/certificates/csr.js';
import { generateKey } from '../../../src/lib/certificates/keys.js';
import { ProviderError, TimeBudgetError } from '../../../src/lib/errors.js';
import { acmPcaError } from '../../../src/lib/providers/acm-pca-errors.js';
import { AcmPcaProvider, issuanceIdempotencyToken } from '../../../src/lib/providers/acm-pca.js';
import type { AcmPcaProviderConfig } from '../../../src/lib/providers/acm-pca-config.js';
import { newIssueRequest, TEST_SUBJECT } from '../../support/issue-request.js';
import { testProviderContext } from '../../support/provider-context.js';

let rsaIssuer: CertificateAuthority;
let ecIssuer: CertificateAuthority;
const servers: AcmPcaServer[] = [];

beforeAll(async () => {
  const root = await createRootCa({ commonName: 'Unit Root CA' });
  ecIssuer = await createIntermediateCa(root, { commonName: 'Unit EC Issuing CA' });
  rsaIssuer = await createIntermediateCa(root, { commonName: 'Unit RSA Issuing CA', key: { algorithm: 'RSA', size: 2048 } });
  process.env.AWS_ACCESS_KEY_ID = 'unit-test';
  process.env.AWS_SECRET_ACCESS_KEY = 'unit-test';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_ACM_PCA;
  await Promise.all(servers.map((server) => server.close()));
});

/** Starts a stand-in and points the SDK's ACM PCA endpoint at it; providers created after this call use it. */
async function standIn(signer: CertificateAuthority, options: { partition?: string; region?: string } = {}): Promise<AcmPcaServer> {
  const server = await startAcmPcaServer({ signer, ...options });
  servers.push(server);
  process.env.AWS_ENDPOINT_URL_ACM_PCA = server.endpoint;

  return server;
}

function providerFor(server: AcmPcaServer, config: Partial<AcmPcaProviderConfig> = {}): { provider: AcmPcaProvider; block: AcmPcaProviderConfig } {
  const block: AcmPcaProviderConfig = { type: 'acm-pca', certificateAuthorityArn: server.certificateAuthorityArn, validityDays: 10, ...config };

  return { provider: new AcmPcaProvider(block), block };
}

describe('AcmPcaProvider.issue', () => {
  it('signs with SHA256WITHRSA for an RSA CA', async () => {
    const server = await standIn(rsaIssuer);
    const { provider, block } = providerFor(server);
    const { request } = await newIssueRequest(block, testProviderContext());

    const result = await provider.issue(request);

    expect(server.requests.map((call) => call.operation)).toEqual(['DescribeCertificateAuthority', 'IssueCertificate', 'GetCertificate']);
    expect(server.requests[1]?.input.SigningAlgorithm).toBe('SHA256WITHRSA');
    expect(result.certificates[0]?.checkIssued(rsaIssuer.certificate)).toBe(true);
    expect(result.source).toMatch(/^response of provider 'acm-pca' \(arn:aws:acm-pca:us-east-1:123456789012:certificate-authority\/[0-9a-f-]{36}\/certificate\/[0-9a-f]{32}\)$/);
  });

  it('takes the default template from the CA partition', async () => {
    const server = await standIn(ecIssuer, { partition: 'aws-cn', region: 'cn-north-1' });
    const { provider, block } = providerFor(server);
    const { request } = await newIssueRequest(block, testProviderContext());

    await provider.issue(request);

    expect(server.requests[1]?.input.TemplateArn).toBe('arn:aws-cn:acm-pca:::template/EndEntityClientAuthCertificate/V1');
  });

  it('fails retryably when too little time is left to wait', async () => {
    const server = await standIn(ecIssuer);
    server.setPendingPolls(5);
    const { provider, block } = providerFor(server);
    const context = { ...testProviderContext(), remainingTimeMs: () => 2_500 };
    const { request } = await newIssueRequest(block, context);

    const error = await provider.issue(request).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as ProviderError).context).toEqual({ provider: 'acm-pca', operation: 'GetCertificate' });
    expect(server.requests.filter((call) => call.operation === 'GetCertificate')).toHaveLength(1);
  });

  it('stops before IssueCertificate when the time budget is used up', async () => {
    const server = await standIn(ecIssuer);
    const { provider, block } = providerFor(server, { signingAlgorithm: 'SHA256WITHECDSA' });
    const context = { ...testProviderContext(), remainingTimeMs: () => 500 };
    const { request } = await newIssueRequest(block, context);

    await expect(provider.issue(request)).rejects.toBeInstanceOf(TimeBudgetError);
    expect(server.requests).toEqual([]);
  });

  it('rejects a CA key algorithm without a default signing algorithm', async () => {
    const server = await standIn(ecIssuer);
    server.setResponseOverride((operation, result) =>
      operation === 'DescribeCertificateAuthority'
        ? { CertificateAuthority: { ...(result as { CertificateAuthority: object }).CertificateAuthority, CertificateAuthorityConfiguration: { KeyAlgorithm: 'SM2' } } }
        : undefined,
    );
    const { provider, block } = providerFor(server);
    const { request } = await newIssueRequest(block, testProviderContext());

    await expect(provider.issue(request)).rejects.toThrow(
      `provider 'acm-pca' DescribeCertificateAuthority reports key algorithm "SM2" for ${server.certificateAuthorityArn}, for which no default signing algorithm is known: set rotation.provider.signingAlgorithm`,
    );
  });
});

describe('AcmPcaProvider.revoke', () => {
  it('sends the colon-separated serial with reason SUPERSEDED', async () => {
    const server = await standIn(ecIssuer);
    const { provider, block } = providerFor(server);
    const context = testProviderContext();
    const { request } = await newIssueRequest(block, context);
    const [leaf] = (await provider.issue(request)).certificates;

    await provider.revoke({ certificatePem: leaf!.toString(), serialNumber: leaf!.serialNumber, reason: 'superseded', config: request.config, context });

    expect(server.revocations).toHaveLength(1);
    expect(server.revocations[0]?.revocationReason).toBe('SUPERSEDED');
    expect(server.revocations[0]?.certificateSerial).toBe(leaf!.serialNumber.toLowerCase().replace(/^(00)+/, '').match(/../g)!.join(':'));
  });

  it('counts an already revoked certificate as revoked', async () => {
    const server = await standIn(ecIssuer);
    const { provider, block } = providerFor(server);
    const context = testProviderContext();
    const { request } = await newIssueRequest(block, context);
    const [leaf] = (await provider.issue(request)).certificates;
    const revoke = { certificatePem: leaf!.toString(), serialNumber: leaf!.serialNumber, reason: 'superseded' as const, config: request.config, context };
    await provider.revoke(revoke);

    await expect(provider.revoke(revoke)).resolves.toBeUndefined();
    expect(server.requests.filter((call) => call.operation === 'RevokeCertificate')).toHaveLength(2);
    expect(server.revocations).toHaveLength(1);
  });

  it('reports an unknown serial', async () => {
    const server = await standIn(ecIssuer);
    const { provider, block } = providerFor(server);
    const context = testProviderContext();
    const { request } = await newIssueRequest(block, context);

    await expect(provider.revoke({ certificatePem: '', serialNumber: '0ABC', reason: 'superseded', config: request.config, context })).rejects.toThrow(
      /^provider 'acm-pca' RevokeCertificate failed with ResourceNotFoundException \(HTTP 400\): "No certificate with serial 0a:bc was issued/,
    );
  });
});

describe('issuanceIdempotencyToken', () => {
  it('is the same for two CSRs of one key', async () => {
    const key = await generateKey({ algorithm: 'EC', curve: 'P-256' });
    const first = buildCsr({ subject: TEST_SUBJECT, privateKey: key.privateKey });
    const second = buildCsr({ subject: TEST_SUBJECT, privateKey: key.privateKey });

    expect(second).not.toBe(first);
    expect(issuanceIdempotencyToken('token-a', second)).toBe(issuanceIdempotencyToken('token-a', first));
  });

  it('differs for another key or another rotation', async () => {
    const keys = [await generateKey({ algorithm: 'EC', curve: 'P-256' }), await generateKey({ algorithm: 'EC', curve: 'P-256' })];
    const [first, second] = keys.map((key) => buildCsr({ subject: TEST_SUBJECT, privateKey: key.privateKey })) as [string, string];

    expect(issuanceIdempotencyToken('token-a', second)).not.toBe(issuanceIdempotencyToken('token-a', first));
    expect(issuanceIdempotencyToken('token-b', first)).not.toBe(issuanceIdempotencyToken('token-a', first));
    expect(issuanceIdempotencyToken('token-a', first)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('acmPcaError', () => {
  const caArn = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012';

  function sdkError(name: string, status: number | undefined): Error {
    return Object.assign(new Error(`${name} happened.`), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
  }

  it.each([
    ['MalformedCSRException', 400, false, 'the CA rejected the CSR'],
    ['AccessDeniedException', 400, false, `allow the rotation function's role acm-pca:IssueCertificate on ${caArn}`],
    ['InvalidStateException', 400, false, 'the CA is not ACTIVE'],
    ['LimitExceededException', 400, false, 'request an increase in Service Quotas'],
    ['ThrottlingException', 400, true, 'rotating again can succeed'],
    ['InternalFailure', 500, true, 'rotating again can succeed'],
    ['ServiceUnavailable', 503, true, 'rotating again can succeed'],
    ['TimeoutError', undefined, true, 'check network access'],
  ])('maps %s (HTTP %s) to retryable=%s', (name, status, retryable, advice) => {
    const error = acmPcaError('IssueCertificate', sdkError(name, status), caArn);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(retryable);
    const prefix = `provider 'acm-pca' IssueCertificate failed with ${name}${status === undefined ? '' : ` (HTTP ${status})`}: "${name} happened": `;
    expect(error.message.startsWith(prefix), error.message).toBe(true);
    expect(error.message.slice(prefix.length)).toContain(advice);
    expect(error.context).toEqual({ provider: 'acm-pca', operation: 'IssueCertificate', ...(status === undefined ? {} : { status }) });
  });
});
