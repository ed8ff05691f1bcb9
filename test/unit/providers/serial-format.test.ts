import { describe, expect, it } from 'vitest';
import { toColonHexSerial } from '../../../src/lib/certificates/serial-format.js';
import { ProviderError } from '../../../src/lib/errors.js';

describe('toColonHexSerial', () => {
  it.each([
    ['canonical upper-case hex', '8F1E2233', '8f:1e:22:33'],
    ['an odd number of digits', 'ABC', '0a:bc'],
    ['a sign byte', '008F1E', '8f:1e'],
    ['colon-separated input', '00:8f:1e', '8f:1e'],
    ['hyphen-separated input', '8f-1e', '8f:1e'],
    ['zero', '0', '00'],
  ])('formats %s', (_case, input, expected) => {
    expect(toColonHexSerial(input, 'vault')).toBe(expected);
  });

  it.each(['-1A', 'XYZ', ''])('rejects %j', (input) => {
    const error = (() => {
      try {
        return toColonHexSerial(input, 'vault');
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).message).toContain(JSON.stringify(input));
    expect((error as ProviderError).context).toEqual({ provider: 'vault', operation: 'revoke' });
  });
});
