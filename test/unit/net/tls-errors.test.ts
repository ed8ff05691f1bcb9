import { describe, expect, it } from 'vitest';
import { describeTlsError } from '../../../src/lib/net/tls-errors.js';

function errorWithCode(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`failure ${code}`), { code });
}

describe('describeTlsError', () => {
  it.each([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_GET_ISSUER_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_SIGNATURE_FAILURE',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
    'CERT_REVOKED',
    'INVALID_CA',
    'INVALID_PURPOSE',
    'PATH_LENGTH_EXCEEDED',
    'HOSTNAME_MISMATCH',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ])('names the host and the fix for %s', (code) => {
    const text = describeTlsError(errorWithCode(code), 'ca.example.test');

    expect(text).toMatch(new RegExp(`^the server certificate of ca\\.example\\.test .+ \\(${code}\\): set caCertificates of this endpoint \\(rotation\\.provider, rotation\\.handshake or rotation\\.registration\\) to the CA that issued it; for rotation\\.handshake, serverName can name a host the certificate carries$`));
  });

  it('reads a TLS alert from the server', () => {
    expect(describeTlsError(errorWithCode('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'partner.example.test')).toBe(
      'partner.example.test rejected the TLS session with alert "certificate required"; the server does not accept this client certificate or its chain',
    );
  });

  it('keeps other TLS failures with their code', () => {
    expect(describeTlsError(errorWithCode('ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC'), 'ca.example.test')).toBe(
      'TLS with ca.example.test failed (ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC): failure ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
    );
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', ''])('leaves %s to the caller', (code) => {
    expect(describeTlsError(errorWithCode(code), 'ca.example.test')).toBeUndefined();
  });
});
