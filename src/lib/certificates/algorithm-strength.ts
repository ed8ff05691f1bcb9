import type { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CertificateValidationError } from '../errors.js';
import { describeCertificate } from './summary.js';

// Signature algorithms whose digest is broken for collision resistance (MD2, MD5, SHA-1).
const WEAK_SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
};

/** Returns the OID of the certificate's outer signatureAlgorithm. */
export function signatureAlgorithmOid(certificate: X509Certificate): string {
  const root = forge.asn1.fromDer(forge.util.createBuffer(certificate.raw.toString('binary')));
  const algorithm = Array.isArray(root.value) ? root.value[1] : undefined;
  const oid = algorithm !== undefined && Array.isArray(algorithm.value) ? algorithm.value[0] : undefined;
  if (oid === undefined || typeof oid.value !== 'string') throw new Error('no signatureAlgorithm');

  return forge.asn1.derToOid(oid.value);
}

/** Rejects a certificate signed with a broken digest, which current TLS stacks refuse. */
export function checkSignatureAlgorithm(certificate: X509Certificate, source: string): void {
  let oid: string;
  try {
    oid = signatureAlgorithmOid(certificate);
  } catch (error) {
    throw new CertificateValidationError('parse', `${source}: certificate ${describeCertificate(certificate)} has no readable signatureAlgorithm`, { cause: error });
  }
  const weak = WEAK_SIGNATURE_ALGORITHMS[oid];
  if (weak !== undefined) {
    throw new CertificateValidationError(
      'signature-algorithm',
      `${source}: certificate ${describeCertificate(certificate)} is signed with ${weak}, a broken digest that partners reject: have the CA sign with SHA-256 or stronger`,
    );
  }
}
