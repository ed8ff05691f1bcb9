import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestError } from '../../../src/lib/errors.js';
import { sendHttpRequest } from '../../../src/lib/net/http-request.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';

const BODY = 'x'.repeat(10_000);
let target: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  target = createServer((_request, response) => response.end(BODY));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  proxy = await startFaultProxy({ host: '127.0.0.1', port: (target.address() as AddressInfo).port });
});
afterEach(() => proxy.setFault(undefined));
afterAll(async () => {
  await proxy.close();
  await new Promise<void>((resolve) => {
    target.close(() => resolve());
    target.closeAllConnections();
  });
});

function get(timeoutMs = 1_000) {
  return sendHttpRequest({ url: `http://127.0.0.1:${proxy.port}/`, method: 'GET', timeoutMs, maxResponseBytes: 1_000_000 });
}

async function failureOf(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HttpRequestError);

  return error as HttpRequestError;
}

describe('fault proxy', () => {
  it('forwards without a fault', async () => {
    const response = await get();

    expect(response.body.toString()).toBe(BODY);
  });

  it('delays a connection', async () => {
    proxy.setFault({ kind: 'delay', ms: 300 });
    const started = Date.now();

    const response = await get();

    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('drops a connection until the client times out', async () => {
    proxy.setFault({ kind: 'drop' });

    expect((await failureOf(get(300))).kind).toBe('timeout');
  });

  it('resets a connection', async () => {
    proxy.setFault({ kind: 'reset' });

    const failure = await failureOf(get());

    expect(failure.kind).toBe('connection');
    expect((failure.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it.each([0, 50, 5_000])('cuts the response after %i bytes', async (afterBytes) => {
    proxy.setFault({ kind: 'cut', afterBytes });

    const failure = await failureOf(get());

    expect(failure.kind).toBe('connection');
    expect(failure.retryable).toBe(true);
  });

  it('faults only the next connections when counted', async () => {
    proxy.setFault({ kind: 'reset' }, { connections: 2 });
    const before = proxy.stats.faulted.reset;

    await failureOf(get());
    await failureOf(get());
    const third = await get();

    expect(third.status).toBe(200);
    expect(proxy.stats.faulted.reset - before).toBe(2);
  });

  it('rejects a target that is not loopback', async () => {
    await expect(startFaultProxy({ host: '192.0.2.1', port: 443 })).rejects.toThrow(/must be a loopback host/);
  });
});
