import forge from 'node-forge';
import { CertificateParseError } from '../errors.js';

const SIGNED_DATA_OID = '1.2.840.113549.1.7.2';

/** Returns true when `der` starts like a PKCS#7 ContentInfo (RFC 2315), the EST and CFSSL bundle form. */
export function looksLikePkcs7(der: Uint8Array): boolean {
  try {
    const contentInfo = parseDer(der, false);
    const oid = Array.isArray(contentInfo.value) ? contentInfo.value[0] : undefined;

    return oid !== undefined && oid.type === forge.asn1.Type.OID && forge.asn1.derToOid(oid.value as string) === SIGNED_DATA_OID;
  } catch {
    return false;
  }
}

/**
 * Extracts the DER certificates of a PKCS#7 SignedData "certs-only" message. The ASN.1 is walked
 * with forge's parser, but the certificates are returned as DER for `node:crypto`, because forge's
 * certificate parser accepts RSA keys only and fails on an EC issuer.
 */
export function extractPkcs7Certificates(der: Uint8Array, source: string): Buffer[] {
  let contentInfo: forge.asn1.Asn1;
  try {
    contentInfo = parseDer(der, true);
  } catch (error) {
    throw new CertificateParseError(`${source}: PKCS#7 data is not valid DER: ${(error as Error).message}`, { cause: error });
  }

  const [oid, explicitContent] = asChildren(contentInfo);
  if (oid === undefined || oid.type !== forge.asn1.Type.OID || forge.asn1.derToOid(oid.value as string) !== SIGNED_DATA_OID) {
    throw new CertificateParseError(`${source}: PKCS#7 content is not SignedData (OID ${SIGNED_DATA_OID})`);
  }
  const signedData = asChildren(explicitContent)[0];
  // SignedData: version, digestAlgorithms, encapContentInfo, [0] IMPLICIT certificates, [1] crls, signerInfos.
  const certificateSet = asChildren(signedData).find(
    (child) => child.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && child.type === 0,
  );
  if (certificateSet === undefined) {
    throw new CertificateParseError(`${source}: PKCS#7 SignedData contains no certificates`);
  }

  return asChildren(certificateSet).map((certificate) => Buffer.from(forge.asn1.toDer(certificate).getBytes(), 'binary'));
}

// forge's fromDer takes an options object at run time; its type declarations list only a boolean.
type FromDerWithOptions = (bytes: forge.util.ByteStringBuffer, options: { parseAllBytes: boolean }) => forge.asn1.Asn1;

function parseDer(der: Uint8Array, parseAllBytes: boolean): forge.asn1.Asn1 {
  const fromDer = forge.asn1.fromDer as unknown as FromDerWithOptions;

  return fromDer(forge.util.createBuffer(Buffer.from(der).toString('binary')), { parseAllBytes });
}

function asChildren(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}
