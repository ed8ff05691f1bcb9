/*
 * Servers that echo a credential in an error response, in the spellings their JSON encoders and
 * redirects produce. The credential must reach no error message, SNS notice or log line.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EstServer } from '../../dev/est/est-server.js';
import type { HttpCaServer } from '../../dev/http-ca/http-ca-server.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import type { RegistrationServer } from '../../dev/registration/registration-server.js';
import { assertNoPrivateKeyMaterial } from '../support/key-material.js';
import { capturedOutput } from '../support/leak-guard.js';
import { NO_RETRIES } from '../support/provider-context.js';
import { createCredentialsSecret, failureNotice, observeRotation, startEstStandIn, startHttpCaStandIn, startRegistrationStandIn } from '../support/stand-ins.js';

// Credentials with characters that JSON encoders escape. PHP's json_encode writes "/" as "\/" by default,
// every encoder escapes '"' and "\", and Python's json.dumps writes non-ASCII as "\u00e4" by default.
const SLASH_TOKEN = 'ca/bearer/token-slash-7c1d';
const QUOTE_PASSWORD = 'est-pa"ss\\word-93ab';
const UNICODE_VALUE = 'pärtner-äpi-key-4e0f';
const LOCATION_TOKEN = 'ca-bearer-token-location-5d2e';
const SHORT_TOKEN = 'q7';

let env: LocalEnvironment;
let ca: HttpCaServer;
let est: EstServer;
let partner: RegistrationServer;
let counter = 0;

/** Encodes JSON with the default escapes of PHP's json_encode ("\/") and Python's json.dumps ("\uXXXX"). */
function escapingJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

beforeAll(async () => {
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: NO_RETRIES } });
  ca = await startHttpCaStandIn(env);
  est = await startEstStandIn(env, { basicAuth: { username: 'rotator', password: QUOTE_PASSWORD }, labels: ['payments'] });
  partner = await startRegistrationStandIn(env, { auth: { type: 'header', headerName: 'X-Api-Key', value: UNICODE_VALUE } });
});
afterEach(() => {
  ca.setResponder(undefined);
  est.setResponder(undefined);
  partner.setResponder(undefined);
});
afterAll(async () => {
  for (const message of env.aws.snsMessages) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await Promise.all([ca.close(), est.close(), partner.close()]);
  await env.close();
});

function httpProvider(credentialsSecretId: string): Record<string, unknown> {
  return {
    type: 'http',
    url: ca.jsonUrl,
    body: '{"csr":"{{csrPemJson}}"}',
    response: { format: 'json', certificatePath: 'data.certificate', chainPath: 'data.chain' },
    auth: { type: 'bearer', credentialsSecretId },
    caCertificates: env.pki.serverRoot.certificatePem,
  };
}

async function bootstrap(overrides: Record<string, unknown>): Promise<string> {
  counter += 1;

  return env.createBootstrapSecret(`mtls/credential-redaction-${counter}`, overrides);
}

/** Returns the text a person or subscriber can read about the failed rotation: error, notice and log lines. */
function visibleText(observed: Awaited<ReturnType<typeof observeRotation>>): string {
  return [observed.failed?.error?.message ?? '', JSON.stringify(failureNotice(env, observed.record.token) ?? {}), capturedOutput()].join('\n');
}

function bearerOf(headers: Record<string, string | string[] | undefined>): string {
  return String(headers.authorization ?? '').replace(/^Bearer /, '');
}

describe('echoed credentials', () => {
  it('http token escaped as "\\/"', async () => {
    const secretId = await createCredentialsSecret(env, 'credential-redaction/slash-token', { token: SLASH_TOKEN });
    const arn = await bootstrap({ provider: httpProvider(secretId) });
    ca.setResponder((_request, headers) => ({
      status: 401,
      headers: { 'Content-Type': 'application/json' },
      body: escapingJson({ message: `token rejected: ${bearerOf(headers)}` }),
    }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name).toBe('ProviderError');
    expect(observed.failed?.error?.message).toContain('"token rejected: [redacted]"');
    expect(visibleText(observed)).not.toContain(SLASH_TOKEN);
    expect(visibleText(observed)).not.toContain(SLASH_TOKEN.replaceAll('/', '\\/'));
  });

  it('EST password with quote and backslash', async () => {
    const secretId = await createCredentialsSecret(env, 'credential-redaction/est-quote', { username: 'rotator', password: QUOTE_PASSWORD });
    const arn = await bootstrap({
      provider: { type: 'est', url: est.url, label: 'payments', caCertificates: env.pki.serverRoot.certificatePem, credentialsSecretId: secretId },
    });
    est.setResponder((request) =>
      request.operation === 'simpleenroll'
        ? { status: 400, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: `password ${QUOTE_PASSWORD} is expired` }) }
        : undefined,
    );

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name).toBe('ProviderError');
    expect(observed.failed?.error?.message).toContain('"password [redacted] is expired"');
    expect(visibleText(observed)).not.toContain(JSON.stringify(QUOTE_PASSWORD).slice(1, -1));
    expect(visibleText(observed)).not.toContain(QUOTE_PASSWORD);
  });

  it('registration key escaped as \\u', async () => {
    const secretId = await createCredentialsSecret(env, 'credential-redaction/unicode-key', { value: UNICODE_VALUE });
    const arn = await bootstrap({
      registration: {
        url: partner.url,
        body: '{"certificate":"{{certificatePemJson}}"}',
        auth: { type: 'header', credentialsSecretId: secretId, headerName: 'X-Api-Key' },
        caCertificates: env.pki.serverRoot.certificatePem,
      },
    });
    partner.setResponder((_request, headers) => ({
      status: 403,
      headers: { 'Content-Type': 'application/json' },
      // Node sends this header in UTF-8 and the server reads it as Latin-1, so the server decodes it as UTF-8 again.
      body: escapingJson({ detail: `unknown api key ${Buffer.from(String(headers['x-api-key']), 'latin1').toString('utf8')}` }),
    }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.step).toBe('setSecret');
    expect(observed.failed?.error?.name).toBe('RegistrationError');
    expect(observed.failed?.error?.message).toContain('"unknown api key [redacted]"');
    expect(visibleText(observed)).not.toContain(UNICODE_VALUE);
    expect(visibleText(observed)).not.toContain('p\\u00e4rtner');
  });

  it('http token in Location query', async () => {
    const secretId = await createCredentialsSecret(env, 'credential-redaction/location-token', { token: LOCATION_TOKEN });
    const arn = await bootstrap({ provider: httpProvider(secretId) });
    ca.setResponder((_request, headers) => ({
      status: 302,
      headers: { Location: `https://sso.example.test/login?t=${bearerOf(headers)}#state` },
      body: '',
    }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.name).toBe('ProviderError');
    expect(observed.failed?.error?.message).toContain('(Location: https://sso.example.test/login)');
    expect(visibleText(observed)).not.toContain(LOCATION_TOKEN);
  });

  it('http token in Location path', async () => {
    const secretId = await createCredentialsSecret(env, 'credential-redaction/location-path', { token: SLASH_TOKEN });
    const arn = await bootstrap({ provider: httpProvider(secretId) });
    ca.setResponder((_request, headers) => ({
      status: 307,
      headers: { Location: `https://sso.example.test/session/${encodeURIComponent(bearerOf(headers))}/login` },
      body: '',
    }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain('(Location: https://sso.example.test/session/[redacted]/login)');
    expect(visibleText(observed)).not.toContain(encodeURIComponent(SLASH_TOKEN));
  });

  it('http token in Content-Type', async () => {
    const secretId = await createCredentialsSecret(env, 'credential-redaction/content-type', { token: LOCATION_TOKEN });
    const arn = await bootstrap({ provider: httpProvider(secretId) });
    ca.setResponder((_request, headers) => ({
      status: 400,
      headers: { 'Content-Type': `text/plain; token=${bearerOf(headers)}` },
      body: 'bad request',
    }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain('(text/plain; token=[redacted])');
    expect(visibleText(observed)).not.toContain(LOCATION_TOKEN);
  });

  it('two-character token is redacted', async () => {
    const secretId = await createCredentialsSecret(env, 'credential-redaction/short-token', { token: SHORT_TOKEN });
    const arn = await bootstrap({ provider: httpProvider(secretId) });
    ca.setResponder((_request, headers) => ({
      status: 401,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: `token ${bearerOf(headers)} is unknown` }),
    }));

    const observed = await observeRotation(env, arn);

    expect(observed.failed?.error?.message).toContain('"token [redacted] is unknown"');
    expect(observed.failed?.error?.message).not.toContain(SHORT_TOKEN);
  });
});
