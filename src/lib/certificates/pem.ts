import { X509Certificate } from 'node:crypto';
import { CertificateParseError } from '../errors.js';
import { quoteUntrusted } from '../untrusted-text.js';
import { decodeBase64Strict, derElementLength } from './der.js';
import { extractPkcs7Certificates, looksLikePkcs7 } from './pkcs7.js';

const PEM_LABEL = /^([A-Z0-9 ]{1,64})-----/;
const MAX_PEM_BLOCKS = 64;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const PKCS7_LABELS = new Set(['PKCS7', 'CMS']);

/**
 * Reads every certificate in a provider response or a configured bundle. The format is detected by
 * content: PEM blocks (certificates or PKCS#7), bare base64 DER, base64 PKCS#7 certs-only, or
 * binary DER. Line endings, a byte-order mark, indentation and text outside PEM blocks are
 * tolerated. Anything that would make the stored PEM differ from the DER it encodes is rejected.
 * `source` names the input in error messages, e.g. "certificate from provider 'cfssl'".
 */
export function parseCertificates(input: string | Uint8Array, source: string): X509Certificate[] {
  const text = typeof input === 'string' ? input : undefined;
  if (text === undefined) return parseDerOrPkcs7(Buffer.from(input as Uint8Array), source);

  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (normalized.includes('-----BEGIN')) return parsePemBlocks(normalized, source);

  const trimmed = normalized.trim();
  if (trimmed.length === 0) throw new CertificateParseError(`${source} is empty`);
  const der = decodeBase64Strict(trimmed);
  if (der === undefined) {
    throw new CertificateParseError(
      `${source} is neither PEM nor base64 DER: it starts with ${quoteUntrusted(trimmed.slice(0, 40))}`,
    );
  }

  return parseDerOrPkcs7(der, source);
}

/** Encodes a certificate as canonical PEM: LF line endings, 64 base64 characters a line, final newline. */
export function toPem(certificate: X509Certificate): string {
  const body = certificate.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');

  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

export function toPemBundle(certificates: readonly X509Certificate[]): string {
  return certificates.map(toPem).join('');
}

function parsePemBlocks(text: string, source: string): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  let blockNumber = 0;

  for (const block of findPemBlocks(text, source)) {
    blockNumber += 1;
    const { beginLabel, body, endLabel } = block;
    const where = `${source}, PEM block ${blockNumber}`;
    if (beginLabel !== endLabel) {
      throw new CertificateParseError(`${where}: BEGIN ${beginLabel} is closed by END ${endLabel}`);
    }
    if (beginLabel.includes('PRIVATE KEY')) {
      // Never echo the block: it would put key material into an error message.
      throw new CertificateParseError(`${where}: contains a private key block where only certificates are expected`);
    }
    if (!CERTIFICATE_LABELS.has(beginLabel) && !PKCS7_LABELS.has(beginLabel)) {
      throw new CertificateParseError(`${where}: unexpected PEM type ${beginLabel}, expected CERTIFICATE or PKCS7`);
    }
    const der = decodeBase64Strict(stripPemHeaders(body));
    if (der === undefined) throw new CertificateParseError(`${where}: base64 body is invalid`);

    if (PKCS7_LABELS.has(beginLabel)) {
      certificates.push(...extractPkcs7Certificates(der, where).map((item) => parseDerCertificate(item, where)));
    } else {
      certificates.push(parseDerCertificate(der, where));
    }
  }

  if (certificates.length === 0) throw new CertificateParseError(`${source} contains no complete PEM block`);

  return certificates;
}

interface PemBlock {
  beginLabel: string;
  body: string;
  endLabel: string;
}

/**
 * Splits text into PEM blocks with a linear scan. A regular expression with a lazy body runs in
 * quadratic time on many unclosed BEGIN lines, which lets a hostile CA response stall the step.
 */
function findPemBlocks(text: string, source: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let position = text.indexOf('-----BEGIN ');

  while (position !== -1) {
    const labelStart = position + '-----BEGIN '.length;
    const label = PEM_LABEL.exec(text.slice(labelStart, labelStart + 70))?.[1];
    if (label === undefined) {
      // Not a PEM header ("-----BEGIN" inside prose): look for the next one.
      position = text.indexOf('-----BEGIN ', labelStart);
      continue;
    }
    const end = text.indexOf('-----END ', labelStart);
    if (end === -1) break;
    const endLabel = PEM_LABEL.exec(text.slice(end + '-----END '.length, end + '-----END '.length + 70))?.[1];
    if (endLabel === undefined) break;
    if (blocks.length === MAX_PEM_BLOCKS) {
      throw new CertificateParseError(`${source} contains more than ${MAX_PEM_BLOCKS} PEM blocks`);
    }
    blocks.push({ beginLabel: label, body: text.slice(labelStart + label.length + 5, end), endLabel });
    position = text.indexOf('-----BEGIN ', end + '-----END '.length + endLabel.length + 5);
  }

  return blocks;
}

/** Drops RFC 1421 style headers ("Proc-Type: ...") that some tools put at the start of a block body. */
function stripPemHeaders(body: string): string {
  return body
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.includes(':'))
    .join('');
}

function parseDerOrPkcs7(der: Buffer, source: string): X509Certificate[] {
  if (looksLikePkcs7(der)) {
    return extractPkcs7Certificates(der, source).map((item) => parseDerCertificate(item, source));
  }

  return [parseDerCertificate(der, source)];
}

function parseDerCertificate(der: Buffer, source: string): X509Certificate {
  const length = derElementLength(der);
  if (der[0] !== 0x30 || length === undefined) {
    throw new CertificateParseError(`${source}: not a DER certificate (no complete ASN.1 SEQUENCE)`);
  }
  if (length !== der.length) {
    throw new CertificateParseError(`${source}: ${der.length - length} unexpected bytes after certificate`);
  }

  try {
    return new X509Certificate(der);
  } catch (error) {
    throw new CertificateParseError(`${source}: certificate cannot be parsed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
