import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalSerialNumber } from '../../../src/lib/certificates/summary.js';

const serialBytes = fc.uint8Array({ minLength: 1, maxLength: 20 }).filter((bytes) => bytes.some((byte) => byte !== 0));

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('canonicalSerialNumber', () => {
  it.each([
    ['the colon-separated spelling of CA APIs', '8f:1e:2d:3c:4b:5a:69:78:87:96:a5:b4:c3:d2:e1:f0:0f:1e:2d:3c', '8F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C'],
    ["node:crypto's spelling with a sign byte", '008F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C', '8F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C'],
    ['lower-case hex', '0a1b', 'A1B'],
    ['zero', '00', '0'],
    ['a negative serial', '-FF', '-FF'],
  ])('reads %s', (_case, spelling, canonical) => {
    expect(canonicalSerialNumber(spelling)).toBe(canonical);
  });

  it('gives every spelling of one serial the same form', () => {
    fc.assert(
      fc.property(serialBytes, (bytes) => {
        const plain = hex(bytes);
        const spellings = [
          plain,
          plain.toUpperCase(),
          `00${plain}`,
          plain.match(/../g)!.join(':'),
          plain.toUpperCase().match(/../g)!.join(':'),
        ];
        const forms = new Set(spellings.map(canonicalSerialNumber));

        return forms.size === 1 && /^[1-9A-F][0-9A-F]*$/.test([...forms][0]!);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps different serials apart', () => {
    fc.assert(
      fc.property(serialBytes, serialBytes, (left, right) => {
        const same = BigInt(`0x${hex(left)}`) === BigInt(`0x${hex(right)}`);

        return (canonicalSerialNumber(hex(left)) === canonicalSerialNumber(hex(right))) === same;
      }),
      { numRuns: 500 },
    );
  });
});
