import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSerialNumber } from '../../src/lib/certificates/summary.js';
import { fetchWithClientCertificate } from '../../dev/partner/fetch-with-client-certificate.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { assertNoPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';

let env: LocalEnvironment;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await env.close();
});

async function currentDocument(arn: string) {
  const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
  if (typeof document.privateKey === 'string') registerPrivateKey(document.privateKey);

  return document;
}

function stagesByLabel(stages: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(stages).flatMap(([versionId, labels]) => labels.map((label) => [label, versionId])));
}

describe('rotation through Secrets Manager', () => {
  it('issues the first certificate for a bootstrap secret', async () => {
    const arn = await env.createBootstrapSecret('mtls/bootstrap', {});

    const record = await env.rotateSecret(arn);

    expect(record.steps).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => ({ step, ok: true })));
    const document = await currentDocument(arn);
    const leaf = new X509Certificate(document.certificate as string);
    expect(leaf.subject).toContain('CN=payments-client.example.test');
    expect(leaf.checkPrivateKey(await import('node:crypto').then(({ createPrivateKey }) => createPrivateKey(document.privateKey as string)))).toBe(true);
    expect(document.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(document.certificateChain).toBe(env.pki.intermediate.certificatePem.replace(/\n?$/, '\n'));
    expect(document.rotation).toEqual(env.rotationBlock({}));
  });

  it('stores canonical PEM', async () => {
    const arn = await env.createBootstrapSecret('mtls/canonical', {});
    await env.rotateSecret(arn);

    const document = await currentDocument(arn);

    for (const field of ['certificate', 'certificateChain'] as const) {
      const text = document[field] as string;
      expect(text).not.toContain('\r');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n').every((line) => line.length <= 64)).toBe(true);
    }
  });

  it('keeps other top-level fields', async () => {
    const created = await env.createBootstrapSecret('mtls/extra-fields', {});
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await env.secretsManager.send(
      new PutSecretValueCommand({ SecretId: created, SecretString: JSON.stringify({ rotation: env.rotationBlock(), owner: 'team-payments', partnerId: 42 }) }),
    );

    await env.rotateSecret(created);

    const document = await currentDocument(created);
    expect(document.owner).toBe('team-payments');
    expect(document.partnerId).toBe(42);
  });

  it('moves the old version to AWSPREVIOUS', async () => {
    const arn = await env.createBootstrapSecret('mtls/second-rotation', {});
    const first = await env.rotateSecret(arn);
    const firstSerial = new X509Certificate((await currentDocument(arn)).certificate as string).serialNumber;

    const second = await env.rotateSecret(arn);

    const labels = stagesByLabel(await env.versionStages(arn));
    expect(labels.AWSCURRENT).toBe(second.token);
    expect(labels.AWSPREVIOUS).toBe(first.token);
    expect(labels.AWSPENDING).toBeUndefined();
    const previous = await env.readDocument(arn, { stage: 'AWSPREVIOUS' });
    expect(new X509Certificate(previous.certificate as string).serialNumber).toBe(firstSerial);
    expect(new X509Certificate((await currentDocument(arn)).certificate as string).serialNumber).not.toBe(firstSerial);
  });

  it('publishes CertificateRotated with attributes', async () => {
    const arn = await env.createBootstrapSecret('mtls/notified', {});
    const first = await env.rotateSecret(arn);
    const second = await env.rotateSecret(arn);

    const published = env.aws.snsMessages.filter((message) => JSON.parse(message.message).versionId === second.token);

    expect(published).toHaveLength(1);
    const body = JSON.parse(published[0]!.message);
    const leaf = new X509Certificate((await currentDocument(arn)).certificate as string);
    expect(body).toEqual({
      event: 'CertificateRotated',
      secretArn: arn,
      versionId: second.token,
      previousVersionId: first.token,
      serialNumber: canonicalSerialNumber(leaf.serialNumber),
      fingerprintSha256: leaf.fingerprint256.replaceAll(':', '').toLowerCase(),
      subject: 'O=Example Org, CN=payments-client.example.test',
      issuer: expect.stringContaining('Dev Client Issuing CA'),
      notBefore: new Date(leaf.validFrom).toISOString(),
      notAfter: new Date(leaf.validTo).toISOString(),
    });
    expect(published[0]!.topicArn).toBe(env.topicArn);
    expect(published[0]!.messageAttributes.event).toEqual({ dataType: 'String', stringValue: 'CertificateRotated' });
    expect(published[0]!.messageAttributes.secretArn).toEqual({ dataType: 'String', stringValue: arn });
  });

  it('gives the partner the new certificate', async () => {
    const arn = await env.createBootstrapSecret('mtls/partner-call', {});
    await env.rotateSecret(arn);
    const document = await currentDocument(arn);

    const response = await fetchWithClientCertificate(env.partner.url, {
      certificatePem: document.certificate as string,
      chainPem: document.certificateChain as string,
      privateKeyPem: document.privateKey as string,
      caPem: env.pki.serverRoot.certificatePem,
    });

    expect(response.status).toBe(200);
    const serial = new X509Certificate(document.certificate as string).serialNumber;
    expect(env.partner.requests.some((request) => request.serialNumber === serial)).toBe(true);
  });

  it.each([
    ['RSA 2048', { algorithm: 'RSA', size: 2048 }, 'rsa'],
    ['EC P-384', { algorithm: 'EC', curve: 'P-384' }, 'ec'],
  ])('rotates with an %s key', async (_name, key, type) => {
    const arn = await env.createBootstrapSecret(`mtls/key-${type}-${Date.now()}`, { key });

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok)).toBe(true);
    expect(new X509Certificate((await currentDocument(arn)).certificate as string).publicKey.asymmetricKeyType).toBe(type);
  });

  it('tests the current certificate alone when RotateImmediately is false', async () => {
    const arn = await env.createBootstrapSecret('mtls/test-only', {});
    await env.rotateSecret(arn);
    const before = await env.versionStages(arn);

    const record = await env.rotateSecret(arn, { rotateImmediately: false });

    expect(record.steps).toEqual([{ step: 'testSecret', ok: true }]);
    expect(await env.versionStages(arn)).toEqual(before);
  });

  it('writes no key material to SNS', () => {
    for (const message of env.aws.snsMessages) {
      expect(() => assertNoPrivateKeyMaterial(message.message, 'SNS message')).not.toThrow();
    }
  });
});
