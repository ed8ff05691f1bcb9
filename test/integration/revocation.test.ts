import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { startAcmPcaStandIn, startVaultStandIn, type AcmPcaStandIn, type VaultStandIn } from '../../dev/provider-stand-ins.js';
import { canonicalSerialNumber } from '../../src/lib/certificates/summary.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';
import { publishedNotices, runRotationStep, versionWithLabel } from '../support/rotation-steps.js';

let env: LocalEnvironment;
let acmPca: AcmPcaStandIn;
let vault: VaultStandIn;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
  acmPca = await startAcmPcaStandIn(env);
  vault = await startVaultStandIn(env);
});
afterEach(() => {
  acmPca.server.reset();
  vault.server.setResponder(undefined);
});
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await Promise.all([acmPca.close(), vault.close()]);
  await env.close();
});

type ProviderName = 'acm-pca' | 'vault';

function providerBlock(provider: ProviderName): Record<string, unknown> {
  return provider === 'acm-pca' ? acmPca.providerBlock() : vault.providerBlock();
}

/** Serials the stand-in has revoked, in the canonical upper-case form. */
function revokedSerials(provider: ProviderName): string[] {
  const sent = provider === 'acm-pca' ? acmPca.server.revocations.map((revocation) => revocation.certificateSerial) : vault.server.revokedSerials();

  return sent.map((serial) => canonicalSerialNumber(serial));
}

/** Counts the revocation requests the stand-in received for `serial` (canonical form), successful or not. */
function revokeRequests(provider: ProviderName, serial: string): number {
  const sent =
    provider === 'acm-pca'
      ? acmPca.server.requests.filter((request) => request.operation === 'RevokeCertificate').map((request) => request.input.CertificateSerial)
      : vault.server.requests.filter((request) => request.path.endsWith('/revoke')).map((request) => (request.body as Record<string, unknown>).serial_number);

  return sent.filter((value) => typeof value === 'string' && canonicalSerialNumber(value) === serial).length;
}

async function currentSerial(arn: string): Promise<string> {
  const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });

  return canonicalSerialNumber(new X509Certificate(document.certificate as string).serialNumber);
}

/** Creates a secret with revokePrevious=afterRotation, rotates it once, and returns it with the first serial. */
async function rotatedOnce(provider: ProviderName) {
  counter += 1;
  const arn = await env.createBootstrapSecret(`mtls/revocation-${provider}-${counter}`, { provider: providerBlock(provider), revokePrevious: 'afterRotation' });
  const first = await env.rotateSecret(arn);
  expect(first.steps.every((step) => step.ok), JSON.stringify(first.steps)).toBe(true);

  return { arn, first, firstSerial: await currentSerial(arn) };
}

describe.each(['acm-pca', 'vault'] as const)('revokePrevious with %s', (provider) => {
  it('revokes nothing after the bootstrap rotation', async () => {
    const revokedBefore = revokedSerials(provider).length;

    const { first } = await rotatedOnce(provider);

    expect(revokedSerials(provider)).toHaveLength(revokedBefore);
    expect(publishedNotices(env, 'CertificateRevocationFailed').filter((notice) => notice.versionId === first.token)).toEqual([]);
  });

  it('revokes the superseded certificate', async () => {
    const { arn, first, firstSerial } = await rotatedOnce(provider);

    const second = await env.rotateSecret(arn);

    expect(second.steps.every((step) => step.ok), JSON.stringify(second.steps)).toBe(true);
    expect(revokedSerials(provider)).toContain(firstSerial);
    expect(revokedSerials(provider)).not.toContain(await currentSerial(arn));
    const sent = provider === 'acm-pca' ? acmPca.server.revocations.at(-1)?.certificateSerial : (vault.server.requests.at(-1)?.body as { serial_number?: string }).serial_number;
    expect(sent).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
    if (provider === 'acm-pca') expect(acmPca.server.revocations.at(-1)?.revocationReason).toBe('SUPERSEDED');
    expect(versionWithLabel(await env.versionStages(arn), 'AWSPREVIOUS')).toBe(first.token);
    expect(publishedNotices(env, 'CertificateRevocationFailed').filter((notice) => notice.secretArn === arn)).toEqual([]);
    expect(publishedNotices(env, 'CertificateRotated').filter((notice) => notice.versionId === second.token)).toHaveLength(1);
  });

  it('counts a repeated revocation on finishSecret retry as done', async () => {
    const { arn, firstSerial } = await rotatedOnce(provider);
    const second = await env.rotateSecret(arn);
    expect(revokeRequests(provider, firstSerial)).toBe(1);

    await runRotationStep(env, arn, second.token, 'finishSecret');

    expect(revokeRequests(provider, firstSerial)).toBe(2);
    expect(revokedSerials(provider).filter((serial) => serial === firstSerial)).toHaveLength(1);
    expect(publishedNotices(env, 'CertificateRevocationFailed').filter((notice) => notice.secretArn === arn)).toEqual([]);
    expect(publishedNotices(env, 'CertificateRotated').filter((notice) => notice.versionId === second.token)).toHaveLength(2);
  });
});

describe('failing revocation', () => {
  it.each([
    [
      'acm-pca' as const,
      () => acmPca.server.injectError({ operation: 'RevokeCertificate', exception: 'AccessDeniedException', message: 'User is not authorized to perform acm-pca:RevokeCertificate', times: 10 }),
      `provider 'acm-pca' RevokeCertificate failed with AccessDeniedException (HTTP 400): "User is not authorized to perform acm-pca:RevokeCertificate": allow the rotation function's role acm-pca:RevokeCertificate on {ca}`,
    ],
    [
      'vault' as const,
      () => vault.server.setResponder((path) => (path.endsWith('/revoke') ? { status: 403, body: JSON.stringify({ errors: ['permission denied'] }) } : undefined)),
      `provider 'vault' revoke rejected the request with HTTP 403: "permission denied": check the token in credentials secret {credentials} and that its policy allows "update" on pki/revoke, or set rotation.provider.namespace if the mount lives in a Vault namespace`,
    ],
  ])('with %s still promotes and publishes CertificateRevocationFailed', async (provider, breakRevocation, message) => {
    const { arn, first, firstSerial } = await rotatedOnce(provider);
    breakRevocation();

    const second = await env.rotateSecret(arn);

    expect(second.steps.every((step) => step.ok), JSON.stringify(second.steps)).toBe(true);
    const stages = await env.versionStages(arn);
    expect(versionWithLabel(stages, 'AWSCURRENT')).toBe(second.token);
    expect(versionWithLabel(stages, 'AWSPREVIOUS')).toBe(first.token);
    expect(versionWithLabel(stages, 'AWSPENDING')).toBeUndefined();
    expect(revokedSerials(provider)).not.toContain(firstSerial);
    const notices = publishedNotices(env, 'CertificateRevocationFailed').filter((notice) => notice.secretArn === arn);
    expect(notices).toEqual([
      {
        event: 'CertificateRevocationFailed',
        secretArn: arn,
        versionId: first.token,
        serialNumber: firstSerial,
        error: { name: 'ProviderError', message: message.replace('{credentials}', vault.credentialsSecretArn).replace('{ca}', acmPca.server.certificateAuthorityArn) },
      },
    ]);
    const attributes = env.aws.snsMessages.find((published) => published.message === JSON.stringify(notices[0]))?.messageAttributes;
    expect(attributes?.event).toEqual({ dataType: 'String', stringValue: 'CertificateRevocationFailed' });
  });

  it('from a provider that cannot revoke is rejected at validation', async () => {
    const arn = await env.createBootstrapSecret(`mtls/revocation-cfssl-${Date.now()}`, { revokePrevious: 'afterRotation' });

    const record = await env.rotateSecret(arn);

    expect(record.steps[0]?.step).toBe('createSecret');
    expect(record.steps[0]?.error?.name).toBe('ConfigurationError');
    expect(record.steps[0]?.error?.message).toContain(
      `rotation.revokePrevious: provider 'cfssl' cannot revoke certificates, so "afterRotation" is not available: use "never", or a provider that revokes (acm-pca, vault)`,
    );
  });
});
