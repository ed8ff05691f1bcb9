/*
 * Untrusted text in error messages: a CA response or a rotation field may contain private key
 * material, which must not reach the log, the thrown error or the SNS notice. The keys are
 * generated here and registered with the leak guard, which fails this file if any of them leaks.
 */
import { createPrivateKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { generateKeyPair } from '../../dev/pki/index.js';
import { cfsslSuccess } from '../support/cfssl-answers.js';
import { rotateOnce } from '../support/rotate-once.js';
import { findPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';

let env: LocalEnvironment;
let strayKeyPem: string;
let strayKeySec1Base64: string;

beforeAll(async () => {
  env = await startLocalEnvironment();
  const key = await generateKeyPair();
  strayKeyPem = key.privateKeyPem;
  registerPrivateKey(strayKeyPem);
  strayKeySec1Base64 = createPrivateKey(strayKeyPem).export({ type: 'sec1', format: 'der' }).toString('base64');
});
afterEach(() => env.cfssl.setResponder(undefined));
afterAll(() => env.close());

/** Collects the error message and the SNS notices of one rotation for the key material checks. */
function failureTexts(result: Awaited<ReturnType<typeof rotateOnce>>): string[] {
  return [result.failed?.error?.message ?? '', ...result.notices.map((notice) => JSON.stringify(notice))];
}

describe('untrusted text is quoted without key material', () => {
  it('omits key in CA error message', async () => {
    const body = JSON.stringify({ success: false, result: null, errors: [{ code: 1000, message: `signer misconfigured:\n${strayKeyPem}` }], messages: [] });

    const result = await rotateOnce(env, {}, (path) => (path.endsWith('/sign') ? { status: 500, body } : undefined));

    expect(result.failed?.error?.name).toBe('ProviderError');
    for (const text of failureTexts(result)) expect(findPrivateKeyMaterial(text)).toBeUndefined();
  });

  it('omits key in non-JSON CA body', async () => {
    const result = await rotateOnce(env, {}, (path) => (path.endsWith('/sign') ? { status: 200, body: strayKeyPem } : undefined));

    expect(result.failed?.error?.name).toBe('ProviderError');
    for (const text of failureTexts(result)) expect(findPrivateKeyMaterial(text)).toBeUndefined();
  });

  it('omits SEC1 base64 certificate prefix', async () => {
    // 40 quoted characters of SEC1 base64 carry 23 of the 32 bytes of a P-256 private scalar.
    const prefix = strayKeySec1Base64.slice(0, 40);

    const result = await rotateOnce(env, {}, (path) => (path.endsWith('/sign') ? cfsslSuccess(`${strayKeySec1Base64}!`) : undefined));

    expect(result.failed?.error?.name).toBe('CertificateParseError');
    expect(findPrivateKeyMaterial(result.failed?.error?.message ?? ''), 'the leak guard does not see a 40-character prefix').toBeUndefined();
    for (const text of failureTexts(result)) expect(text.includes(prefix)).toBe(false);
  });

  it('omits key pasted into URL', async () => {
    const provider = { type: 'cfssl', url: strayKeyPem, allowInsecureHttp: true };

    const result = await rotateOnce(env, { provider });

    expect(result.failed?.error?.name).toBe('ConfigurationError');
    for (const text of failureTexts(result)) expect(findPrivateKeyMaterial(text)).toBeUndefined();
  });
});
