import { connect } from 'node:tls';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPartnerServer, type PartnerServer, type TlsVersion } from '../../../dev/partner/partner-server.js';
import { certificateChainPem, createRootCa, createTestPki, generateKeyPair, issueCertificate, type TestPki } from '../../../dev/pki/index.js';
import { HandshakeError } from '../../../src/lib/errors.js';
import { testHandshake, type HandshakeCredentials } from '../../../src/lib/handshake.js';
import type { RetryContext } from '../../../src/lib/net/retrying-request.js';
import { registerPrivateKey } from '../../support/key-material.js';

const retry: RetryContext = {
  logger: new Logger({ serviceName: 'handshake-test' }),
  retryPolicy: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1_000 },
  remainingTimeMs: () => 30_000,
};

let pki: TestPki;
let client: HandshakeCredentials;

beforeAll(async () => {
  pki = await createTestPki();
  const key = await generateKeyPair();
  registerPrivateKey(key.privateKeyPem);
  const leaf = await issueCertificate(pki.intermediate, key.publicKey, { subject: 'CN=payments-client.example.test' });
  client = { certificateChainPem: leaf + certificateChainPem(pki.intermediate), privateKeyPem: key.privateKeyPem };
});

async function failureOf(promise: Promise<unknown>): Promise<HandshakeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HandshakeError);

  return error as HandshakeError;
}

describe.each(['TLSv1.3', 'TLSv1.2'] as TlsVersion[])('testHandshake at %s', (version) => {
  let trusting: PartnerServer;
  let strict: PartnerServer;

  beforeAll(async () => {
    const otherRoot = await createRootCa({ commonName: 'Partner Trusts Only This Root' });
    const options = { certificatePem: pki.server.certificateChainPem, privateKeyPem: pki.server.privateKeyPem, minVersion: version, maxVersion: version };
    trusting = await startPartnerServer({ ...options, clientCaPem: pki.root.certificatePem });
    strict = await startPartnerServer({ ...options, clientCaPem: otherRoot.certificatePem });
  });
  afterAll(async () => {
    await trusting.close();
    await strict.close();
  });

  it('passes when the partner trusts the chain', async () => {
    const result = await testHandshake({ url: trusting.url, caCertificates: pki.serverRoot.certificatePem }, client, retry);

    expect(result.status).toBe(200);
    expect(result.tlsProtocol).toBe(version);
    expect(trusting.requests.at(-1)?.subject).toContain('CN=payments-client.example.test');
  });

  it('fails when the partner trusts another root', async () => {
    const failure = await failureOf(testHandshake({ url: strict.url, caCertificates: pki.serverRoot.certificatePem }, client, retry));

    expect(failure.message).toMatch(new RegExp(`^mTLS test against 127\\.0\\.0\\.1:${strict.port} failed: `));
    expect(failure.message).toMatch(
      version === 'TLSv1.3'
        ? /the connection was closed after the TLS handshake, which is how a TLS 1\.3 server rejects a client certificate it does not trust/
        : /the server closed the connection during the TLS handshake, so it does not accept this client certificate or its chain/,
    );
    expect(strict.requests).toEqual([]);
    expect(strict.rejectedHandshakes.length).toBeGreaterThanOrEqual(1);
  });

  it('rejects a status other than expectStatus without retrying', async () => {
    const before = trusting.requests.length;

    const failure = await failureOf(testHandshake({ url: trusting.url.replace('/health', '/missing'), caCertificates: pki.serverRoot.certificatePem }, client, retry));

    expect(failure.message).toContain('returned HTTP 404');
    expect(failure.retryable).toBe(false);
    expect(trusting.requests.length).toBe(before);
  });

  it('names the host when the server certificate does not verify', async () => {
    const otherServerRoot = await createRootCa({ commonName: 'Not The Server Root' });

    const failure = await failureOf(testHandshake({ url: trusting.url, caCertificates: otherServerRoot.certificatePem }, client, retry));

    expect(failure.message).toMatch(/the server certificate of 127\.0\.0\.1 (is issued by a CA that is not trusted|chains to a self-signed root that is not trusted|is not signed by a trusted CA)/);
    expect(failure.retryable).toBe(false);
  });
});

describe('TLS 1.3 late rejection', () => {
  let strict: PartnerServer;

  beforeAll(async () => {
    const otherRoot = await createRootCa({ commonName: 'Partner Trusts Only This Root' });
    strict = await startPartnerServer({
      certificatePem: pki.server.certificateChainPem,
      privateKeyPem: pki.server.privateKeyPem,
      clientCaPem: otherRoot.certificatePem,
      minVersion: 'TLSv1.3',
    });
  });
  afterAll(() => strict.close());

  it('fires secureConnect before the server rejects', async () => {
    // The premise of the case: a TLS client alone would call this connection a success.
    const events = await new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      const socket = connect({
        host: '127.0.0.1',
        port: strict.port,
        ca: pki.serverRoot.certificatePem,
        cert: client.certificateChainPem,
        key: client.privateKeyPem,
        servername: 'localhost',
      });
      socket.on('secureConnect', () => {
        seen.push('secureConnect');
        socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      });
      socket.on('data', () => seen.push('data'));
      socket.on('error', () => seen.push('error'));
      socket.on('close', () => resolve(seen));
    });

    expect(events[0]).toBe('secureConnect');
    expect(events).not.toContain('data');
  });
});
