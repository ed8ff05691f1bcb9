import { KeyObject, sign, webcrypto } from 'node:crypto';
import { PkiError } from './errors.js';
import { signatureHashFor, type KeySpec } from './keys.js';

const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_SEQUENCE = 0x30;
const TAG_VERSION = 0xa0;

interface DerElement {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/**
 * Rewrites the serialNumber of a DER certificate with exact INTEGER content bytes and signs the new
 * TBSCertificate with the CA key. @peculiar/x509 normalizes every serial to a positive minimal
 * INTEGER, so zero, negative and over-long serials (RFC 5280 section 4.1.2.2 forbids the first two)
 * can only be produced by editing the encoding afterwards.
 */
export function replaceSerialNumber(
  certificateDer: Uint8Array,
  serialNumberHex: string,
  signingKey: webcrypto.CryptoKey,
  signingKeySpec: KeySpec,
): Buffer {
  const serialContent = parseSerialNumberHex(serialNumberHex);
  const der = Buffer.from(certificateDer);

  const certificate = readElement(der, 0, TAG_SEQUENCE);
  const tbs = readElement(der, certificate.contentStart, TAG_SEQUENCE);
  const signatureAlgorithm = readElement(der, tbs.end, TAG_SEQUENCE);

  const version = readElement(der, tbs.contentStart, TAG_VERSION);
  const serial = readElement(der, version.end, TAG_INTEGER);

  const tbsContent = Buffer.concat([
    der.subarray(tbs.contentStart, serial.start),
    encodeElement(TAG_INTEGER, serialContent),
    der.subarray(serial.end, tbs.end),
  ]);
  const newTbs = encodeElement(TAG_SEQUENCE, tbsContent);

  // node:crypto returns ECDSA signatures as DER Ecdsa-Sig-Value and RSA as PKCS #1 v1.5 by default,
  // which is what the signatureValue BIT STRING of an X.509 certificate holds.
  const hash = signatureHashFor(signingKeySpec).replace('-', '').toLowerCase();
  const signature = sign(hash, newTbs, KeyObject.from(signingKey));
  const signatureValue = encodeElement(TAG_BIT_STRING, Buffer.concat([Buffer.from([0x00]), signature]));

  return encodeElement(
    TAG_SEQUENCE,
    Buffer.concat([newTbs, der.subarray(signatureAlgorithm.start, signatureAlgorithm.end), signatureValue]),
  );
}

function parseSerialNumberHex(serialNumberHex: string): Buffer {
  const hex = serialNumberHex.replace(/[\s:]/g, '');
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new PkiError(
      `Invalid serialNumberHex '${serialNumberHex}': expected an even number of hex digits, the DER INTEGER content bytes`,
    );
  }

  return Buffer.from(hex, 'hex');
}

function readElement(der: Buffer, offset: number, expectedTag: number): DerElement {
  const tag = der[offset];
  if (tag !== expectedTag) {
    throw new PkiError(
      `Cannot rewrite the certificate serial number: expected DER tag 0x${expectedTag.toString(16)} at offset ${offset}, found 0x${(tag ?? 0).toString(16)}`,
    );
  }

  const firstLengthByte = der[offset + 1] ?? 0;
  let length = firstLengthByte;
  let contentStart = offset + 2;
  if (firstLengthByte & 0x80) {
    const lengthBytes = firstLengthByte & 0x7f;
    length = der.readUIntBE(offset + 2, lengthBytes);
    contentStart += lengthBytes;
  }

  return { tag, start: offset, contentStart, end: contentStart + length };
}

function encodeElement(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) {
    return Buffer.from([length]);
  }

  const bytes: number[] = [];
  for (let remaining = length; remaining > 0; remaining = Math.floor(remaining / 256)) {
    bytes.unshift(remaining & 0xff);
  }

  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
