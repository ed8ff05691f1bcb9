import { KeyObject, X509Certificate, sign } from 'node:crypto';
import type { CertificateAuthority } from '../../dev/pki/index.js';

/*
 * Byte-level editing of DER certificates for the hostile-input tests: rewrites fields of the
 * TBSCertificate that @peculiar/x509 will not produce (bad times, unknown SPKI algorithms,
 * duplicate or malformed extensions, SHA-1 signatures) and signs the result with a test CA key.
 */

interface Element {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export function readElement(der: Buffer, offset: number): Element {
  const tag = der[offset] as number;
  const first = der[offset + 1] as number;
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    length = der.readUIntBE(offset + 2, count);
    contentStart += count;
  }

  return { tag, start: offset, contentStart, end: contentStart + length };
}

export function childrenOf(der: Buffer, element: Element): Buffer[] {
  const children: Buffer[] = [];
  for (let offset = element.contentStart; offset < element.end; ) {
    const child = readElement(der, offset);
    children.push(der.subarray(child.start, child.end));
    offset = child.end;
  }

  return children;
}

export function encode(tag: number, ...contents: Buffer[]): Buffer {
  const content = Buffer.concat(contents);
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) {
    header = Buffer.from([tag, length]);
  } else {
    const bytes: number[] = [];
    for (let remaining = length; remaining > 0; remaining = Math.floor(remaining / 256)) bytes.unshift(remaining & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }

  return Buffer.concat([header, content]);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const part of parts.slice(2)) {
    const group: number[] = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) group.unshift((rest & 0x7f) | 0x80);
    bytes.push(...group);
  }

  return encode(0x06, Buffer.from(bytes));
}

/** Encodes an Extension SEQUENCE: extnID, critical TRUE when `critical`, extnValue OCTET STRING. */
export function extension(extensionOid: string, critical: boolean, value: Buffer): Buffer {
  return encode(0x30, oid(extensionOid), critical ? Buffer.from([0x01, 0x01, 0xff]) : Buffer.alloc(0), encode(0x04, value));
}

export interface TbsParts {
  version: Buffer;
  serial: Buffer;
  signatureAlgorithm: Buffer;
  issuer: Buffer;
  validity: Buffer;
  subject: Buffer;
  subjectPublicKeyInfo: Buffer;
  /** The Extension SEQUENCEs inside [3]. */
  extensions: Buffer[];
}

const ECDSA_WITH_SHA256 = encode(0x30, oid('1.2.840.10045.4.3.2'));
export const ECDSA_WITH_SHA1 = encode(0x30, oid('1.2.840.10045.4.1'));

/**
 * Splits `pem`'s TBSCertificate, lets `edit` change its parts and signs the result with `ca`'s
 * EC P-256 key (ecdsa-with-SHA256, or ecdsa-with-SHA1 when `edit` sets that algorithm).
 */
export function rewriteCertificate(pem: string, ca: CertificateAuthority, edit: (parts: TbsParts) => void): string {
  const der = new X509Certificate(pem).raw;
  const certificate = readElement(der, 0);
  const tbs = readElement(der, certificate.contentStart);
  const [version, serial, signatureAlgorithm, issuer, validity, subject, subjectPublicKeyInfo, extensionsWrapper] = childrenOf(der, tbs) as Buffer[];
  const extensionsSequence = readElement(extensionsWrapper as Buffer, readElement(extensionsWrapper as Buffer, 0).contentStart);
  const parts: TbsParts = {
    version: version as Buffer,
    serial: serial as Buffer,
    signatureAlgorithm: signatureAlgorithm as Buffer,
    issuer: issuer as Buffer,
    validity: validity as Buffer,
    subject: subject as Buffer,
    subjectPublicKeyInfo: subjectPublicKeyInfo as Buffer,
    extensions: childrenOf(extensionsWrapper as Buffer, extensionsSequence),
  };
  edit(parts);

  const newTbs = encode(
    0x30,
    parts.version,
    parts.serial,
    parts.signatureAlgorithm,
    parts.issuer,
    parts.validity,
    parts.subject,
    parts.subjectPublicKeyInfo,
    encode(0xa3, encode(0x30, ...parts.extensions)),
  );
  const hash = parts.signatureAlgorithm.equals(ECDSA_WITH_SHA1) ? 'sha1' : 'sha256';
  if (!parts.signatureAlgorithm.equals(ECDSA_WITH_SHA1) && !parts.signatureAlgorithm.equals(ECDSA_WITH_SHA256)) {
    throw new Error('rewriteCertificate supports only ecdsa-with-SHA256 and ecdsa-with-SHA1: set parts.signatureAlgorithm to one of them');
  }
  const signature = sign(hash, newTbs, KeyObject.from(ca.privateKey));
  const rebuilt = encode(0x30, newTbs, parts.signatureAlgorithm, encode(0x03, Buffer.from([0]), signature));
  const body = rebuilt.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');

  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** Returns the OID (dotted) of an Extension SEQUENCE. */
export function extensionOid(ext: Buffer): string {
  const outer = readElement(ext, 0);
  const id = readElement(ext, outer.contentStart);
  const bytes = ext.subarray(id.contentStart, id.end);
  const parts = [Math.floor((bytes[0] as number) / 40), (bytes[0] as number) % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }

  return parts.join('.');
}

export const OIDS = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;
