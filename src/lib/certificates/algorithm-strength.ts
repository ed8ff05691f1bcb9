import type { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CertificateValidationError } from '../errors.js';
import { describeCertificate } from './summary.js';

// Signature algorithms accepted on a leaf or intermediate: SHA-2 with RSA or ECDSA, RSASSA-PSS with a
// SHA-2 hash, and EdDSA. An allow-list, because weak digests hide behind several identifiers
// (OIW sha1WithRSA, PSS with its SHA-1 default).
const ALLOWED_SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const SHA2_DIGESTS = new Set(['2.16.840.1.101.3.4.2.1', '2.16.840.1.101.3.4.2.2', '2.16.840.1.101.3.4.2.3']);
const KNOWN_WEAK: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.29': 'sha1WithRSA (OIW)',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
};
const MIN_RSA_BITS = 2048;
const ALLOWED_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** Returns the outer signatureAlgorithm of a certificate: its OID and, for RSASSA-PSS, the hash OID. */
export function readSignatureAlgorithm(certificate: X509Certificate): { oid: string; pssHashOid?: string } {
  const root = forge.asn1.fromDer(forge.util.createBuffer(certificate.raw.toString('binary')));
  const algorithm = children(root)[1];
  const [oidNode, parameters] = children(algorithm);
  if (oidNode === undefined || typeof oidNode.value !== 'string') throw new Error('no signatureAlgorithm');
  const oid = forge.asn1.derToOid(oidNode.value);
  if (oid !== RSASSA_PSS) return { oid };

  // RSASSA-PSS-params (RFC 4055): hashAlgorithm is [0] EXPLICIT and defaults to SHA-1 when absent.
  const hashField = children(parameters).find((node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 0);
  const hashOidNode = children(children(hashField)[0])[0];
  const pssHashOid = hashOidNode !== undefined && typeof hashOidNode.value === 'string' ? forge.asn1.derToOid(hashOidNode.value) : '1.3.14.3.2.26';

  return { oid, pssHashOid };
}

/** Rejects a certificate signed with anything but a SHA-2 or EdDSA signature, which current TLS stacks refuse. */
export function checkSignatureAlgorithm(certificate: X509Certificate, source: string): void {
  let algorithm: { oid: string; pssHashOid?: string };
  try {
    algorithm = readSignatureAlgorithm(certificate);
  } catch (error) {
    throw new CertificateValidationError('parse', `${source}: certificate ${describeCertificate(certificate)} has no readable signatureAlgorithm`, { cause: error });
  }

  const allowed =
    ALLOWED_SIGNATURE_ALGORITHMS[algorithm.oid] !== undefined ||
    (algorithm.oid === RSASSA_PSS && algorithm.pssHashOid !== undefined && SHA2_DIGESTS.has(algorithm.pssHashOid));
  if (allowed) return;

  const name =
    algorithm.oid === RSASSA_PSS ? `RSASSA-PSS with hash ${algorithm.pssHashOid ?? 'unknown'}` : (KNOWN_WEAK[algorithm.oid] ?? `algorithm ${algorithm.oid}`);
  throw new CertificateValidationError(
    'signature-algorithm',
    `${source}: certificate ${describeCertificate(certificate)} is signed with ${name}, which partners reject: have the CA sign with SHA-256 or stronger`,
  );
}

/** Rejects RSA keys under 2048 bits and EC keys on curves other than P-256, P-384 and P-521. */
export function checkPublicKeyStrength(certificate: X509Certificate, source: string): void {
  let details: { type: string | undefined; bits: number | undefined; curve: string | undefined };
  try {
    const key = certificate.publicKey;
    details = { type: key.asymmetricKeyType, bits: key.asymmetricKeyDetails?.modulusLength, curve: key.asymmetricKeyDetails?.namedCurve };
  } catch {
    throw new CertificateValidationError('key-strength', `${source}: certificate ${describeCertificate(certificate)} has a public key of an unsupported algorithm`);
  }

  if ((details.type === 'rsa' || details.type === 'rsa-pss') && (details.bits ?? 0) < MIN_RSA_BITS) {
    throw new CertificateValidationError(
      'key-strength',
      `${source}: certificate ${describeCertificate(certificate)} has a ${details.bits ?? 0}-bit RSA key, below the ${MIN_RSA_BITS} bits partners require`,
    );
  }
  if (details.type === 'ec' && !ALLOWED_CURVES.has(details.curve ?? '')) {
    throw new CertificateValidationError(
      'key-strength',
      `${source}: certificate ${describeCertificate(certificate)} has an EC key on curve ${details.curve ?? 'unknown'}; use P-256, P-384 or P-521`,
    );
  }
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}
