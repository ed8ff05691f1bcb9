import { describe, expect, it } from 'vitest';
import { checkBodyTemplate, jsonStringContent, renderBodyTemplate } from '../../../src/lib/net/body-template.js';
import { describeErrorBody } from '../../../src/lib/net/response-summary.js';
import { parseJsonPath, readJsonPath } from '../../../src/lib/net/json-path.js';
import { redactSecrets } from '../../../src/lib/net/credential-redaction.js';
import { resolveRequestAuth } from '../../../src/lib/net/request-auth.js';
import { CredentialsError, ProviderError } from '../../../src/lib/errors.js';

describe('renderBodyTemplate', () => {
  it('substitutes every occurrence', () => {
    expect(renderBodyTemplate('{{a}}-{{ a }}-{{b}}', { a: '1', b: '2' })).toBe('1-1-2');
  });

  it('inserts values literally', () => {
    expect(renderBodyTemplate('[{{a}}]', { a: "$& $' $1" })).toBe("[$& $' $1]");
  });

  it('escapes JSON string content', () => {
    const pem = '-----BEGIN X-----\nAB"C\\\n-----END X-----\n';

    expect(JSON.parse(`"${jsonStringContent(pem)}"`)).toBe(pem);
  });
});

describe('checkBodyTemplate', () => {
  const rules = { known: ['csrPem', 'csrPemJson', 'name'], requireOneOf: ['csrPem', 'csrPemJson'], requiredContent: 'the CSR', contentType: 'application/json', samples: { csrPem: 'a\nb', csrPemJson: 'a\\nb', name: 'n' } };

  it.each([
    ['{"csr":"{{csrPemJson}}"}', []],
    ['{"csr":"{{csrPem}}"}', ['is not valid JSON once its placeholders are filled in']],
    ['{"name":"{{name}}"}', ['must contain the CSR']],
    ['{"csr":"{{csrPemJson}}","x":"{{}}"}', ['unknown placeholder {{}}']],
  ])('checks %s', (template, expected) => {
    const problems = checkBodyTemplate(template, rules);

    expect(problems).toHaveLength(expected.length);
    expected.forEach((fragment, index) => expect(problems[index]).toContain(fragment));
  });

  it('skips the JSON check for other types', () => {
    expect(checkBodyTemplate('csr={{csrPem}}', { ...rules, contentType: 'application/x-www-form-urlencoded' })).toEqual([]);
  });

  it('treats +json types as JSON', () => {
    expect(checkBodyTemplate('{{csrPem}}', { ...rules, contentType: 'application/vnd.ca+json; charset=utf-8' })).toHaveLength(1);
  });
});

describe('json paths', () => {
  const document = { data: { items: [{ pem: 'first' }, { pem: 'second' }], 'key-with-dash': 'dash' } };

  it.each([
    ['data.items[1].pem', 'second'],
    ['data.items.0.pem', 'first'],
    ['data.key-with-dash', 'dash'],
  ])('reads %s', (path, expected) => {
    expect(readJsonPath(document, parseJsonPath(path)!)).toEqual({ found: true, value: expected });
  });

  it.each([
    ['data.items[2].pem', 'data.items'],
    ['data.missing', 'data'],
    ['other', '(top level)'],
  ])('locates the gap in %s', (path, missingAt) => {
    expect(readJsonPath(document, parseJsonPath(path)!)).toEqual({ found: false, missingAt });
  });

  it.each(['', 'a..b', '.a', 'a.', 'a[x]', 'a b', 'a[0'])('rejects %j', (path) => {
    expect(parseJsonPath(path)).toBeUndefined();
  });
});

describe('resolveRequestAuth', () => {
  const missingCurrent = () => new ProviderError('no current certificate');
  const sources = (credentials: Record<string, unknown>) => ({ loadCredentials: async () => credentials, current: undefined });

  it('builds HTTP Basic per RFC 7617', async () => {
    const auth = await resolveRequestAuth({ type: 'basic', credentialsSecretId: 's' }, sources({ username: 'Aladdin', password: 'open sesame' }), missingCurrent);

    expect(auth.headers.authorization).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('allows an empty username', async () => {
    const auth = await resolveRequestAuth({ type: 'basic', credentialsSecretId: 's' }, sources({ username: '', password: 'pw-only' }), missingCurrent);

    expect(auth.headers.authorization).toBe(`Basic ${Buffer.from(':pw-only').toString('base64')}`);
  });

  it.each([
    ['a colon in the username', { type: 'basic' as const }, { username: 'a:b', password: 'pw' }, 'field "username" contains ":"'],
    ['a line break in a token', { type: 'bearer' as const }, { token: 'abc\r\nX-Injected: 1' }, 'field "token" contains a line break'],
    ['a missing value', { type: 'header' as const, headerName: 'X-Key' }, { token: 'wrong-field' }, 'has no non-empty string field "value"'],
  ])('rejects %s without quoting it', async (_case, auth, credentials, fragment) => {
    const error = (await resolveRequestAuth({ ...auth, credentialsSecretId: 'partner/creds' }, sources(credentials), missingCurrent).catch((caught: unknown) => caught)) as Error;

    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain(fragment);
    expect(error.message).toContain('partner/creds');
    for (const value of Object.values(credentials)) expect(error.message).not.toContain(value);
  });
});

describe('describeErrorBody', () => {
  it.each([
    ['{"error":{"message":"denied"}}', 'application/json', '"denied" (application/json)'],
    ['{"errors":[{"message":"first"}]}', undefined, '"first"'],
    ['<html><head><title>502 Bad Gateway</title></head></html>', 'text/html', 'HTML page titled "502 Bad Gateway" (text/html)'],
    ['', undefined, 'empty body'],
  ])('summarises %s', (body, contentType, expected) => {
    expect(describeErrorBody(Buffer.from(body), contentType === undefined ? {} : { 'content-type': contentType }, [])).toBe(expected);
  });

  it('shortens long text', () => {
    expect(describeErrorBody(Buffer.from('word '.repeat(100)), {}, [])).toBe(`"${'word '.repeat(40)}…"`);
  });

  it('drops an echoed PEM block', () => {
    expect(describeErrorBody(Buffer.from('{"message":"bad -----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"}'), {}, [])).toBe(
      '"bad [PEM block] [32 base64 characters]"',
    );
  });

  it('redacts a credential before quoting', () => {
    expect(describeErrorBody(Buffer.from('{"message":"you sent Bearer abcdefghijklmnopqrstuvwxyz0123456789"}'), {}, ['abcdefghijklmnopqrstuvwxyz0123456789'])).toBe(
      '"you sent Bearer [redacted]"',
    );
  });

  it('redacts secrets', () => {
    expect(redactSecrets('token=abcd1234 again abcd1234', ['abcd1234'])).toBe('token=[redacted] again [redacted]');
  });
});
