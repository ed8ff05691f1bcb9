import { describe, expect, it } from 'vitest';
import { PendingKeys } from '../../../src/lib/steps/pending-keys.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mtls/a-AbCdEf';
const P256 = { algorithm: 'EC', curve: 'P-256' } as const;

describe('PendingKeys', () => {
  it('reuses the key of the same rotation', async () => {
    const keys = new PendingKeys();
    const first = await keys.obtain(ARN, 'token-1', P256);

    const second = await keys.obtain(ARN, 'token-1', P256);

    expect(first.reused).toBe(false);
    expect(second.reused).toBe(true);
    expect(second.key.privateKey).toBe(first.key.privateKey);
  });

  it('generates a new key for another token', async () => {
    const keys = new PendingKeys();
    const first = await keys.obtain(ARN, 'token-1', P256);

    const other = await keys.obtain(ARN, 'token-2', P256);

    expect(other.reused).toBe(false);
    expect(other.key.privateKey).not.toBe(first.key.privateKey);
  });

  it('generates a new key when the key spec changed', async () => {
    const keys = new PendingKeys();
    await keys.obtain(ARN, 'token-1', P256);

    const changed = await keys.obtain(ARN, 'token-1', { algorithm: 'EC', curve: 'P-384' });

    expect(changed.reused).toBe(false);
    expect(changed.key.privateKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('forgets a stored key', async () => {
    const keys = new PendingKeys();
    await keys.obtain(ARN, 'token-1', P256);

    keys.forget(ARN, 'token-1');

    expect((await keys.obtain(ARN, 'token-1', P256)).reused).toBe(false);
  });

  it('drops keys older than fifteen minutes', async () => {
    let now = 0;
    const keys = new PendingKeys(() => now);
    await keys.obtain(ARN, 'token-1', P256);

    now = 15 * 60 * 1000 + 1;

    expect((await keys.obtain(ARN, 'token-1', P256)).reused).toBe(false);
  });

  it('keeps at most 32 keys', async () => {
    const keys = new PendingKeys();
    for (let index = 0; index <= 32; index += 1) await keys.obtain(ARN, `token-${index}`, P256);

    expect((await keys.obtain(ARN, 'token-32', P256)).reused).toBe(true);
    expect((await keys.obtain(ARN, 'token-0', P256)).reused).toBe(false);
  });
});
