import { ProviderError } from '../errors.js';

/**
 * Formats a serial number as colon-separated lower-case hex bytes, e.g. "8f:1e:22:03". This is the
 * form that `openssl x509 -text` prints (OpenSSL 3, without a sign byte), that Vault returns in
 * `serial_number`, and that the AWS Private CA API reference describes for
 * RevokeCertificate's CertificateSerial. `serialNumber` is any hex spelling: separators, case and leading zeros are ignored.
 * Throws a non-retryable ProviderError for `provider`'s revocation when the serial cannot be
 * written this way, because no retry changes the certificate.
 */
export function toColonHexSerial(serialNumber: string, provider: string): string {
  const context = { provider, operation: 'revoke' };
  // A leading minus is a negative serial, not a separator.
  if (serialNumber.trim().startsWith('-')) {
    throw new ProviderError(
      `serial number ${JSON.stringify(serialNumber)} is negative, which RFC 5280 section 4.1.2.2 does not allow, and provider '${provider}' revokes by positive serial only: revoke the certificate at the CA by hand`,
      { context },
    );
  }
  const digits = serialNumber.replaceAll(/[:\-\s]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
  if (!/^[0-9a-f]+$/.test(digits)) {
    throw new ProviderError(`serial number ${JSON.stringify(serialNumber)} is not a hexadecimal number, so provider '${provider}' cannot revoke by it: revoke the certificate at the CA by hand`, {
      context,
    });
  }
  const even = digits.length % 2 === 0 ? digits : `0${digits}`;

  return even.match(/../g)!.join(':');
}
