import { CreateSecretCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../dev/aws/lambda-context.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { generateKeyPair } from '../../dev/pki/index.js';
import { ConfigurationError, InvalidEventError, SecretStateError } from '../../src/lib/errors.js';
import { rotate } from '../../src/lib/rotation.js';
import { registerPrivateKey } from '../support/key-material.js';
import { readStored } from '../support/rotation-outcome.js';

/*
 * Malformed events and stored values: each ends in a typed error, no crash, no CA request and
 * nothing stored, and never quotes the stored value in a message.
 */

const TOKEN = '3f0c1d2e-0000-4000-8000-00000000000b';
let env: LocalEnvironment;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterAll(() => env.close());

function signRequestCount(): number {
  return env.cfssl.requests.filter((request) => request.path.endsWith('/sign')).length;
}

function failureNoticesFor(versionId: string): Record<string, unknown>[] {
  return env.aws.snsMessages
    .map((message) => JSON.parse(message.message) as Record<string, unknown>)
    .filter((body) => body.event === 'CertificateRotationFailed' && body.versionId === versionId);
}

async function rotateEvent(event: unknown): Promise<Error | undefined> {
  return rotate(event, createLambdaContext({ timeoutMs: 30_000 }), env.dependencies).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
}

/** Creates a secret with exactly `value` as AWSCURRENT, then rotates it. */
async function rotateStored(value: { SecretString?: string; SecretBinary?: Uint8Array }) {
  counter += 1;
  const name = `mtls/bad-input-${counter}`;
  const created = await env.secretsManager.send(new CreateSecretCommand({ Name: name, ...value }));
  const arn = created.ARN ?? name;
  const signsBefore = signRequestCount();

  const record = await env.rotateSecret(arn);

  const versions = await env.secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
  const pendingHasValue = await readStored(env, arn, { versionId: record.token }).then(
    () => true,
    () => false,
  );

  return { arn, record, failed: record.steps.find((step) => !step.ok), signs: signRequestCount() - signsBefore, versions: versions.Versions ?? [], pendingHasValue };
}

describe('malformed rotation events', () => {
  const valid = () => ({ SecretId: 'mtls/bad-input-events', ClientRequestToken: TOKEN, Step: 'createSecret' });

  it.each<[string, (event: Record<string, unknown>) => unknown, RegExp]>([
    ['null', () => null, /must be a JSON object/],
    ['a JSON string', () => JSON.stringify(valid()), /must be a JSON object/],
    ['an array', (event) => [event], /must be a JSON object/],
    ['no SecretId', ({ SecretId: _dropped, ...event }) => event, /missing required field SecretId/],
    ['an empty ClientRequestToken', (event) => ({ ...event, ClientRequestToken: '' }), /field ClientRequestToken is empty/],
    ['a numeric Step', (event) => ({ ...event, Step: 1 }), /field Step must be a string, got number/],
    ['an object SecretId', (event) => ({ ...event, SecretId: { arn: 'x' } }), /field SecretId must be a string, got object/],
    ['a SecretId of 5,000 characters', (event) => ({ ...event, SecretId: 's'.repeat(5_000) }), /SecretId has 5000 characters, expected 1 to 2048/],
    ['a token of 65 characters', (event) => ({ ...event, ClientRequestToken: 't'.repeat(65) }), /ClientRequestToken has 65 characters, expected 32 to 64/],
    ['an unknown step', (event) => ({ ...event, Step: 'deleteSecret' }), /Step has unknown value "deleteSecret"/],
    ['a step in the wrong case', (event) => ({ ...event, Step: 'CreateSecret' }), /Step has unknown value "CreateSecret"/],
  ])('%s is rejected before any AWS call', async (_name, mutate, message) => {
    const signsBefore = signRequestCount();
    const noticesBefore = env.aws.snsMessages.length;

    const failure = await rotateEvent(mutate(valid()));

    expect(failure).toBeInstanceOf(InvalidEventError);
    expect(failure?.message).toMatch(message);
    expect(signRequestCount()).toBe(signsBefore);
    expect(env.aws.snsMessages.length).toBe(noticesBefore);
  });
});

describe('events that do not match the secret', () => {
  it('a token of another secret is rejected', async () => {
    // Prepare
    const mine = await env.createBootstrapSecret('mtls/bad-input-mine');
    const theirs = await env.createBootstrapSecret('mtls/bad-input-theirs');
    await env.rotateSecret(mine);
    const theirRotation = await env.rotateSecret(theirs);
    const versionsBefore = await env.secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: mine, IncludeDeprecated: true }));
    const signsBefore = signRequestCount();

    // Act
    const failure = await rotateEvent({ SecretId: mine, ClientRequestToken: theirRotation.token, Step: 'createSecret' });

    // Assess
    expect(failure).toBeInstanceOf(SecretStateError);
    expect(failure?.message).toBe(`ClientRequestToken ${theirRotation.token} is not a version of secret ${mine}; the event belongs to another secret or rotation`);
    expect(signRequestCount()).toBe(signsBefore);
    const versionsAfter = await env.secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: mine, IncludeDeprecated: true }));
    expect(versionsAfter.Versions).toEqual(versionsBefore.Versions);
    expect(failureNoticesFor(theirRotation.token)).toHaveLength(1);
  });

  it.each(['createSecret', 'setSecret', 'testSecret'] as const)('%s for an AWSPREVIOUS version is rejected', async (step) => {
    const arn = await env.createBootstrapSecret(`mtls/bad-input-previous-${step}`);
    const first = await env.rotateSecret(arn);
    await env.rotateSecret(arn);

    const failure = await rotateEvent({ SecretId: arn, ClientRequestToken: first.token, Step: step });

    expect(failure).toBeInstanceOf(SecretStateError);
    expect(failure?.message).toMatch(/is not AWSPENDING \(stages: AWSPREVIOUS\)/);
  });
});

describe('stored values that cannot be rotated', () => {
  const keyLooking = 'privateKey=MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDTQrx6';

  it.each<[string, { SecretString?: string; SecretBinary?: Uint8Array }, string, RegExp]>([
    ['text that is not JSON', { SecretString: keyLooking }, 'SecretValueError', /is not valid JSON/],
    ['a JSON array', { SecretString: '[{"rotation":{}}]' }, 'SecretValueError', /must be a JSON object, got an array/],
    ['JSON without a rotation block', { SecretString: '{"certificate":"x"}' }, 'SecretValueError', /has no "rotation" block/],
    ['a numeric certificate field', { SecretString: '{"rotation":{},"certificate":42}' }, 'SecretValueError', /field certificate must be a PEM string, got number/],
    ['SecretBinary that is not UTF-8', { SecretBinary: new Uint8Array([0xff, 0xfe, 0xfd, 0x00]) }, 'SecretValueError', /not UTF-8 text/],
  ])('%s fails createSecret', async (_name, value, errorName, message) => {
    const result = await rotateStored(value);

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.name).toBe(errorName);
    expect(result.failed?.error?.message).toMatch(message);
    expect(result.failed?.error?.message).not.toContain('MIIE');
    expect(result.signs).toBe(0);
    expect(result.pendingHasValue).toBe(false);
    expect(failureNoticesFor(result.record.token)).toHaveLength(1);
  });

  it('a rotation block with wrong types and unknown keys lists every field', async () => {
    const rotation = {
      provider: { type: 'cfssl', url: 42, profle: 'client' },
      subject: { commonName: 7 },
      key: { algorithm: 'DSA' },
      minValidityDays: '7',
      handshakeUrl: 'https://partner.example.test/health',
    };

    const result = await rotateStored({ SecretString: JSON.stringify({ rotation }) });

    expect(result.failed?.error?.name).toBe('ConfigurationError');
    const message = result.failed?.error?.message ?? '';
    for (const path of ['rotation.provider.url', 'rotation.provider', 'rotation.subject.commonName', 'rotation.key.algorithm', 'rotation.minValidityDays', 'unknown field "handshakeUrl"', '"profle"']) {
      expect(message, path).toContain(path);
    }
    expect(result.signs).toBe(0);
    expect(result.pendingHasValue).toBe(false);
  });

  it('a private key pasted into the provider URL is not quoted', async () => {
    const { privateKeyPem } = await generateKeyPair();
    registerPrivateKey(privateKeyPem);
    const rotation = env.rotationBlock({ provider: { type: 'cfssl', url: privateKeyPem, allowInsecureHttp: true } });

    const result = await rotateStored({ SecretString: JSON.stringify({ rotation }) });

    expect(result.failed?.error?.name).toBe(ConfigurationError.name);
    expect(result.failed?.error?.message).toContain('rotation.provider.url: the value (a PEM block) is not a valid URL');
    expect(result.failed?.error?.message).not.toContain('PRIVATE KEY');
  });

  it('plain http to a public host is rejected', async () => {
    const rotation = env.rotationBlock({ provider: { type: 'cfssl', url: 'http://ca.example.test/api/v1/cfssl/sign', allowInsecureHttp: true } });

    const result = await rotateStored({ SecretString: JSON.stringify({ rotation }) });

    expect(result.failed?.error?.message).toContain('rotation.provider.url: plain http is not allowed for host ca.example.test: use https');
    expect(result.signs).toBe(0);
  });
});

describe('stored values in other forms', () => {
  it('AWSCURRENT as SecretBinary holding UTF-8 JSON rotates and stays binary', async () => {
    const result = await rotateStored({ SecretBinary: new TextEncoder().encode(JSON.stringify({ rotation: env.rotationBlock() })) });

    expect(result.record.steps.every((step) => step.ok), JSON.stringify(result.record.steps)).toBe(true);
    const current = await readStored(env, result.arn, { stage: 'AWSCURRENT' });
    expect(current.versionId).toBe(result.record.token);
    expect(current.binary).toBe(true);
    expect(JSON.parse(current.text).certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('SecretString behind a byte-order mark rotates', async () => {
    const result = await rotateStored({ SecretString: `\uFEFF${JSON.stringify({ rotation: env.rotationBlock() })}` });

    expect(result.record.steps.every((step) => step.ok), JSON.stringify(result.record.steps)).toBe(true);
    const current = await readStored(env, result.arn, { stage: 'AWSCURRENT' });
    expect(current.text.startsWith('{')).toBe(true);
  });

  it('a value that would pass 65,536 bytes is rejected before PutSecretValue', async () => {
    // Prepare: a bootstrap value just under the limit, which the certificate, key and chain would push over it.
    const rotation = env.rotationBlock();
    const filler = 65_000 - JSON.stringify({ rotation, notes: '' }).length;
    const result = await rotateStored({ SecretString: JSON.stringify({ rotation, notes: 'n'.repeat(filler) }) });

    // Assess
    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.error?.name).toBe('SecretTooLargeError');
    expect(result.failed?.error?.message).toMatch(/^secret would be 6\d,\d{3} bytes, limit 65,536: /);
    expect(result.signs).toBe(1);
    expect(result.pendingHasValue).toBe(false);
    const current = await readStored(env, result.arn, { stage: 'AWSCURRENT' });
    expect(JSON.parse(current.text).certificate).toBeUndefined();
  });

});
