/*
 * Revocation of an AWSPREVIOUS certificate whose serial number is negative, as some CAs wrote
 * before RFC 5280 section 4.1.2.2 required a positive one. Such a certificate can reach the secret
 * when it was imported by hand before rotation was set up. No CA API revokes by a negative serial,
 * so the rotation must publish a typed, non-retryable failure that names the serial, and promote.
 */
import { generateKeyPairSync } from 'node:crypto';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { issueCertificate } from '../../dev/pki/index.js';
import { startAcmPcaStandIn, startVaultStandIn, type AcmPcaStandIn, type VaultStandIn } from '../../dev/provider-stand-ins.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { publishedNotices, versionWithLabel } from '../support/rotation-steps.js';

// DER INTEGER content 8F 1E 22 03 has its high bit set and no leading zero byte, so it reads as -0x70E1DDFD.
const NEGATIVE_SERIAL_DER_HEX = '8F1E2203';
const NEGATIVE_SERIAL = '-70E1DDFD';

let env: LocalEnvironment;
let acmPca: AcmPcaStandIn;
let vault: VaultStandIn;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
  acmPca = await startAcmPcaStandIn(env);
  vault = await startVaultStandIn(env);
});
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await Promise.all([acmPca.close(), vault.close()]);
  await env.close();
});

/** Creates a secret whose AWSCURRENT is an imported certificate with a negative serial. */
async function secretWithImportedCertificate(providerBlock: Record<string, unknown>): Promise<string> {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certificate = await issueCertificate(env.pki.intermediate, pair.publicKey, { dnsNames: ['payments-client.example.test'], serialNumberHex: NEGATIVE_SERIAL_DER_HEX });
  counter += 1;
  const created = await env.secretsManager.send(
    new CreateSecretCommand({
      Name: `mtls/negative-serial-${counter}`,
      SecretString: JSON.stringify({
        certificate,
        privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        certificateChain: env.pki.intermediate.certificatePem,
        rotation: env.rotationBlock({ provider: providerBlock, revokePrevious: 'afterRotation' }),
      }),
    }),
  );

  return created.ARN ?? '';
}

function revokeRequests(provider: 'acm-pca' | 'vault'): number {
  return provider === 'acm-pca'
    ? acmPca.server.requests.filter((request) => request.operation === 'RevokeCertificate').length
    : vault.server.requests.filter((request) => request.path.endsWith('/revoke')).length;
}

describe.each(['acm-pca', 'vault'] as const)('negative serial with %s', (provider) => {
  it('publishes a typed revocation failure', async () => {
    const arn = await secretWithImportedCertificate(provider === 'acm-pca' ? acmPca.providerBlock() : vault.providerBlock());
    const revokeRequestsBefore = revokeRequests(provider);

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    expect(versionWithLabel(await env.versionStages(arn), 'AWSCURRENT')).toBe(record.token);
    expect(revokeRequests(provider)).toBe(revokeRequestsBefore);
    const [notice] = publishedNotices(env, 'CertificateRevocationFailed').filter((published) => published.secretArn === arn);
    expect(notice?.serialNumber).toBe(NEGATIVE_SERIAL);
    const error = notice?.error as { name: string; message: string } | undefined;
    expect(error?.name, error?.message).toBe('ProviderError');
    expect(error?.message).toBe(
      `serial number "${NEGATIVE_SERIAL}" is negative, which RFC 5280 section 4.1.2.2 does not allow, and provider '${provider}' revokes by positive serial only: revoke the certificate at the CA by hand`,
    );
    expect(capturedOutput()).toMatch(new RegExp(`"could not revoke the superseded certificate[^\\n]*"serialNumber":"${NEGATIVE_SERIAL}"[^\\n]*"retryable":false`));
  });
});
