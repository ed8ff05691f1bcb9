import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, isLoopbackHost } from '../../../src/lib/config/url-policy.js';

const publicHost = fc.oneof(
  fc.domain().filter((host) => host !== 'localhost' && !host.endsWith('.localhost')),
  fc.ipV4().filter((ip) => !ip.startsWith('127.')),
);

describe('checkEndpointUrl', () => {
  it.each([
    ['https to a public host', 'https://ca.example.test/api/v1/cfssl/sign', false],
    ['http to 127.0.0.1 with allowInsecureHttp', 'http://127.0.0.1:8888/api/v1/cfssl/sign', true],
    ['http to 127.5.6.7 with allowInsecureHttp', 'http://127.5.6.7/x', true],
    ['http to localhost with allowInsecureHttp', 'http://localhost:8888/x', true],
    ['http to [::1] with allowInsecureHttp', 'http://[::1]:8888/x', true],
  ])('accepts %s', (_case, url, allowInsecureHttp) => {
    expect(checkEndpointUrl(url, allowInsecureHttp)).toBeUndefined();
  });

  it.each([
    ['http to a public host', 'http://ca.example.test/x', true, 'plain http is not allowed for host ca.example.test: use https'],
    ['http to loopback without opt-in', 'http://127.0.0.1/x', false, 'plain http to a loopback host requires "allowInsecureHttp": true'],
    ['http to 0.0.0.0', 'http://0.0.0.0/x', true, 'plain http is not allowed for host 0.0.0.0: use https'],
    ['http to a name that starts like loopback', 'http://127.0.0.1.nip.example/x', true, 'plain http is not allowed for host 127.0.0.1.nip.example: use https'],
    ['credentials in the URL', 'https://user:secret@ca.example.test/x', false, 'URL must not contain credentials: keep them out of the rotated secret'],
    ['an ftp URL', 'ftp://ca.example.test/x', false, 'URL scheme ftp: is not supported: use https'],
    ['a relative path', '/api/v1/cfssl/sign', false, '"/api/v1/cfssl/sign" is not a valid URL'],
    ['a PEM block', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----', false, 'the value (a PEM block) is not a valid URL'],
    ['a run of base64', `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ`, false, 'the value (50 characters with a run of base64) is not a valid URL'],
  ])('rejects %s', (_case, url, allowInsecureHttp, message) => {
    expect(checkEndpointUrl(url, allowInsecureHttp)).toBe(message);
  });

  it('quotes at most 80 characters of an invalid value', () => {
    const value = `not a url ${'x y '.repeat(125)}`;

    expect(checkEndpointUrl(value, false)).toBe(`${JSON.stringify(value.slice(0, 80))}... is not a valid URL`);
  });

  it('never allows plain http to a public host', () => {
    fc.assert(
      fc.property(publicHost, fc.boolean(), fc.webPath(), (host, allowInsecureHttp, path) => {
        return checkEndpointUrl(`http://${host}${path}`, allowInsecureHttp) !== undefined;
      }),
      { numRuns: 300 },
    );
  });

  it('always allows https without credentials', () => {
    fc.assert(
      fc.property(publicHost, fc.webPath(), (host, path) => checkEndpointUrl(`https://${host}${path}`, false) === undefined),
      { numRuns: 300 },
    );
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.255.255.254', 'localhost', '::1', '[::1]'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1', '169.254.169.254', 'localhost.example.test', '128.0.0.1', '[::ffff:7f00:1]'])('rejects %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
