import { createPrivateKey, type KeyExportOptions } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY } from '../../../src/lib/net/retry.js';
import type { CredentialDocument } from '../../../src/lib/secret-value.js';
import { createProviderContext } from '../../../src/lib/steps/provider-context.js';
import type { StepContext } from '../../../src/lib/steps/step-context.js';
import { FINAL_RESERVE_MS, TimeBudget } from '../../../src/lib/time-budget.js';
import { createChainFixture, type ChainFixture } from '../../support/certificate-fixtures.js';

const PASSPHRASE = 'example-passphrase';

let rsa: ChainFixture;
let ec: ChainFixture;

beforeAll(async () => {
  rsa = await createChainFixture({ leafKey: { algorithm: 'RSA', size: 2048 } });
  ec = await createChainFixture({ leafKey: { algorithm: 'EC', curve: 'P-256' } });
});

/** Builds a step context with only what createProviderContext reads, and a logger that keeps warnings. */
function stepContext(remainingMs = 30_000) {
  const warnings: { message: string; details: Record<string, unknown> }[] = [];
  const context = {
    logger: { warn: (message: string, details: Record<string, unknown>) => warnings.push({ message, details }) },
    dependencies: { retryPolicy: DEFAULT_RETRY_POLICY, secrets: {} },
    budget: new TimeBudget(() => remainingMs),
  } as unknown as StepContext;

  return { context, warnings };
}

function documentWith(fixture: ChainFixture, privateKey: string): CredentialDocument {
  return { rotation: {}, certificate: fixture.leafPem, privateKey, certificateChain: fixture.intermediate.certificatePem };
}

function exported(fixture: ChainFixture, options: KeyExportOptions<'pem'>): string {
  return fixture.key.privateKey.export(options).toString();
}

describe('createProviderContext current', () => {
  it.each<[string, () => ChainFixture, KeyExportOptions<'pem'>]>([
    ['PKCS#1 RSA', () => rsa, { type: 'pkcs1', format: 'pem' }],
    ['PKCS#8 RSA', () => rsa, { type: 'pkcs8', format: 'pem' }],
    ['SEC1 EC', () => ec, { type: 'sec1', format: 'pem' }],
    ['PKCS#8 EC', () => ec, { type: 'pkcs8', format: 'pem' }],
  ])('reads a %s key as PKCS#8', (_name, fixture, options) => {
    const { context, warnings } = stepContext();

    const current = createProviderContext(context, documentWith(fixture(), exported(fixture(), options))).current;

    expect(current?.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(current!.privateKeyPem).equals(fixture().key.privateKey)).toBe(true);
    expect(current?.certificatePem).toBe(fixture().leafPem);
    expect(warnings).toEqual([]);
  });

  it.each<[string, KeyExportOptions<'pem'>]>([
    ['encrypted PKCS#8', { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }],
    ['legacy encrypted PKCS#1', { type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }],
  ])('warns about an %s key', (_name, options) => {
    const { context, warnings } = stepContext();

    const current = createProviderContext(context, documentWith(rsa, exported(rsa, options))).current;

    expect(current).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe('the current certificate or private key cannot be read; continuing without the current certificate');
    expect(warnings[0]?.details).toEqual({
      error: { name: 'KeyError', message: 'AWSCURRENT field privateKey is an encrypted private key, and the rotation service has no passphrase for it' },
    });
  });

  it('warns about a key of another certificate', () => {
    // An EC key in SEC1 beside an RSA certificate, as a hand-edited secret can hold.
    const { context, warnings } = stepContext();

    const current = createProviderContext(context, documentWith(rsa, exported(ec, { type: 'sec1', format: 'pem' }))).current;

    expect(current).toBeUndefined();
    expect(warnings[0]?.message).toBe('the current private key does not belong to the current certificate; continuing without the current certificate');
    expect(warnings[0]?.details.certificateSpkiSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings[0]?.details.privateKeySpkiSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the key only when a provider asks', () => {
    const { context, warnings } = stepContext();

    const providerContext = createProviderContext(context, documentWith(rsa, 'not a key'));

    expect(warnings).toEqual([]);
    expect(providerContext.current).toBeUndefined();
    expect(providerContext.current).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it.each([
    ['no certificate', { rotation: {} }],
    ['an empty certificate', { rotation: {}, certificate: ' ', privateKey: 'x' }],
  ])('is undefined for a bootstrap secret with %s', (_name, document) => {
    const { context, warnings } = stepContext();

    expect(createProviderContext(context, document as CredentialDocument).current).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe('createProviderContext time and retries', () => {
  it('keeps the reserve back from the provider', () => {
    const { context } = stepContext(10_000);

    const providerContext = createProviderContext(context, undefined, 1_500);

    expect(providerContext.remainingTimeMs()).toBe(10_000 - FINAL_RESERVE_MS - 1_500);
    expect(providerContext.retryPolicy).toBe(DEFAULT_RETRY_POLICY);
  });
});
