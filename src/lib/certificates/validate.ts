import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { CertificateValidationError } from '../errors.js';
import { isIssuedBy, orderChain } from './chain.js';
import { spkiFingerprint } from './keys.js';
import { checkPublicKeyStrength, checkSignatureAlgorithm } from './algorithm-strength.js';
import { describeCertificate, formatName, notAfter, notBefore, summarizeCertificate, type CertificateSummary } from './summary.js';

/** Clock skew tolerated between the CA, the Lambda and the partner. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

// RFC 5280 4.2.1.12.
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE_OID = '2.5.29.37.0';
const KEY_PURPOSE_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  [CLIENT_AUTH_OID]: 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};

export interface ValidationPolicy {
  minValidityDays: number;
  trustAnchors?: readonly X509Certificate[] | undefined;
  requireExtendedKeyUsage?: boolean | undefined;
  /** Origin of the private key, for messages: a key generated for this rotation, or one read from the secret. */
  keyOrigin?: 'generated' | 'stored' | undefined;
}

export interface ValidatedCertificate {
  leaf: X509Certificate;
  /** Intermediates, leaf side first, without roots. */
  chain: X509Certificate[];
  summary: CertificateSummary;
  warnings: string[];
}

/**
 * Checks an issued certificate and its chain before anything is stored or promoted. The leaf must
 * belong to `privateKey` and be an end-entity certificate with a positive serial, valid now and for
 * `minValidityDays`, that permits clientAuth. When trust anchors are configured, the leaf plus the
 * stored intermediates alone must verify up to one of them.
 */
export function validateIssuedCertificate(
  certificates: readonly X509Certificate[],
  privateKey: KeyObject,
  policy: ValidationPolicy,
  now: Date,
  source: string,
): ValidatedCertificate {
  const warnings: string[] = [];
  const leaf = findLeaf(certificates, privateKey, policy, source);

  checkLeafShape(leaf, source);
  checkSignatureAlgorithm(leaf, source);
  checkPublicKeyStrength(leaf, source);
  checkDates(leaf, policy.minValidityDays, now, source);
  checkExtendedKeyUsage(leaf, policy.requireExtendedKeyUsage === true, source);

  const ordered = orderChain(leaf, certificates, source);
  for (const intermediate of ordered.intermediates) {
    checkIntermediate(intermediate, now, source);
    checkSignatureAlgorithm(intermediate, source);
    checkPublicKeyStrength(intermediate, source);
  }
  if (ordered.droppedRoots.length > 0) {
    warnings.push(`${source} included the root ${describeCertificate(ordered.droppedRoots[0] as X509Certificate)}; it was dropped from certificateChain`);
  }

  if (policy.trustAnchors !== undefined && policy.trustAnchors.length > 0) {
    checkTrustAnchors(ordered.leaf, ordered.intermediates, policy.trustAnchors, now, source);
  } else {
    warnings.push('rotation.trustAnchors is not set, so the chain was not verified up to a trusted root');
  }

  return { leaf, chain: ordered.intermediates, summary: summarizeCertificate(leaf), warnings };
}

function findLeaf(certificates: readonly X509Certificate[], privateKey: KeyObject, policy: ValidationPolicy, source: string): X509Certificate {
  if (certificates.length === 0) {
    throw new CertificateValidationError('parse', `${source} contains no certificate`);
  }
  const matching = certificates.find((certificate) => matchesKey(certificate, privateKey));
  if (matching !== undefined) return matching;

  const likelyLeaf = certificates.find((certificate) => !certificate.ca) ?? (certificates[0] as X509Certificate);
  throw new CertificateValidationError(
    'key-match',
    `${source}: certificate public key does not match the ${policy.keyOrigin ?? 'generated'} private key ` +
      `(certificate ${describeCertificate(likelyLeaf)} SPKI SHA-256 ${publicKeyFingerprint(likelyLeaf)}, ` +
      `${policy.keyOrigin ?? 'generated'} key SPKI SHA-256 ${spkiFingerprint(createPublicKey(privateKey))}); ` +
      (policy.keyOrigin === 'stored' ? 'certificate and privateKey in the secret must belong together' : "the CA must sign the submitted CSR's key"),
  );
}

/** Fingerprints the certificate's key, or returns why it cannot: Node rejects unknown key algorithms. */
function publicKeyFingerprint(certificate: X509Certificate): string {
  try {
    return spkiFingerprint(certificate.publicKey);
  } catch {
    return 'unavailable (unsupported public key algorithm)';
  }
}

function matchesKey(certificate: X509Certificate, privateKey: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(privateKey);
  } catch {
    // Node throws when the key types differ (an RSA certificate against an EC key): not a match.
    return false;
  }
}

function checkLeafShape(leaf: X509Certificate, source: string): void {
  if (leaf.ca) {
    throw new CertificateValidationError(
      'not-a-leaf',
      `${source}: certificate ${describeCertificate(leaf)} is a CA certificate (basicConstraints cA=true); a client certificate must be an end-entity certificate`,
    );
  }

  // RFC 5280 4.1.2.2: the serial number must be a positive integer.
  const serial = leaf.serialNumber;
  if (serial.startsWith('-') || /^0*$/.test(serial)) {
    throw new CertificateValidationError(
      'serial-number',
      `${source}: certificate ${describeCertificate(leaf)} has a ${serial.startsWith('-') ? 'negative' : 'zero'} serial number, which RFC 5280 forbids; fix the CA's serial generation`,
    );
  }
}

function checkDates(leaf: X509Certificate, minValidityDays: number, now: Date, source: string): void {
  const start = notBefore(leaf);
  const end = notAfter(leaf);

  if (start.getTime() - CLOCK_SKEW_MS > now.getTime()) {
    throw new CertificateValidationError(
      'validity',
      `${source}: certificate ${describeCertificate(leaf)} is not valid before ${start.toISOString()}, more than 5 minutes ahead of now (${now.toISOString()}); check the CA's clock`,
    );
  }
  if (end.getTime() + CLOCK_SKEW_MS < now.getTime()) {
    throw new CertificateValidationError(
      'validity',
      `${source}: certificate ${describeCertificate(leaf)} expired on ${end.toISOString()}`,
    );
  }

  const remainingDays = (end.getTime() - now.getTime()) / DAY_MS;
  if (remainingDays < minValidityDays) {
    throw new CertificateValidationError(
      'min-validity',
      `${source}: certificate ${describeCertificate(leaf)} expires on ${end.toISOString()}, in ${remainingDays.toFixed(1)} days, ` +
        `below minValidityDays=${minValidityDays}: check the provider profile's expiry or lower rotation.minValidityDays`,
    );
  }
}

function checkExtendedKeyUsage(leaf: X509Certificate, required: boolean, source: string): void {
  const usages = leaf.keyUsage as string[] | undefined;
  if (usages === undefined) {
    if (required) {
      throw new CertificateValidationError(
        'extended-key-usage',
        `${source}: certificate ${describeCertificate(leaf)} has no extendedKeyUsage extension, and rotation.requireExtendedKeyUsage is true`,
      );
    }

    return;
  }
  if (!usages.includes(CLIENT_AUTH_OID) && !usages.includes(ANY_EXTENDED_KEY_USAGE_OID)) {
    throw new CertificateValidationError(
      'extended-key-usage',
      `${source}: certificate ${describeCertificate(leaf)} lacks id-kp-clientAuth in extendedKeyUsage (has ${usages.map((oid) => KEY_PURPOSE_NAMES[oid] ?? oid).join(', ')}); ` +
        'a partner will reject it for mTLS: use a CA profile that issues client certificates',
    );
  }
}

function checkIntermediate(intermediate: X509Certificate, now: Date, source: string): void {
  if (!intermediate.ca) {
    throw new CertificateValidationError(
      'chain',
      `${source}: chain certificate ${describeCertificate(intermediate)} is not a CA certificate (basicConstraints cA is not true)`,
    );
  }
  const end = notAfter(intermediate);
  if (end.getTime() + CLOCK_SKEW_MS < now.getTime() || notBefore(intermediate).getTime() - CLOCK_SKEW_MS > now.getTime()) {
    throw new CertificateValidationError(
      'chain',
      `${source}: chain certificate ${describeCertificate(intermediate)} is not valid now (valid until ${end.toISOString()})`,
    );
  }
}

function checkTrustAnchors(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  now: Date,
  source: string,
): void {
  const top = intermediates.at(-1) ?? leaf;
  const anchored = anchors.some(
    (anchor) =>
      (anchor.fingerprint256 === top.fingerprint256 || isIssuedBy(top, anchor)) &&
      notAfter(anchor).getTime() + CLOCK_SKEW_MS >= now.getTime(),
  );
  if (anchored) return;

  throw new CertificateValidationError(
    'trust-anchor',
    `${source}: the chain ends at ${describeCertificate(top)}, issued by "${formatName(top.issuer)}", ` +
      'which is not signed by any certificate in rotation.trustAnchors (or that anchor has expired); ' +
      'an intermediate may be missing from the CA response or from certificateChain, or the certificate comes from another CA',
  );
}
