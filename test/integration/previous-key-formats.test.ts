import { createPrivateKey, X509Certificate, type KeyExportOptions } from 'node:crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { capturedOutput } from '../support/leak-guard.js';
import { registerPrivateKey } from '../support/key-material.js';
import { readStored } from '../support/rotation-outcome.js';

/*
 * Secrets whose AWSCURRENT key was stored in another format than the unencrypted PKCS#8 the service
 * writes: by hand, by an older tool, or encrypted. A readable key is used where the service needs
 * it; every new version carries unencrypted PKCS#8 whatever the previous format.
 */

const PASSPHRASE = 'example-passphrase';
const RSA_KEY = { algorithm: 'RSA', size: 2048 };
const EC_KEY = { algorithm: 'EC', curve: 'P-256' };

type Format = [name: string, key: Record<string, unknown>, options: KeyExportOptions<'pem'>, readable: boolean, header: string];

const FORMATS: Format[] = [
  ['PKCS#1 RSA', RSA_KEY, { type: 'pkcs1', format: 'pem' }, true, '-----BEGIN RSA PRIVATE KEY-----'],
  ['PKCS#8 RSA', RSA_KEY, { type: 'pkcs8', format: 'pem' }, true, '-----BEGIN PRIVATE KEY-----'],
  ['SEC1 EC', EC_KEY, { type: 'sec1', format: 'pem' }, true, '-----BEGIN EC PRIVATE KEY-----'],
  ['PKCS#8 EC', EC_KEY, { type: 'pkcs8', format: 'pem' }, true, '-----BEGIN PRIVATE KEY-----'],
  ['encrypted PKCS#8', RSA_KEY, { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }, false, '-----BEGIN ENCRYPTED PRIVATE KEY-----'],
  ['legacy encrypted PKCS#1', RSA_KEY, { type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }, false, 'Proc-Type: 4,ENCRYPTED'],
];

let env: LocalEnvironment;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterAll(() => env.close());

/** Gives a secret its first certificate, then stores the same key again in `options`' format as AWSCURRENT. */
async function secretWithPreviousKeyIn(key: Record<string, unknown>, options: KeyExportOptions<'pem'>): Promise<string> {
  counter += 1;
  const arn = await env.createBootstrapSecret(`mtls/key-format-${counter}`, { key });
  const first = await env.rotateSecret(arn);
  expect(first.steps.every((step) => step.ok)).toBe(true);

  const document = JSON.parse((await readStored(env, arn, { stage: 'AWSCURRENT' })).text) as Record<string, unknown>;
  registerPrivateKey(document.privateKey as string);
  const converted = createPrivateKey(document.privateKey as string).export(options).toString();
  await env.secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ ...document, privateKey: converted }) }));

  return arn;
}

describe.each(FORMATS)('previous key as %s', (_name, key, options, readable, header) => {
  let arn: string;

  beforeAll(async () => {
    arn = await secretWithPreviousKeyIn(key, options);
  });

  it('is stored in that format', async () => {
    expect(JSON.parse((await readStored(env, arn, { stage: 'AWSCURRENT' })).text).privateKey).toContain(header);
  });

  it(readable ? 'passes the test-only rotation' : 'fails the test-only rotation naming the cause', async () => {
    const record = await env.rotateSecret(arn, { rotateImmediately: false });

    if (readable) {
      expect(record.steps).toEqual([{ step: 'testSecret', ok: true }]);
    } else {
      expect(record.steps[0]?.error?.name).toBe('KeyError');
      expect(record.steps[0]?.error?.message).toMatch(/field privateKey is an encrypted private key, and the rotation service has no passphrase for it$/);
    }
  });

  it('rotates to unencrypted PKCS#8', async () => {
    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok), JSON.stringify(record.steps)).toBe(true);
    const document = JSON.parse((await readStored(env, arn, { stage: 'AWSCURRENT' })).text) as Record<string, string>;
    expect(document.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    const privateKey = createPrivateKey(document.privateKey!);
    expect(new X509Certificate(document.certificate!).checkPrivateKey(privateKey)).toBe(true);
    expect(privateKey.asymmetricKeyType).toBe(key.algorithm === 'EC' ? 'ec' : 'rsa');
  });
});

describe('a CFSSL rotation', () => {
  it('does not read the previous key at all', async () => {
    const arn = await secretWithPreviousKeyIn(RSA_KEY, FORMATS[4]![2]);

    const record = await env.rotateSecret(arn);

    expect(record.steps.every((step) => step.ok)).toBe(true);
    // CFSSL does not authenticate with the current certificate, so its unreadable key is no concern.
    expect(capturedOutput()).not.toContain('the current certificate or private key cannot be read');
  });
});
