import type { CertificateAuthority } from './certificate-authority.js';
import { signingAlgorithmFor } from './keys.js';
import { replaceSerialNumber } from './serial-number.js';
import { x509 } from './x509-provider.js';

/** Input of signCertificate: everything that varies between an intermediate CA and a leaf. */
export interface SignCertificateParams {
  subject: x509.Name;
  /** DER SubjectPublicKeyInfo of the certified key. */
  subjectPublicKey: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Extensions besides the Subject and Authority Key Identifiers, which are always added. */
  extensions: x509.Extension[];
  serialNumberHex?: string;
}

/** A signed certificate in DER and PEM. */
export interface SignedCertificate {
  certificateDer: Buffer;
  certificatePem: string;
}

/**
 * Signs a certificate with a CA key. The issuer is the CA certificate's subject copied byte for
 * byte, and the Authority Key Identifier repeats the CA's Subject Key Identifier. OpenSSL and Node
 * can then build the chain by name and by key identifier (RFC 5280 sections 4.1.2.4 and 4.2.1.1).
 */
export async function signCertificate(ca: CertificateAuthority, params: SignCertificateParams): Promise<SignedCertificate> {
  const issuerCertificate = new x509.X509Certificate(ca.certificatePem);
  const authorityKeyIdentifier = await authorityKeyIdentifierOf(issuerCertificate);
  const subjectKeyIdentifier = await x509.SubjectKeyIdentifierExtension.create(params.subjectPublicKey);

  const generated = await x509.X509CertificateGenerator.create({
    subject: params.subject,
    issuer: issuerCertificate.subjectName,
    publicKey: params.subjectPublicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: signingAlgorithmFor(ca.keySpec),
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    extensions: [...params.extensions, subjectKeyIdentifier, authorityKeyIdentifier],
  });

  const certificateDer =
    params.serialNumberHex === undefined
      ? Buffer.from(generated.rawData)
      : replaceSerialNumber(new Uint8Array(generated.rawData), params.serialNumberHex, ca.privateKey, ca.keySpec);

  // Encoded here rather than by node:crypto, which cannot parse some deliberately malformed test
  // certificates (OpenSSL rejects a non-minimal serial INTEGER such as 00 01).
  return { certificateDer, certificatePem: toCertificatePem(certificateDer) };
}

function toCertificatePem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];

  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

async function authorityKeyIdentifierOf(issuer: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const issuerKeyIdentifier = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (issuerKeyIdentifier) {
    return new x509.AuthorityKeyIdentifierExtension(issuerKeyIdentifier.keyId);
  }

  return x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey);
}
