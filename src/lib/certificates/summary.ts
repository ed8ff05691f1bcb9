import type { X509Certificate } from 'node:crypto';
import { readValidity } from './validity.js';

/** The public facts about a certificate that logs and notifications carry. */
export interface CertificateSummary {
  serialNumber: string;
  fingerprintSha256: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
}

export function summarizeCertificate(certificate: X509Certificate): CertificateSummary {
  return {
    serialNumber: canonicalSerialNumber(certificate.serialNumber),
    fingerprintSha256: certificate.fingerprint256.replaceAll(':', '').toLowerCase(),
    subject: formatName(certificate.subject),
    issuer: formatName(certificate.issuer),
    notBefore: notBefore(certificate).toISOString(),
    notAfter: notAfter(certificate).toISOString(),
  };
}

/**
 * Returns a serial number in one form: upper-case hex without separators or leading zeros. CAs
 * spell serials in several ways ("8f:1e:...", "008F1E...", decimal in some APIs); comparisons and
 * notifications use this form only.
 */
export function canonicalSerialNumber(serial: string): string {
  const negative = serial.startsWith('-');
  const digits = serial.replace(/^-/, '').replaceAll(':', '').toUpperCase().replace(/^0+(?=.)/, '');

  return negative ? `-${digits}` : digits;
}

/** Joins Node's newline-separated distinguished name into the one-line form used in messages. */
export function formatName(name: string | undefined): string {
  // Node returns undefined for an empty subject, which RFC 5280 allows when subjectAltName is critical.
  return (name ?? '').split('\n').filter(Boolean).join(', ');
}

export function notBefore(certificate: X509Certificate): Date {
  return readValidity(certificate).notBefore;
}

export function notAfter(certificate: X509Certificate): Date {
  return readValidity(certificate).notAfter;
}

/** Names a certificate in an error message: subject and serial, never key material. */
export function describeCertificate(certificate: X509Certificate): string {
  return `"${formatName(certificate.subject)}" (serial ${canonicalSerialNumber(certificate.serialNumber)})`;
}
