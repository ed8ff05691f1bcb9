/**
 * Translates OpenSSL and Node TLS error codes into a sentence that states which side rejected whom.
 * Returns undefined for errors that are not about TLS.
 */
export function describeTlsError(error: NodeJS.ErrnoException, host: string): string | undefined {
  const code = error.code ?? '';

  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code)?.[1];
  if (alert !== undefined) {
    return `${host} rejected the TLS session with alert "${alert.toLowerCase().replaceAll('_', ' ')}"; the server does not accept this client certificate or its chain`;
  }

  const serverCertificateProblems: Record<string, string> = {
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is not signed by a trusted CA',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is issued by a CA that is not trusted',
    SELF_SIGNED_CERT_IN_CHAIN: 'chains to a self-signed root that is not trusted',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed and not trusted',
    UNABLE_TO_GET_ISSUER_CERT: 'is issued by a CA whose certificate is missing from the trusted set',
    CERT_HAS_EXPIRED: 'has expired',
    CERT_NOT_YET_VALID: 'is not yet valid',
    CERT_SIGNATURE_FAILURE: 'has a signature that does not verify',
    CERT_UNTRUSTED: 'is not trusted',
    CERT_REJECTED: 'is rejected by the trust settings',
    CERT_REVOKED: 'is revoked',
    INVALID_CA: 'chains through a certificate that is not a valid CA',
    INVALID_PURPOSE: 'is not allowed for TLS server authentication',
    PATH_LENGTH_EXCEEDED: 'chains through more CAs than a path length constraint allows',
    HOSTNAME_MISMATCH: 'does not name this host',
    ERR_TLS_CERT_ALTNAME_INVALID: 'does not name this host',
  };
  const problem = serverCertificateProblems[code];
  if (problem !== undefined) {
    return (
      `the server certificate of ${host} ${problem} (${code}): set caCertificates of this endpoint (rotation.provider, rotation.handshake or rotation.registration) ` +
      'to the CA that issued it; for rotation.handshake, serverName can name a host the certificate carries'
    );
  }

  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
    return `${host} did not answer with TLS (${code}): the port may serve plain http, so check the URL's scheme and port`;
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `TLS with ${host} failed (${code}): ${error.message}`;
  }

  return undefined;
}
