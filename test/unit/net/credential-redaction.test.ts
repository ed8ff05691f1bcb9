import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../src/lib/net/credential-redaction.js';
import { bodyStart, describeErrorBody, describeLocation, quoteHeaderValue } from '../../../src/lib/net/response-summary.js';

describe('redactSecrets', () => {
  it.each([
    ['the value itself', 'ab/c"d\\e ä', 'x ab/c"d\\e ä y'],
    ['JSON escapes', 'ab/c"d\\e', 'x ab/c\\"d\\\\e y'],
    ['JSON with "\\/"', 'ab/c"d', 'x ab\\/c\\"d y'],
    ['JSON with lower-case \\u', 'pärtner', 'x p\\u00e4rtner y'],
    ['JSON with upper-case \\u', 'pärtner', 'x p\\u00E4rtner y'],
    ['JSON with "\\/" and \\u', 'ä/b', 'x \\u00e4\\/b y'],
    ['percent-encoding', 'a/b+c ä', 'x a%2Fb%2Bc%20%C3%A4 y'],
    ['lower-case percent-encoding', 'a/b ä', 'x a%2fb%20%c3%a4 y'],
    ['form encoding', 'a b', 'x a+b y'],
    ['percent-encoding that keeps "/"', 'a/b c', 'x a/b%20c y'],
    ['UTF-8 read as Latin-1', 'pärtner', 'x pÃ¤rtner y'],
  ])('finds %s', (_case, secret, text) => {
    expect(redactSecrets(text, [secret])).toBe('x [redacted] y');
  });

  it.each(['k', 'k7', 'k7z'])('redacts %j despite its length', (secret) => {
    expect(redactSecrets(`value ${secret}!`, [secret])).toBe('value [redacted]!');
  });

  it('leaves earlier redactions alone', () => {
    expect(redactSecrets('e [redacted] e', ['e'])).toBe('[redacted] [redacted] [redacted]');
  });

  it('prefers the longer value', () => {
    expect(redactSecrets('abcdef', ['abc', 'abcdef'])).toBe('[redacted]');
  });

  it('ignores empty values', () => {
    expect(redactSecrets('text', ['', ''])).toBe('text');
  });
});

describe('quoted response parts', () => {
  const secret = 'ca/bearer/token-7c1d';

  it('redacts after JSON parsing', () => {
    const body = Buffer.from(JSON.stringify({ message: `rejected ${secret}` }).replaceAll('/', '\\/'));

    expect(describeErrorBody(body, {}, [secret])).toBe('"rejected [redacted]"');
  });

  it('redacts the Content-Type', () => {
    expect(describeErrorBody(Buffer.from('bad'), { 'content-type': `text/plain; t=${secret}` }, [secret])).toBe('"bad" (text/plain; t=[redacted])');
  });

  it('redacts before dropping characters', () => {
    // A server can only send Latin-1 in a header, and headerText drops everything that is not printable ASCII.
    expect(quoteHeaderValue('key=p\u00e4rtner', ['p\u00e4rtner'])).toBe('key=[redacted]');
  });

  it('redacts the start of a body', () => {
    expect(bodyStart(Buffer.from(`token ${JSON.stringify(secret)}`), [secret])).toBe('"token \\"[redacted]\\""');
  });

  it.each([
    ['https://sso.example.test/login?ticket=abc#state', 'https://sso.example.test/login'],
    ['https://user:password@sso.example.test/login', 'https://sso.example.test/login'],
    ['/login?ticket=abc', '/login'],
    ['', 'not given'],
    ['?ticket=abc', 'not given'],
  ])('describes Location %j', (location, expected) => {
    expect(describeLocation({ location }, [])).toBe(expected);
  });

  it('redacts a Location path', () => {
    expect(describeLocation({ location: `https://sso.example.test/s/${encodeURIComponent(secret)}/x` }, [secret])).toBe('https://sso.example.test/s/[redacted]/x');
  });
});
