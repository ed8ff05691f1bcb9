/*
 * Hostile and odd inputs: each ends in a typed RotationError (or a correct rotation), leaves
 * AWSCURRENT in place when it should, and publishes no key material.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { createIntermediateCa, createRootCa, generateKeyPair, issueCertificate } from '../../dev/pki/index.js';
import { RotationError } from '../../src/lib/errors.js';
import { rotate } from '../../src/lib/rotation.js';
import { cfsslSuccess } from '../support/cfssl-answers.js';
import { ECDSA_WITH_SHA1, encode, extension, readElement, rewriteCertificate } from '../support/certificate-rewriting.js';
import { rotateOnce, signAndTransform } from '../support/rotate-once.js';
import { assertNoPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';

let env: LocalEnvironment;
let endless: Server;
let endlessUrl: string;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const NO_HANDSHAKE = { handshake: undefined };
const TYPED = new Set([
  'InvalidEventError',
  'SecretStateError',
  'SecretValueError',
  'ConfigurationError',
  'ProviderError',
  'CertificateParseError',
  'CertificateValidationError',
  'HandshakeError',
  'SecretTooLargeError',
  'KeyError',
  'CredentialsError',
  'AwsCallError',
]);

beforeAll(async () => {
  env = await startLocalEnvironment();
  // This CA endpoint sends headers, then one space every 100 ms until the client disconnects.
  endless = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => response.write(' '), 100);
    response.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
  endlessUrl = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/api/v1/cfssl/sign`;
});
afterEach(() => env.cfssl.setResponder(undefined));
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  endless.closeAllConnections();
  await new Promise((resolve) => endless.close(resolve));
  await env.close();
});

const sign = (answer: { status: number; body: string }) => (path: string) => (path.endsWith('/sign') ? answer : undefined);
const utcTime = (date: Date) => encode(0x17, Buffer.from(date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));

describe('hostile CA responses', () => {
  it.each([
    ['a number', 42],
    ['an array', ['-----BEGIN CERTIFICATE-----']],
    ['a nested object', { certificate: { certificate: 'x' } }],
    ['null', null],
    ['an empty string', ''],
  ])('rejects certificate as %s', async (_label, certificate) => {
    const body = JSON.stringify({ success: true, result: { certificate }, errors: [], messages: [] });

    const result = await rotateOnce(env, {}, sign({ status: 200, body }));

    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.promoted).toBe(false);
  });

  it('rejects 2 MB response', async () => {
    const body = JSON.stringify({ success: true, result: { certificate: 'A'.repeat(2 * 1024 * 1024) } });

    const result = await rotateOnce(env, {}, sign({ status: 200, body }));

    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toContain('exceeds 1048576 bytes');
  });

  it('times out never-ending response', async () => {
    const provider = { type: 'cfssl', url: endlessUrl, allowInsecureHttp: true, timeoutMs: 1_000 };

    const result = await rotateOnce(env, { provider });

    expect(result.failed?.error?.name).toBe('ProviderError');
    expect(result.failed?.error?.message).toContain('timed out after 1000 ms');
  });

  it('rejects private key block unquoted', async () => {
    const stray = await generateKeyPair();
    registerPrivateKey(stray.privateKeyPem);

    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, {}, (pem) => pem + stray.privateKeyPem));

    expect(result.failed?.error?.name).toBe('CertificateParseError');
    expect(result.failed?.error?.message).toContain('contains a private key block');
    assertNoPrivateKeyMaterial(JSON.stringify(result), 'rotation result');
  });

  it('rejects CA certificate as leaf', async () => {
    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, { isCa: true }));

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.failed?.error?.message).toContain('is a CA certificate');
  });

  it('rejects leaf valid in 10 years', async () => {
    const notBefore = new Date(Date.now() + 3650 * DAY_MS);
    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, { notBefore, notAfter: new Date(notBefore.getTime() + 90 * DAY_MS) }));

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.failed?.error?.message).toContain('is not valid before');
  });

  it('stops chain walk on cycle', async () => {
    const intermediateDer = env.pki.intermediate.certificate.raw;
    const intermediateTbs = readElement(intermediateDer, readElement(intermediateDer, 0).contentStart);
    const loopRoot = rewriteCertificate(env.pki.root.certificatePem, env.pki.intermediate, (parts) => {
      // The root is re-signed by its own intermediate: its issuer becomes the intermediate's subject, field 6 of the TBSCertificate.
      let offset = intermediateTbs.contentStart;
      for (let index = 0; index < 5; index += 1) offset = readElement(intermediateDer, offset).end;
      parts.issuer = intermediateDer.subarray(offset, readElement(intermediateDer, offset).end);
    });

    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, {}, (pem) => pem, env.pki.intermediate.certificatePem + loopRoot));

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it('deduplicates 25 repeated leaf-chain pairs', async () => {
    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, {}, (pem) => (pem + env.pki.intermediate.certificatePem).repeat(25)));
    const current = await env.readDocument(result.arn, { stage: 'AWSCURRENT' });

    expect(result.promoted).toBe(true);
    expect(current.certificateChain).toBe(new X509Certificate(env.pki.intermediate.certificatePem).toString());
    expect((current.certificate as string).match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
  });

  it('rejects 49 unlinked chain certificates', async () => {
    const strangerRoot = await createRootCa({ commonName: 'Stranger Root' });
    const strangers = await Promise.all(Array.from({ length: 49 }, (_, index) => createIntermediateCa(strangerRoot, { commonName: `Stranger ${index}` })));

    const started = Date.now();
    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, {}, (pem) => pem, strangers.map((ca) => ca.certificatePem).join('')));

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects leaf from another CA', async () => {
    const stranger = await createIntermediateCa(await createRootCa({ commonName: 'Other Root' }), { commonName: 'Other Issuing CA' });

    const result = await rotateOnce(env, {}, signAndTransform(stranger, {}, (pem) => pem, stranger.certificatePem));

    expect(result.failed?.error?.name).toBe('CertificateValidationError');
  });
});

describe('validation rejects what a partner would', () => {
  it.each([
    ['a leaf that expired in the year 49', (pem: string) => rewriteCertificate(pem, env.pki.intermediate, (parts) => {
      parts.validity = encode(0x30, utcTime(new Date(Date.now() - HOUR_MS)), encode(0x18, Buffer.from('00491231235959Z')));
    })],
    ['a SHA-1 leaf', (pem: string) => rewriteCertificate(pem, env.pki.intermediate, (parts) => {
      parts.signatureAlgorithm = ECDSA_WITH_SHA1;
    })],
    ['an unknown critical extension', (pem: string) => rewriteCertificate(pem, env.pki.intermediate, (parts) => {
      parts.extensions.push(extension('1.3.6.1.4.1.55555.1', true, Buffer.from([0x05, 0x00])));
    })],
  ])('fails createSecret for %s', async (_label, transform) => {
    const result = await rotateOnce(env, {}, signAndTransform(env.pki.intermediate, {}, transform));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.name).toBe('CertificateValidationError');
    expect(result.promoted).toBe(false);
  });

  it('fails createSecret beyond pathLenConstraint', async () => {
    const subordinate = await createIntermediateCa(env.pki.intermediate, { commonName: 'Sub CA Beyond pathLen' });

    const result = await rotateOnce(env, {}, signAndTransform(subordinate, {}, (pem) => pem, subordinate.certificatePem));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.message).toContain('PATH_LENGTH_EXCEEDED');
  });
});

describe('odd rotation blocks', () => {
  it.each([
    ['__proto__ in rotation', '{"__proto__":{"allowInsecureHttp":true}}'],
    ['constructor in subject', '{"subject":{"commonName":"x","constructor":"y"}}'],
    ['101 DNS names', JSON.stringify({ subjectAltNames: { dns: Array.from({ length: 101 }, (_, index) => `h${index}.example.test`) } })],
    ['minValidityDays as a string', '{"minValidityDays":"7"}'],
    ['key size as a string', '{"key":{"algorithm":"RSA","size":"2048"}}'],
    ['an unsupported curve', '{"key":{"algorithm":"EC","curve":"P-521"}}'],
    ['a commonName of 65 characters', JSON.stringify({ subject: { commonName: 'a'.repeat(65) } })],
  ])('rejects %s before CA request', async (_label, overridesJson) => {
    const requestsBefore = env.cfssl.requests.length;
    // JSON.parse keeps "__proto__" as an own key, as the service's JSON.parse does.
    const result = await rotateOnce(env, JSON.parse(overridesJson) as Record<string, unknown>);

    expect(result.failed?.error?.name).toBe('ConfigurationError');
    expect(env.cfssl.requests.length).toBe(requestsBefore);
  });

  it.each([
    ['an array', [1, 2]],
    ['a JSON string', '{"provider":{"type":"cfssl"}}'],
    ['a number', 7],
  ])('rejects rotation as %s', async (_label, rotation) => {
    const arn = (await env.secretsManager.send(new CreateSecretCommand({ Name: `mtls/odd-${Date.now()}-${Math.random()}`, SecretString: JSON.stringify({ rotation }) }))).ARN ?? '';

    const record = await env.rotateSecret(arn);

    expect(record.steps[0]?.error?.name).toBe('ConfigurationError');
  });

  it('rejects value over 64 KiB', async () => {
    const dns = Array.from({ length: 100 }, (_, index) => `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(50)}.h${index}.example.test`);
    const uri = Array.from({ length: 100 }, (_, index) => `spiffe://example.test/${'p'.repeat(200)}/${index}`);

    const result = await rotateOnce(env, { subjectAltNames: { dns, uri } });
    const pending = await env.secretsManager
      .send(new GetSecretValueCommand({ SecretId: result.arn, VersionId: result.record.token }))
      .then(() => 'value', (error: Error) => error.name);

    expect(result.failed?.error?.name).toBe('SecretTooLargeError');
    expect(pending).toBe('ResourceNotFoundException');
  });

  it('round-trips a non-ASCII commonName', async () => {
    const result = await rotateOnce(env, { subject: { commonName: 'Zürich Kunde 客户端 😀' } });
    const current = await env.readDocument(result.arn, { stage: 'AWSCURRENT' });

    expect(result.promoted).toBe(true);
    expect(new X509Certificate(current.certificate as string).subject).toContain('CN=Zürich Kunde 客户端 😀');
  });
});

describe('odd events', () => {
  it.each([
    ['a lower-case step', (arn: string, token: string) => ({ SecretId: arn, ClientRequestToken: token, Step: 'createsecret' }), 'InvalidEventError'],
    ['a huge RotationToken', (arn: string, token: string) => ({ SecretId: arn, ClientRequestToken: token, Step: 'createSecret', RotationToken: 'r'.repeat(5000) }), 'InvalidEventError'],
    ['a 65-character token', (arn: string) => ({ SecretId: arn, ClientRequestToken: 't'.repeat(65), Step: 'createSecret' }), 'InvalidEventError'],
    ['a 64-character token that is no version', (arn: string) => ({ SecretId: arn, ClientRequestToken: 't'.repeat(64), Step: 'finishSecret' }), 'SecretStateError'],
    ['a token as a number', (arn: string) => ({ SecretId: arn, ClientRequestToken: 12345, Step: 'createSecret' }), 'InvalidEventError'],
    ['an unknown secret', (_arn: string, token: string) => ({ SecretId: 'mtls/does-not-exist', ClientRequestToken: token, Step: 'createSecret' }), 'AwsCallError'],
  ])('rejects %s', async (_label, build, expected) => {
    const result = await rotateOnce(env);
    const event = build(result.arn, result.record.token);

    const error = await rotate(event, undefined, env.dependencies).then(() => undefined, (caught: unknown) => caught);

    expect(error).toBeInstanceOf(RotationError);
    expect((error as Error).name).toBe(expected);
  });

  it("rejects another secret's token", async () => {
    const first = await rotateOnce(env);
    const second = await rotateOnce(env);

    const error = await rotate({ SecretId: first.arn, ClientRequestToken: second.record.token, Step: 'finishSecret', Extra: { nested: true } }, undefined, env.dependencies).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect((error as Error).name).toBe('SecretStateError');
  });
});

describe('odd secret values', () => {
  it('rotates a secret stored as SecretBinary', async () => {
    const name = `mtls/binary-${Date.now()}`;
    const arn = (await env.secretsManager.send(new CreateSecretCommand({ Name: name, SecretBinary: Buffer.from(JSON.stringify({ rotation: env.rotationBlock() })) }))).ARN ?? name;

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
  });

  it('rejects SecretBinary that is not UTF-8', async () => {
    const name = `mtls/latin1-${Date.now()}`;
    const arn = (await env.secretsManager.send(new CreateSecretCommand({ Name: name, SecretBinary: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }))).ARN ?? name;

    const record = await env.rotateSecret(arn);

    expect(record.steps[0]?.error?.name).toBe('SecretValueError');
  });

  it.each(['encrypted', 'sec1'] as const)('rotates with %s current key', async (form) => {
    const first = await rotateOnce(env);
    const current = await env.readDocument(first.arn, { stage: 'AWSCURRENT' });
    const key = createPrivateKey(current.privateKey as string);
    const privateKey =
      form === 'encrypted'
        ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'not-known-to-the-service' }).toString()
        : key.export({ type: 'sec1', format: 'pem' }).toString();
    registerPrivateKey(privateKey);
    await env.secretsManager.send(new PutSecretValueCommand({ SecretId: first.arn, SecretString: JSON.stringify({ ...current, privateKey }) }));

    const record = await env.rotateSecret(first.arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    const newCurrent = await env.readDocument(first.arn, { stage: 'AWSCURRENT' });
    expect(newCurrent.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });
});

describe('manual and concurrent invocations', () => {
  it('finishSecret re-validates manual pending value', async () => {
    const failed = await rotateOnce(env, {}, sign({ status: 503, body: '{"success":false,"result":null,"errors":[{"code":1,"message":"down"}]}' }));
    expect(failed.failed?.step).toBe('createSecret');
    const key = await generateKeyPair();
    registerPrivateKey(key.privateKeyPem);
    const expired = await issueCertificate(env.pki.intermediate, key.publicKey, {
      subject: 'CN=payments-client.example.test',
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    await env.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: failed.arn,
        ClientRequestToken: failed.record.token,
        SecretString: JSON.stringify({ rotation: env.rotationBlock(), certificate: expired, privateKey: key.privateKeyPem, certificateChain: env.pki.intermediate.certificatePem }),
        VersionStages: ['AWSPENDING'],
      }),
    );

    const error = await rotate({ SecretId: failed.arn, ClientRequestToken: failed.record.token, Step: 'finishSecret' }, undefined, env.dependencies).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect((error as Error).name).toBe('CertificateValidationError');
    expect((await env.versionStages(failed.arn))[failed.record.token]).not.toContain('AWSCURRENT');
    assertNoPrivateKeyMaterial((error as Error).message, 'finishSecret error');
  });

  it('concurrent createSecret keeps one certificate', async () => {
    const failed = await rotateOnce(env, {}, sign({ status: 503, body: '{"success":false,"result":null,"errors":[{"code":1,"message":"down"}]}' }));
    env.cfssl.setResponder(undefined);
    const event = { SecretId: failed.arn, ClientRequestToken: failed.record.token, Step: 'createSecret' };

    const outcomes = await Promise.allSettled([rotate(event, undefined, env.dependencies), rotate(event, undefined, env.dependencies)]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    const pending = await env.secretsManager.send(new GetSecretValueCommand({ SecretId: failed.arn, VersionId: failed.record.token }));
    expect(JSON.parse(pending.SecretString ?? '{}').certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('concurrent finishSecret promotes once', async () => {
    const failed = await rotateOnce(env, { handshake: { url: env.partner.url, caCertificates: env.pki.serverRoot.certificatePem, expectStatus: 204 } });
    expect(failed.failed?.step).toBe('testSecret');
    const event = { SecretId: failed.arn, ClientRequestToken: failed.record.token, Step: 'finishSecret' };

    const outcomes = await Promise.allSettled([rotate(event, undefined, env.dependencies), rotate(event, undefined, env.dependencies)]);

    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(TYPED.has((outcome.reason as Error).name), String(outcome.reason)).toBe(true);
    }
    const stages = await env.versionStages(failed.arn);
    expect(Object.values(stages).flat().filter((stage) => stage === 'AWSCURRENT')).toHaveLength(1);
  });
});

it('logs only typed error names', () => {
  const names = [...capturedOutput().matchAll(/"error":\{"name":"([A-Za-z]+)"/g)].map((match) => match[1]);
  expect(names.filter((name) => !TYPED.has(name ?? ''))).toEqual([]);
});
