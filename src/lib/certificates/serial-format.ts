/**
 * Formats a serial number as colon-separated lower-case hex bytes, e.g. "8f:1e:22:03". This is the
 * form that `openssl x509 -text` prints (OpenSSL 3, without a sign byte), that Vault returns in
 * `serial_number`, and that the AWS Private CA API reference describes for
 * RevokeCertificate's CertificateSerial. `serialNumber` is any hex spelling: separators, case and leading zeros are ignored.
 */
export function toColonHexSerial(serialNumber: string): string {
  // A leading minus is a negative serial, not a separator.
  const digits = serialNumber.trim().startsWith('-') ? '' : serialNumber.replaceAll(/[:\-\s]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
  if (!/^[0-9a-f]+$/.test(digits)) {
    throw new RangeError(`serial number ${JSON.stringify(serialNumber)} is not a positive hexadecimal number`);
  }
  const even = digits.length % 2 === 0 ? digits : `0${digits}`;

  return even.match(/../g)!.join(':');
}
