import type { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CertificateValidationError } from '../errors.js';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

// RFC 5280 4.1.2.5: UTCTime is YYMMDDHHMMSSZ (years 1950 to 2049), GeneralizedTime YYYYMMDDHHMMSSZ.
const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

const cache = new WeakMap<X509Certificate, Validity>();

/**
 * Reads notBefore and notAfter from the certificate's DER. Node's `validFrom`/`validTo` strings
 * print a GeneralizedTime year such as 0049 as "49", which `Date` reads as 2049. They also print
 * an unreadable time as "Bad time value". Decoding the bytes avoids both.
 */
export function readValidity(certificate: X509Certificate): Validity {
  const cached = cache.get(certificate);
  if (cached !== undefined) return cached;

  let validity: Validity;
  try {
    const root = forge.asn1.fromDer(forge.util.createBuffer(certificate.raw.toString('binary')));
    const tbs = children(root)[0];
    const fields = children(tbs);
    // An explicit [0] version tag shifts the fields by one.
    const offset = fields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
    const [notBefore, notAfter] = children(fields[offset + 3]);
    validity = { notBefore: decodeTime(notBefore), notAfter: decodeTime(notAfter) };
  } catch (error) {
    throw new CertificateValidationError('validity', `certificate validity dates cannot be read: ${(error as Error).message}`, { cause: error });
  }
  cache.set(certificate, validity);

  return validity;
}

function decodeTime(node: forge.asn1.Asn1 | undefined): Date {
  if (node === undefined || typeof node.value !== 'string') throw new Error('the validity field is missing');
  const text = node.value;

  let parts: RegExpExecArray | null;
  let year: number;
  if (node.type === forge.asn1.Type.UTCTIME && (parts = UTC_TIME.exec(text)) !== null) {
    const shortYear = Number(parts[1]);
    year = shortYear >= 50 ? 1900 + shortYear : 2000 + shortYear;
  } else if (node.type === forge.asn1.Type.GENERALIZEDTIME && (parts = GENERALIZED_TIME.exec(text)) !== null) {
    year = Number(parts[1]);
  } else {
    throw new Error(`time ${JSON.stringify(text.slice(0, 20))} is not a UTCTime or GeneralizedTime in RFC 5280 form`);
  }

  const [month, day, hour, minute, second] = parts.slice(2).map(Number) as [number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new Error(`time ${text} is not a valid calendar date`);
  }

  return date;
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}
