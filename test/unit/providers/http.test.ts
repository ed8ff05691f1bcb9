import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpCaServer, type HttpCaCannedResponse, type HttpCaServer } from '../../../dev/http-ca/http-ca-server.js';
import type { StandInAuth } from '../../../dev/http/auth-check.js';
import { createTestPki, type TestPki } from '../../../dev/pki/index.js';
import { toPem } from '../../../src/lib/certificates/pem.js';
import { parseRotationConfig } from '../../../src/lib/config/rotation-config.js';
import { ConfigurationError, CredentialsError, ProviderError } from '../../../src/lib/errors.js';
import { HttpProvider } from '../../../src/lib/providers/http.js';
import type { HttpProviderConfig } from '../../../src/lib/providers/http-config.js';
import type { CurrentCredentials } from '../../../src/lib/providers/index.js';
import { newIssueRequest, TEST_SUBJECT } from '../../support/issue-request.js';
import { capturedOutput } from '../../support/leak-guard.js';
import { testProviderContext } from '../../support/provider-context.js';

const TOKEN = 'http-ca-bearer-token-8d2f7a61';
const PASSWORD = 'http-ca-password-31c0b7';
const HEADER_VALUE = 'http-ca-api-key-4e9a02';
const CREDENTIALS = {
  'ca/bearer': { token: TOKEN },
  'ca/basic': { username: 'rotator', password: PASSWORD },
  'ca/header': { value: HEADER_VALUE },
  'ca/incomplete': { user: 'rotator' },
};
const JSON_BODY = '{"csr":"{{csrPemJson}}","commonName":"{{commonNameJson}}"}';
const JSON_RESPONSE = { format: 'json', certificatePath: 'data.certificate', chainPath: 'data.chain' };

let pki: TestPki;
const servers = new Map<string, HttpCaServer>();

beforeAll(async () => {
  pki = await createTestPki();
  const tls = { certificatePem: pki.server.certificateChainPem, privateKeyPem: pki.server.privateKeyPem };
  const auths: Record<string, StandInAuth> = {
    none: { type: 'none' },
    bearer: { type: 'bearer', token: TOKEN },
    basic: { type: 'basic', username: 'rotator', password: PASSWORD },
    header: { type: 'header', headerName: 'X-Api-Key', value: HEADER_VALUE },
    mtls: { type: 'mtls' },
  };
  for (const [name, auth] of Object.entries(auths)) {
    servers.set(name, await startHttpCaServer({ issuer: pki.intermediate, tls, clientCaPem: pki.root.certificatePem, auth }));
  }
});
afterEach(() => {
  for (const server of servers.values()) server.setResponder(undefined);
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((server) => server.close()));
  const output = capturedOutput();
  for (const secret of [TOKEN, PASSWORD, HEADER_VALUE]) expect(output).not.toContain(secret);
});

function server(name: string): HttpCaServer {
  return servers.get(name) as HttpCaServer;
}

function providerConfig(serverName: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'http', url: server(serverName).jsonUrl, body: JSON_BODY, response: JSON_RESPONSE, caCertificates: pki.serverRoot.certificatePem, ...overrides };
}

async function issue(serverName: string, overrides: Record<string, unknown> = {}, current?: CurrentCredentials) {
  const seen = server(serverName).requests.length;
  const context = testProviderContext({ credentials: CREDENTIALS, ...(current ? { current } : {}) });
  const { request, privateKey, privateKeyPem } = await newIssueRequest(providerConfig(serverName, overrides), context);
  const result = await new HttpProvider(request.config.provider as HttpProviderConfig).issue(request);

  return { result, privateKey, privateKeyPem, csrPem: request.csrPem, requests: server(serverName).requests.slice(seen) };
}

async function issueError(serverName: string, overrides: Record<string, unknown> = {}, current?: CurrentCredentials): Promise<Error> {
  const error = await issue(serverName, overrides, current).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);

  return error as Error;
}

describe('HttpProvider requests', () => {
  it('issues from JSON with its chain', async () => {
    const { result, privateKey, requests } = await issue('none');

    const [leaf, ...chain] = result.certificates;
    expect(leaf?.checkPrivateKey(privateKey)).toBe(true);
    expect(chain.map((certificate) => certificate.fingerprint256)).toEqual([pki.intermediate.certificate.fingerprint256]);
    expect(requests[0]?.contentType).toBe('application/json');
    expect(JSON.parse(requests[0]!.body)).toMatchObject({ commonName: TEST_SUBJECT.commonName });
  });

  it('sends the CSR as base64 DER', async () => {
    const { requests, csrPem } = await issue('none', { body: '{"csr":"{{csrBase64Der}}"}' });

    const sent = (JSON.parse(requests[0]!.body) as { csr: string }).csr;
    expect(sent).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(sent).toBe(csrPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
  });

  it('issues from a PEM response', async () => {
    const { result } = await issue('none', { url: server('none').pemUrl, body: '{{csrPem}}', contentType: 'application/pkcs10', response: { format: 'pem' } });

    expect(result.certificates).toHaveLength(2);
    expect(server('none').requests.at(-1)?.contentType).toBe('application/pkcs10');
  });

  it('sends PUT when configured', async () => {
    const { requests } = await issue('none', { method: 'PUT', headers: { 'X-Partner-Id': '42' } });

    expect(requests[0]?.method).toBe('PUT');
  });

  it.each([
    ['bearer', { type: 'bearer', credentialsSecretId: 'ca/bearer' }, 'bearer token'],
    ['basic', { type: 'basic', credentialsSecretId: 'ca/basic' }, 'user rotator'],
    ['header', { type: 'header', credentialsSecretId: 'ca/header', headerName: 'X-Api-Key' }, 'header X-Api-Key'],
  ])('authenticates with %s', async (serverName, auth, identity) => {
    const { requests } = await issue(serverName, { auth });

    expect(requests[0]?.identity).toBe(identity);
  });

  it('authenticates with the current certificate', async () => {
    const first = await issue('none');
    const current = { certificatePem: toPem(first.result.certificates[0]!), chainPem: toPem(first.result.certificates[1]!), privateKeyPem: first.privateKeyPem };

    const { requests } = await issue('mtls', { auth: { type: 'mtls' } }, current);

    expect(requests[0]?.identity).toBe(`certificate ${new X509Certificate(current.certificatePem).serialNumber.toUpperCase()}`);
  });
});

describe('HttpProvider failures', () => {
  const json = (status: number, body: unknown): HttpCaCannedResponse => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it.each<[string, HttpCaCannedResponse, boolean, string[]]>([
    ['a rejected CSR (422 JSON)', json(422, { error: { code: 'policy', message: 'commonName not permitted' } }), false, ['rejected the request with HTTP 422: "commonName not permitted"', 'check rotation.provider.body']],
    ['problem details (400)', json(400, { type: 'about:blank', title: 'Bad Request', detail: 'csr field malformed' }), false, ['HTTP 400: "csr field malformed"']],
    ['a server error (500)', { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'upstream HSM unavailable' }, true, ['failed with HTTP 500: "upstream HSM unavailable"', 'a later attempt can succeed']],
    ['a gateway timeout (504)', { status: 504, body: '' }, true, ['failed with HTTP 504: empty body']],
    ['an HTML page with 200', { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><html><title>Login</title></html>' }, false, ['returned HTTP 200 with a body that is not JSON', 'Content-Type text/html']],
    ['a missing path', json(200, { data: { cert: 'x', serial: '01' } }), false, ['without a value at response.certificatePath "data.certificate"', 'the response ends at data, which has the keys "cert", "serial"']],
    ['a number at the path', json(200, { data: { certificate: 42 } }), false, ['value at response.certificatePath "data.certificate" is a number']],
    ['text that is no certificate', json(200, { data: { certificate: 'not a certificate' } }), false, ['without a usable certificate', 'is neither PEM nor base64 DER']],
    ['a not-found route (404)', json(404, { message: 'no such route' }), false, ['HTTP 404', 'check rotation.provider.url and method (POST']],
  ])('reports %s', async (_case, answer, retryable, fragments) => {
    server('none').setResponder(() => answer);

    const error = (await issueError('none')) as ProviderError;

    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(retryable);
    expect(error.context).toMatchObject({ provider: 'http', operation: 'issue', status: answer?.status });
    expect(error.message).toMatch(/^provider 'http' issue /);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  });

  it('reports a chainPath missing from the response', async () => {
    // The chain sits under another key than the configured data.chain, so it must not pass as "no chain".
    server('none').setResponder(() => json(200, { data: { certificate: pki.intermediate.certificatePem, ca_chain: [] } }));

    const error = (await issueError('none')) as ProviderError;

    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('without a value at response.chainPath "data.chain"');
    expect(error.message).toContain('fix rotation.provider.response.chainPath');
  });

  it('reports JSON in pem format', async () => {
    const error = await issueError('none', { response: { format: 'pem' } });

    expect(error.message).toContain('without a usable certificate (response.format is "pem")');
  });

  it('reports a rejected token', async () => {
    const error = (await issueError('bearer', { auth: { type: 'header', credentialsSecretId: 'ca/header', headerName: 'X-Other' } })) as ProviderError;

    expect(error.message).toContain('rejected the request with HTTP 401: "missing bearer token"');
    expect(error.message).toContain('the CA refused header X-Other from credentials secret ca/header');
    expect(error.retryable).toBe(false);
  });

  it('redacts a credential the server echoes', async () => {
    server('bearer').setResponder((_request, headers) => ({ status: 400, body: JSON.stringify({ message: `bad request, you sent ${headers.authorization ?? ''}` }) }));

    const error = await issueError('bearer', { auth: { type: 'bearer', credentialsSecretId: 'ca/bearer' } });

    expect(error.message).toContain('you sent Bearer [redacted]');
    expect(error.message).not.toContain(TOKEN);
  });

  it('reports mtls without a current certificate', async () => {
    const requestsBefore = server('mtls').requests.length;

    const error = (await issueError('mtls', { auth: { type: 'mtls' } })) as ProviderError;

    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain("auth type mtls authenticates with AWSCURRENT's certificate, but the secret contains none yet");
    expect(server('mtls').requests.length).toBe(requestsBefore);
  });

  it('reports an incomplete credentials secret', async () => {
    const error = await issueError('basic', { auth: { type: 'basic', credentialsSecretId: 'ca/incomplete' } });

    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toBe(
      'credentials secret ca/incomplete has no string field "username", which auth type basic needs: store a JSON object such as {"username": "...", "password": "..."}',
    );
  });
});

describe('httpProviderSchema', () => {
  const url = 'https://ca.example/v1/sign';
  const base = { type: 'http', url, body: JSON_BODY, response: JSON_RESPONSE };
  const issuesOf = (provider: Record<string, unknown>): readonly string[] => {
    try {
      parseRotationConfig({ provider, subject: TEST_SUBJECT });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);

      return (error as ConfigurationError).issues;
    }
    throw new Error('expected the configuration to be rejected');
  };

  it('applies defaults', () => {
    const config = parseRotationConfig({ provider: base, subject: TEST_SUBJECT }).provider as HttpProviderConfig;

    expect(config.method).toBe('POST');
    expect(config.contentType).toBe('application/json');
  });

  it.each([
    ['a body without the CSR', { body: '{"name":"{{commonName}}"}' }, 'rotation.provider.body: must contain the CSR as one of {{csrPem}}, {{csrPemJson}}, {{csrBase64Der}}'],
    ['an unknown placeholder', { body: '{"csr":"{{csrPemJson}}","x":"{{csrPEM}}"}' }, 'rotation.provider.body: unknown placeholder {{csrPEM}}'],
    ['raw PEM inside JSON', { body: '{"csr":"{{csrPem}}"}' }, 'rotation.provider.body: is not valid JSON once its placeholders are filled in'],
    ['an Authorization header', { headers: { Authorization: 'Bearer x' } }, 'rotation.provider.headers.Authorization: header Authorization is not allowed here: put credentials in "auth"'],
    ['a Content-Type header', { headers: { 'content-type': 'text/plain' } }, 'rotation.provider.headers.content-type: header content-type is not allowed here: set "contentType" instead'],
    ['a header name with a space', { headers: { 'X Bad': '1' } }, 'rotation.provider.headers'],
    ['a header value with a line break', { headers: { 'X-Id': 'a\r\nInjected: 1' } }, 'rotation.provider.headers.X-Id: must not contain line breaks'],
    ['GET', { method: 'GET' }, 'rotation.provider.method: must be "POST" or "PUT"'],
    ['headerName for bearer', { auth: { type: 'bearer', credentialsSecretId: 's', headerName: 'X' } }, 'rotation.provider.auth: unknown field "headerName"'],
    ['header auth without headerName', { auth: { type: 'header', credentialsSecretId: 's' } }, 'rotation.provider.auth.headerName'],
    ['a token in the configuration', { auth: { type: 'bearer', token: 'abc' } }, 'rotation.provider.auth'],
    ['the auth header among the headers', { auth: { type: 'header', credentialsSecretId: 's', headerName: 'X-Api-Key' }, headers: { 'x-api-key': 'v' } }, 'rotation.provider.headers: header x-api-key is also auth.headerName'],
    ['a bad JSON path', { response: { format: 'json', certificatePath: 'data..certificate' } }, 'rotation.provider.response.certificatePath: must be a dot path'],
    ['a response without format', { response: { certificatePath: 'data.certificate' } }, 'rotation.provider.response.format'],
    ['plain http to a remote host', { url: 'http://ca.example/v1/sign' }, 'rotation.provider.url: plain http is not allowed'],
  ])('rejects %s', (_case, overrides, expected) => {
    const issues = issuesOf({ ...base, ...overrides });

    expect(issues.some((issue) => issue.startsWith(expected)), issues.join('\n')).toBe(true);
  });

  it('accepts raw PEM in a non-JSON body', () => {
    const config = parseRotationConfig({ provider: { ...base, body: '{{csrPem}}', contentType: 'application/pkcs10', response: { format: 'pem' } }, subject: TEST_SUBJECT });

    expect(config.provider.type).toBe('http');
  });
});
