import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { startAcmPcaStandIn, type AcmPcaStandIn } from '../../dev/provider-stand-ins.js';
import { csrPublicKeyDer } from '../../src/lib/certificates/csr-public-key.js';
import { ProviderError } from '../../src/lib/errors.js';
import { assertNoPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';
import { hasStoredValue, publishedNotices, runRotationStep, startRotationWithoutSteps, versionWithLabel } from '../support/rotation-steps.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let env: LocalEnvironment;
let acmPca: AcmPcaStandIn;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
  acmPca = await startAcmPcaStandIn(env);
});
afterEach(() => acmPca.server.reset());
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await acmPca.close();
  await env.close();
});

async function createSecret(provider: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/acm-pca-${counter}`, { provider: acmPca.providerBlock(provider), ...overrides });
}

async function currentDocument(arn: string): Promise<Record<string, unknown>> {
  const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  if (typeof document.privateKey === 'string') registerPrivateKey(document.privateKey);

  return document;
}

function requestsSince(start: number, operation: string): Record<string, unknown>[] {
  return acmPca.server.requests.slice(start).filter((request) => request.operation === operation).map((request) => request.input);
}

/** Rotates a secret that has an ACM PCA certificate, with `prepare` run before the second rotation. */
async function failingRotation(prepare: () => void) {
  const arn = await createSecret();
  const first = await env.rotateSecret(arn);
  expect(first.steps.every((step) => step.ok), JSON.stringify(first.steps)).toBe(true);
  const currentBefore = await currentDocument(arn);
  prepare();

  const record = await env.rotateSecret(arn);
  const failed = record.steps.find((step) => !step.ok);
  const notice = publishedNotices(env, 'CertificateRotationFailed').find((body) => body.versionId === record.token);

  return {
    failed,
    notice,
    currentUnchanged: versionWithLabel(await env.versionStages(arn), 'AWSCURRENT') === first.token && JSON.stringify(await currentDocument(arn)) === JSON.stringify(currentBefore),
    storedPending: await hasStoredValue(env, arn, record.token),
  };
}

describe('acm-pca provider', () => {
  it('issues the first certificate', async () => {
    const arn = await createSecret();
    const start = acmPca.server.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    const document = await currentDocument(arn);
    const leaf = new X509Certificate(document.certificate as string);
    expect(leaf.checkPrivateKey(createPrivateKey(document.privateKey as string))).toBe(true);
    expect(leaf.checkIssued(env.pki.intermediate.certificate)).toBe(true);
    expect(document.certificateChain).toBe(env.pki.intermediate.certificatePem.replace(/\n?$/, '\n'));
    expect(new Date(leaf.validTo).getTime() - Date.now()).toBeGreaterThan(29 * DAY_MS);
    expect(new Date(leaf.validTo).getTime() - Date.now()).toBeLessThan(31 * DAY_MS);

    const [issue] = requestsSince(start, 'IssueCertificate');
    expect(issue).toMatchObject({
      CertificateAuthorityArn: acmPca.server.certificateAuthorityArn,
      SigningAlgorithm: 'SHA256WITHECDSA',
      TemplateArn: 'arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1',
      Validity: { Type: 'DAYS', Value: 30 },
    });
    expect(issue?.IdempotencyToken).toMatch(/^[0-9a-f]{32}$/);
    const csrPem = Buffer.from(issue?.Csr as string, 'base64').toString('utf8');
    expect(csrPublicKeyDer(csrPem)).toEqual(createPublicKey(document.privateKey as string).export({ type: 'spki', format: 'der' }));
    expect(requestsSince(start, 'DescribeCertificateAuthority')).toHaveLength(1);
  });

  it('uses a configured signing algorithm as given', async () => {
    const arn = await createSecret({ signingAlgorithm: 'SHA384WITHECDSA', templateArn: 'arn:aws:acm-pca:::template/EndEntityCertificate/V1' });
    const start = acmPca.server.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok)).toBe(true);
    expect(requestsSince(start, 'DescribeCertificateAuthority')).toEqual([]);
    expect(requestsSince(start, 'IssueCertificate')[0]).toMatchObject({
      SigningAlgorithm: 'SHA384WITHECDSA',
      TemplateArn: 'arn:aws:acm-pca:::template/EndEntityCertificate/V1',
    });
  });

  it('collects a certificate after in-progress polls', async () => {
    const arn = await createSecret();
    acmPca.server.setPendingPolls(2);
    const start = acmPca.server.requests.length;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(requestsSince(start, 'GetCertificate')).toHaveLength(3);
    const serial = new X509Certificate((await currentDocument(arn)).certificate as string).serialNumber;
    expect(acmPca.server.certificates.at(-1)?.serialNumber).toBe(serial.toLowerCase().replace(/^0+/, ''));
  });

  it('collects the same certificate on retry after the budget ran out', async () => {
    const arn = await createSecret();
    await env.rotateSecret(arn);
    const token = await startRotationWithoutSteps(env, arn);
    acmPca.server.setPendingPolls(1_000);
    const issuedBefore = acmPca.server.certificates.length;
    const replaysBefore = acmPca.server.idempotentReplays();
    const start = acmPca.server.requests.length;

    const timedOut = await runRotationStep(env, arn, token, 'createSecret', 7_000).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(timedOut).toBeInstanceOf(ProviderError);
    expect((timedOut as ProviderError).retryable).toBe(true);
    expect((timedOut as ProviderError).message).toContain("provider 'acm-pca' GetCertificate still returned RequestInProgressException");
    expect(await hasStoredValue(env, arn, token)).toBe(false);

    acmPca.server.completePending();
    await runRotationStep(env, arn, token, 'createSecret');

    const issues = requestsSince(start, 'IssueCertificate');
    expect(issues).toHaveLength(2);
    expect(issues[1]?.IdempotencyToken).toBe(issues[0]?.IdempotencyToken);
    expect(acmPca.server.certificates.length - issuedBefore).toBe(1);
    expect(acmPca.server.idempotentReplays() - replaysBefore).toBe(1);
    const pending = await env.readDocument(arn, { versionId: token });
    registerPrivateKey(pending.privateKey as string);
    expect(new X509Certificate(pending.certificate as string).serialNumber.toLowerCase().replace(/^0+/, '')).toBe(acmPca.server.certificates.at(-1)?.serialNumber);

    for (const step of ['setSecret', 'testSecret', 'finishSecret'] as const) await runRotationStep(env, arn, token, step);
    expect(versionWithLabel(await env.versionStages(arn), 'AWSCURRENT')).toBe(token);
  });

  it.each([
    ['a rejected CSR', 'IssueCertificate', 'MalformedCSRException', "IssueCertificate failed with MalformedCSRException (HTTP 400)", 'the CA rejected the CSR'],
    ['an IAM denial', 'IssueCertificate', 'AccessDeniedException', 'IssueCertificate failed with AccessDeniedException (HTTP 400)', "allow the rotation function's role acm-pca:IssueCertificate"],
    ['a denial while polling', 'GetCertificate', 'AccessDeniedException', 'GetCertificate failed with AccessDeniedException (HTTP 400)', 'acm-pca:GetCertificate'],
    ['a failed issuance', 'GetCertificate', 'RequestFailedException', 'GetCertificate failed with RequestFailedException (HTTP 400)', 'look up the reason in CloudTrail'],
    ['an unknown CA', 'DescribeCertificateAuthority', 'ResourceNotFoundException', 'DescribeCertificateAuthority failed with ResourceNotFoundException (HTTP 400)', 'check rotation.provider.certificateAuthorityArn'],
  ])('reports %s', async (_case, operation, exception, answer, advice) => {
    const result = await failingRotation(() => acmPca.server.injectError({ operation, exception, times: 10 }));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toContain(`provider 'acm-pca' ${answer}`);
    expect(result.failed?.error?.message).toContain(advice);
    expect(result.notice?.error).toEqual(result.failed?.error);
    expect(result.currentUnchanged).toBe(true);
    expect(result.storedPending).toBe(false);
  });

  it('reports a CA that is not ACTIVE', async () => {
    const result = await failingRotation(() => acmPca.server.setStatus('DISABLED'));

    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toMatch(/^provider 'acm-pca' DescribeCertificateAuthority reports arn:\S+ as DISABLED/);
    expect(result.currentUnchanged).toBe(true);
    expect(result.storedPending).toBe(false);
  });

  it.each([
    ['a Certificate that is not PEM', { Certificate: 'not a certificate' }, 'GetCertificate returned HTTP 200 with an unusable certificate'],
    ['no Certificate', { CertificateChain: '' }, 'GetCertificate returned HTTP 200 without a Certificate'],
  ])('reports an answer with %s', async (_case, answer, message) => {
    const result = await failingRotation(() => acmPca.server.setResponseOverride((operation) => (operation === 'GetCertificate' ? answer : undefined)));

    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toContain(`provider 'acm-pca' ${message}`);
    expect(result.currentUnchanged).toBe(true);
    expect(result.storedPending).toBe(false);
  });

  it('reports a dropped connection as retryable', async () => {
    const arn = await createSecret();
    await env.rotateSecret(arn);
    const token = await startRotationWithoutSteps(env, arn);
    // Three resets use up the SDK's default attempts for IssueCertificate.
    acmPca.server.faults.add({ operation: 'IssueCertificate', when: 'before', kind: 'reset', times: 3 });

    const error = await runRotationStep(env, arn, token, 'createSecret').then(
      () => undefined,
      (caught: unknown) => caught as ProviderError,
    );

    expect(error).toBeInstanceOf(ProviderError);
    expect(error?.retryable).toBe(true);
    expect(error?.message).toMatch(/^provider 'acm-pca' IssueCertificate failed with \w+: /);
    expect(await hasStoredValue(env, arn, token)).toBe(false);
  });
});
