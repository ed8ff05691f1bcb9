/**
 * Translates OpenSSL and Node TLS error codes into a sentence that says which side rejected whom.
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
    CERT_HAS_EXPIRED: 'has expired',
    CERT_NOT_YET_VALID: 'is not yet valid',
    ERR_TLS_CERT_ALTNAME_INVALID: 'does not name this host',
  };
  const problem = serverCertificateProblems[code];
  if (problem !== undefined) {
    return `the server certificate of ${host} ${problem} (${code}): set caCertificates to the CA that issued it, or serverName to a name it carries`;
  }

  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `TLS with ${host} failed (${code}): ${error.message}`;
  }

  return undefined;
}
