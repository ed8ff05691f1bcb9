import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, createServerCertificate } from '../../../dev/pki/index.js';
import { HttpRequestError, TimeBudgetError } from '../../../src/lib/errors.js';
import { sendHttpRequestWithRetry, type RetryContext } from '../../../src/lib/net/retrying-request.js';
import type { RetryPolicy } from '../../../src/lib/net/retry.js';
import { capturedOutput } from '../../support/leak-guard.js';

type Reply = (request: IncomingMessage, response: ServerResponse) => void;

const FAST: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 };
const context: RetryContext = { logger: new Logger({ serviceName: 'retrying-request-test' }), retryPolicy: FAST, remainingTimeMs: () => 30_000 };

let server: Server;
let baseUrl: string;
let script: Reply[] = [];
let served = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    const reply = script[Math.min(served, script.length - 1)];
    served += 1;
    reply?.(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  script = [];
  served = 0;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

const status =
  (code: number, headers: Record<string, string> = {}): Reply =>
  (_request, response) => {
    response.writeHead(code, headers);
    response.end(`status ${code}`);
  };
const reset: Reply = (request) => request.socket.resetAndDestroy();

function send(overrides: Partial<Parameters<typeof sendHttpRequestWithRetry>[0]> = {}, retryContext: RetryContext = context) {
  return sendHttpRequestWithRetry(
    { operation: 'test request', url: `${baseUrl}/sign`, method: 'POST', body: '{}', timeoutMs: 2_000, maxResponseBytes: 1024, ...overrides },
    retryContext,
  );
}

describe('sendHttpRequestWithRetry', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries HTTP %i', async (code) => {
    script = [status(code), status(200)];

    const response = await send();

    expect(response.status).toBe(200);
    expect(served).toBe(2);
  });

  it.each([400, 401, 403, 404, 409, 422])('returns HTTP %i at once', async (code) => {
    script = [status(code), status(200)];

    const response = await send();

    expect(response.status).toBe(code);
    expect(served).toBe(1);
  });

  it('returns the last transient response when attempts run out', async () => {
    script = [status(503)];

    const response = await send();

    expect(response.status).toBe(503);
    expect(served).toBe(FAST.maxAttempts);
  });

  it('retries a connection reset', async () => {
    script = [reset, reset, status(200)];

    const response = await send();

    expect(response.status).toBe(200);
    expect(served).toBe(3);
  });

  it('retries a refused connection up to maxAttempts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const before = capturedOutput().split('retrying after a transient failure').length;

    const failure = await send({ url: `http://127.0.0.1:${port}/sign` }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(HttpRequestError);
    expect((failure as Error).message).toContain('ECONNREFUSED');
    expect(capturedOutput().split('retrying after a transient failure').length - before).toBe(FAST.maxAttempts - 1);
  });

  it('retries a timeout', async () => {
    script = [() => undefined, status(200)];

    const response = await send({ timeoutMs: 300 });

    expect(response.status).toBe(200);
    expect(served).toBe(2);
  });

  it('honours Retry-After in seconds', async () => {
    script = [status(429, { 'retry-after': '1' }), status(200)];
    const started = Date.now();

    await send();

    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(capturedOutput()).toContain('"retryAfterMs":1000');
  });

  it('gives up when Retry-After exceeds the cap', async () => {
    script = [status(503, { 'retry-after': '3600' }), status(200)];

    const response = await send();

    expect(response.status).toBe(503);
    expect(served).toBe(1);
  });

  it('does not retry an oversized answer', async () => {
    script = [(_request, response) => response.end('x'.repeat(4096))];

    await expect(send()).rejects.toThrow(/exceeds 1024 bytes/);
    expect(served).toBe(1);
  });

  it('does not start without time for an attempt', async () => {
    script = [status(200)];

    const failure = await send({}, { ...context, remainingTimeMs: () => 400 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TimeBudgetError);
    expect((failure as TimeBudgetError).retryable).toBe(true);
    expect((failure as TimeBudgetError).context.operation).toBe('test request');
    expect(served).toBe(0);
  });

  it('cuts the attempt timeout to the time left', async () => {
    script = [() => undefined];
    const started = Date.now();

    const failure = await send({ timeoutMs: 20_000 }, { ...context, remainingTimeMs: () => 1_200 - (Date.now() - started) }).catch((error: unknown) => error);

    expect((failure as HttpRequestError).kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(served).toBe(1);
  });
});

describe('sendHttpRequestWithRetry over TLS', () => {
  let tlsServer: Server;
  let tlsUrl: string;
  let trusted: string;

  beforeAll(async () => {
    const serverRoot = await createRootCa({ commonName: 'Retry Test Server Root' });
    trusted = (await createRootCa({ commonName: 'Some Other Root' })).certificatePem;
    const certificate = await createServerCertificate(serverRoot, { dnsNames: ['localhost'] });
    tlsServer = createHttpsServer({ cert: certificate.certificateChainPem, key: certificate.privateKeyPem }, (_request, response) => {
      served += 1;
      response.end('ok');
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/sign`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        tlsServer.close(() => resolve());
        tlsServer.closeAllConnections();
      }),
  );

  it('does not retry a server certificate that does not verify', async () => {
    const before = capturedOutput().split('retrying after a transient failure').length;

    const failure = await send({ url: tlsUrl, caCertificates: trusted }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(HttpRequestError);
    expect((failure as HttpRequestError).kind).toBe('tls');
    expect((failure as Error).message).toMatch(/the server certificate of 127\.0\.0\.1 .*\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/);
    expect(capturedOutput().split('retrying after a transient failure').length).toBe(before);
  });

  it('keeps verifying with NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      await expect(send({ url: tlsUrl, caCertificates: trusted })).rejects.toThrow(/the server certificate of 127\.0\.0\.1/);
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    }
  });
});
