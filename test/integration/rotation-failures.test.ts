import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIntermediateCa, createRootCa, generateKeyPair, issueCertificate } from '../../dev/pki/index.js';
import { startPartnerServer, type PartnerServer } from '../../dev/partner/partner-server.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { cfsslSuccess, signWith } from '../support/cfssl-answers.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let env: LocalEnvironment;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterEach(() => env.cfssl.setResponder(undefined));
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await env.close();
});

/** Rotates a secret that already has a good certificate and returns the failure, with the stage map before and after. */
async function failingRotation(overrides: Record<string, unknown> = {}, prepare?: () => void | Promise<void>) {
  counter += 1;
  const arn = await env.createBootstrapSecret(`mtls/failure-${counter}`, overrides);
  const good = await env.rotateSecret(arn);
  expect(good.steps.every((step) => step.ok), JSON.stringify(good.steps)).toBe(true);
  const before = await env.versionStages(arn);
  const currentBefore = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  await prepare?.();

  const record = await env.rotateSecret(arn);
  const failed = record.steps.find((step) => !step.ok);
  const after = await env.versionStages(arn);
  const currentAfter = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  const notice = env.aws.snsMessages
    .map((message) => JSON.parse(message.message) as Record<string, unknown>)
    .find((body) => body.event === 'CertificateRotationFailed' && body.versionId === record.token);

  return { arn, record, failed, before, after, currentBefore, currentAfter, notice };
}

function currentVersion(stages: Record<string, string[]>): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
}

describe('rotation failures', () => {
  it('rejects a certificate from another CA', async () => {
    const stranger = await createIntermediateCa(await createRootCa({ commonName: 'Stranger Root' }), { commonName: 'Stranger Issuing CA' });

    const result = await failingRotation({}, () => env.cfssl.setResponder(signWith(stranger)));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.failed?.error?.message).toContain('does not chain to the leaf');
    expect(currentVersion(result.after)).toBe(currentVersion(result.before));
    expect(result.currentAfter).toEqual(result.currentBefore);
  });

  it('rejects an expired certificate', async () => {
    const result = await failingRotation({}, () =>
      env.cfssl.setResponder(signWith(env.pki.intermediate, { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) })),
    );

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.message).toMatch(/expired on/);
    expect(currentVersion(result.after)).toBe(currentVersion(result.before));
  });

  it('rejects a certificate for another key', async () => {
    const other = await generateKeyPair();
    const otherLeaf = await issueCertificate(env.pki.intermediate, other.publicKey, { subject: 'CN=payments-client.example.test' });

    const result = await failingRotation({}, () => env.cfssl.setResponder((path) => (path.endsWith('/sign') ? cfsslSuccess(otherLeaf) : undefined)));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.message).toContain('certificate public key does not match the generated private key');
    expect(currentVersion(result.after)).toBe(currentVersion(result.before));
  });

  it('rejects a certificate without clientAuth', async () => {
    const result = await failingRotation({}, () => env.cfssl.setResponder(signWith(env.pki.intermediate, { extendedKeyUsages: ['serverAuth'] })));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.message).toContain('lacks id-kp-clientAuth');
    expect(currentVersion(result.after)).toBe(currentVersion(result.before));
  });

  it('rejects validity below minValidityDays', async () => {
    const result = await failingRotation({ minValidityDays: 30 }, () =>
      env.cfssl.setResponder(signWith(env.pki.intermediate, { notAfter: new Date(Date.now() + 5 * DAY_MS) })),
    );

    expect(result.failed?.error?.message).toContain('below minValidityDays=30');
    expect(currentVersion(result.after)).toBe(currentVersion(result.before));
  });

  it('reports a CA error answer', async () => {
    const result = await failingRotation({}, () =>
      env.cfssl.setResponder((path) =>
        path.endsWith('/sign') ? { status: 400, body: JSON.stringify({ success: false, result: null, errors: [{ code: 9300, message: 'CSR rejected by policy' }], messages: [] }) } : undefined,
      ),
    );

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toBe('provider \'cfssl\' sign rejected the request with HTTP 400: 9300: "CSR rejected by policy"');
  });

  it('reports an HTML page answered with 200', async () => {
    const result = await failingRotation({}, () =>
      env.cfssl.setResponder((path) => (path.endsWith('/sign') ? { status: 200, body: '<html><body>Login required</body></html>' } : undefined)),
    );

    expect(result.failed?.error?.message).toContain("is not CFSSL's JSON envelope");
    expect(currentVersion(result.after)).toBe(currentVersion(result.before));
  });

  it('publishes CertificateRotationFailed', async () => {
    const result = await failingRotation({}, () => env.cfssl.setResponder(signWith(env.pki.intermediate, { extendedKeyUsages: ['serverAuth'] })));

    expect(result.notice).toEqual({
      event: 'CertificateRotationFailed',
      secretArn: result.arn,
      versionId: result.record.token,
      step: 'createSecret',
      error: { name: 'CertificateValidationError', message: expect.stringContaining('lacks id-kp-clientAuth') },
    });
  });

  it('logs the failure with the step', () => {
    expect(capturedOutput()).toContain('"message":"rotation step failed"');
  });
});

describe.each(['TLSv1.3', 'TLSv1.2'] as const)('partner on %s rejects the certificate', (version) => {
  let strictPartner: PartnerServer;

  beforeAll(async () => {
    const otherRoot = await createRootCa({ commonName: 'Partner Trusts Only This Root' });
    strictPartner = await startPartnerServer({
      certificatePem: env.pki.server.certificateChainPem,
      privateKeyPem: env.pki.server.privateKeyPem,
      clientCaPem: otherRoot.certificatePem,
      minVersion: version,
      maxVersion: version,
    });
  });
  afterAll(() => strictPartner.close());

  it('fails testSecret and keeps AWSCURRENT', async () => {
    const handshake = { url: env.partner.url, caCertificates: env.pki.serverRoot.certificatePem };

    const result = await failingRotation({ handshake }, async () => {
      // Point the current rotation block at the strict partner, so only the next rotation meets it.
      const secretId = `mtls/failure-${counter}`;
      const current = await env.readDocument(secretId, { stage: 'AWSCURRENT' });
      const rotation = { ...(current.rotation as object), handshake: { ...handshake, url: strictPartner.url } };
      await env.secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...current, rotation }) }));
    });

    expect(result.failed?.step).toBe('testSecret');
    expect(result.failed?.error?.name).toBe('HandshakeError');
    expect(result.failed?.error?.message).toMatch(/mTLS test against 127\.0\.0\.1:\d+ failed/);
    expect(strictPartner.requests).toHaveLength(0);
    expect(currentVersion(result.after)).not.toBe(result.record.token);
    expect(Object.values(result.after).flat()).toContain('AWSPENDING');
  });
});
