import forge from 'node-forge';
import { CertificateParseError } from '../errors.js';

const CSR_PEM = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/;

/**
 * Returns the DER SubjectPublicKeyInfo of a PEM PKCS#10 request (RFC 2986 section 4.1: the third
 * field of certificationRequestInfo). Two CSRs for the same key return the same bytes even where
 * their signatures differ, as ECDSA signatures do on every signing.
 */
export function csrPublicKeyDer(csrPem: string): Buffer {
  const body = CSR_PEM.exec(csrPem)?.[1];
  if (body === undefined) throw new CertificateParseError('CSR has no "-----BEGIN CERTIFICATE REQUEST-----" PEM block');

  try {
    const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    const request = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    const info = (request.value as forge.asn1.Asn1[])[0];
    const subjectPublicKeyInfo = (info?.value as forge.asn1.Asn1[] | undefined)?.[2];
    if (subjectPublicKeyInfo === undefined) throw new Error('certificationRequestInfo has no subjectPKInfo');

    return Buffer.from(forge.asn1.toDer(subjectPublicKeyInfo).getBytes(), 'binary');
  } catch (error) {
    throw new CertificateParseError(`CSR is not a DER PKCS#10 CertificationRequest: ${(error as Error).message}`, { cause: error });
  }
}
