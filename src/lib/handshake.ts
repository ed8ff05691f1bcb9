import type { HandshakeConfig } from './config/rotation-config.js';
import { HandshakeError, HttpRequestError, TimeBudgetError } from './errors.js';
import { sendHttpRequestWithRetry, type RetryContext } from './net/retrying-request.js';
import { OPERATION_MIN_MS } from './time-budget.js';

export const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_HANDSHAKE_ANSWER_BYTES = 64 * 1024;

export interface HandshakeCredentials {
  /** Leaf followed by its intermediates, PEM. */
  certificateChainPem: string;
  privateKeyPem: string;
}

export interface HandshakeResult {
  status: number;
  tlsProtocol: string | undefined;
  durationMs: number;
}

/**
 * Proves a client certificate works against the partner: opens a TLS connection with it and
 * completes an HTTP request. With TLS 1.3 the server checks the client certificate after the
 * client already considers the handshake done, so only an HTTP response counts as acceptance.
 * Connection-level failures (reset, refused, timed out) are retried under `retry`; a response,
 * whatever its status, and a TLS verification failure are final.
 */
export async function testHandshake(config: HandshakeConfig, credentials: HandshakeCredentials, retry: RetryContext): Promise<HandshakeResult> {
  const started = Date.now();
  const target = new URL(config.url);
  let response;
  try {
    response = await sendHttpRequestWithRetry(
      {
        operation: 'mTLS handshake test',
        isTransientStatus: () => false,
        minAttemptMs: OPERATION_MIN_MS.handshake,
        url: config.url,
        method: 'GET',
        headers: { accept: '*/*', 'user-agent': 'mtls-cert-rotator/handshake-test' },
        caCertificates: config.caCertificates,
        servername: config.serverName,
        clientCertificate: { certificatePem: credentials.certificateChainPem, privateKeyPem: credentials.privateKeyPem },
        timeoutMs: config.timeoutMs ?? HANDSHAKE_TIMEOUT_MS,
        maxResponseBytes: MAX_HANDSHAKE_ANSWER_BYTES,
      },
      retry,
    );
  } catch (error) {
    if (error instanceof TimeBudgetError) throw error;
    throw new HandshakeError(`mTLS test against ${target.host} failed: ${explainFailure(error)}`, {
      cause: error,
      retryable: error instanceof HttpRequestError && error.retryable,
    });
  }

  const accepted = config.expectStatus === undefined ? response.status < 400 : response.status === config.expectStatus;
  if (!accepted) {
    const expected = config.expectStatus === undefined ? 'a status below 400' : `status ${config.expectStatus}`;
    throw new HandshakeError(
      `mTLS test against ${target.host} failed: ${config.url} returned HTTP ${response.status} over ${response.tlsProtocol ?? 'TLS'}, expected ${expected}; ` +
        'the partner may not trust the new certificate, or the URL needs rotation.handshake.expectStatus',
      { context: { status: response.status } },
    );
  }

  return { status: response.status, tlsProtocol: response.tlsProtocol, durationMs: Date.now() - started };
}

function explainFailure(error: unknown): string {
  if (!(error instanceof HttpRequestError)) return (error as Error).message;
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  if (cause?.message.includes('before secure TLS connection was established')) {
    return `${error.message}; the server closed the connection during the TLS handshake, so it does not accept this client certificate or its chain (TLS 1.2 servers reject this way)`;
  }
  if (cause?.code === 'ECONNRESET' || cause?.code === 'EPIPE') {
    return `${error.message}; the connection was closed after the TLS handshake, which is how a TLS 1.3 server rejects a client certificate it does not trust`;
  }

  return error.message;
}
