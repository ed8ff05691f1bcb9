import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../src/lib/errors.js';
import { parseRotationEvent } from '../../../src/lib/event.js';

const TOKEN = '3f0c1d2e-0000-4000-8000-00000000000b';
const valid = { SecretId: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:mtls/svc-a-AbCdEf', ClientRequestToken: TOKEN, Step: 'createSecret' };

describe('parseRotationEvent', () => {
  it('accepts a scheduled rotation event', () => {
    expect(parseRotationEvent(valid)).toEqual(valid);
  });

  it('keeps RotationToken when present', () => {
    expect(parseRotationEvent({ ...valid, RotationToken: 'abc' }).RotationToken).toBe('abc');
  });

  it.each([
    ['not an object', 'x', /must be a JSON object/],
    ['null', null, /must be a JSON object/],
    ['an array', [valid], /must be a JSON object/],
    ['missing SecretId', { ...valid, SecretId: undefined }, /missing required field SecretId/],
    ['empty SecretId', { ...valid, SecretId: '  ' }, /field SecretId is empty/],
    ['numeric SecretId', { ...valid, SecretId: 42 }, /SecretId must be a string, got number/],
    ['oversized SecretId', { ...valid, SecretId: 'a'.repeat(2049) }, /SecretId has 2049 characters, expected 1 to 2048/],
    ['short token', { ...valid, ClientRequestToken: 'abc' }, /ClientRequestToken has 3 characters, expected 32 to 64/],
    ['array token', { ...valid, ClientRequestToken: [TOKEN] }, /ClientRequestToken must be a string, got array/],
    ['unknown step', { ...valid, Step: 'deleteSecret' }, /Step has unknown value "deleteSecret": expected one of createSecret, setSecret, testSecret, finishSecret/],
    ['numeric RotationToken', { ...valid, RotationToken: 7 }, /RotationToken must be a string/],
  ])('rejects %s', (_case, raw, message) => {
    expect(() => parseRotationEvent(raw)).toThrow(InvalidEventError);
    expect(() => parseRotationEvent(raw)).toThrow(message);
  });

  it('throws only InvalidEventError on arbitrary input', () => {
    const field = fc.oneof(fc.anything(), fc.string({ maxLength: 80 }), fc.constant(TOKEN), fc.constantFrom('createSecret', 'setSecret', 'testSecret', 'finishSecret'));
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ SecretId: field, ClientRequestToken: field, Step: field, RotationToken: field }, { requiredKeys: [] })), (raw) => {
        try {
          const event = parseRotationEvent(raw);

          return typeof event.SecretId === 'string' && event.ClientRequestToken.length >= 32 && ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].includes(event.Step);
        } catch (error) {
          return error instanceof InvalidEventError;
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
