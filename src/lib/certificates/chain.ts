import type { X509Certificate } from 'node:crypto';
import { CertificateValidationError } from '../errors.js';
import { describeCertificate, formatName } from './summary.js';

export interface OrderedChain {
  leaf: X509Certificate;
  /** Intermediates from the one that signed the leaf upward, roots excluded. */
  intermediates: X509Certificate[];
  /** Self-signed roots found in the response: consumers must not send them, so they are not stored. */
  droppedRoots: X509Certificate[];
}

/** Returns true when `issuer` signed `subject`: the names link and the signature verifies. */
export function isIssuedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    // An unsupported key or signature algorithm is a failed link, not a crash.
    return false;
  }
}

export function isSelfSigned(certificate: X509Certificate): boolean {
  return isIssuedBy(certificate, certificate);
}

/**
 * Orders `others` into the chain above `leaf` by issuer name and signature, whatever their position
 * in the provider's response. Duplicates are dropped; a certificate that does not link is an error,
 * because storing it would hand consumers a chain that some TLS stacks reject.
 */
export function orderChain(leaf: X509Certificate, others: readonly X509Certificate[], source: string): OrderedChain {
  const remaining = dedupe(others).filter((certificate) => certificate.fingerprint256 !== leaf.fingerprint256);
  const intermediates: X509Certificate[] = [];
  const droppedRoots: X509Certificate[] = [];
  let current = leaf;

  while (remaining.length > 0) {
    const index = remaining.findIndex((candidate) => isIssuedBy(current, candidate));
    if (index === -1) break;
    const [issuer] = remaining.splice(index, 1) as [X509Certificate];
    if (isSelfSigned(issuer)) {
      droppedRoots.push(issuer);
      break;
    }
    intermediates.push(issuer);
    current = issuer;
  }

  const [unlinked] = remaining;
  if (unlinked !== undefined) {
    throw new CertificateValidationError(
      'chain',
      `${source}: certificate ${describeCertificate(unlinked)} does not chain to the leaf ${describeCertificate(leaf)}: ` +
        `the chain stops at ${describeCertificate(current)}, issued by "${formatName(current.issuer)}", which is not in the response; ` +
        'the CA signed with a different key than the chain it returned: check the CA configuration',
    );
  }

  return { leaf, intermediates, droppedRoots };
}

function dedupe(certificates: readonly X509Certificate[]): X509Certificate[] {
  const seen = new Set<string>();

  return certificates.filter((certificate) => {
    if (seen.has(certificate.fingerprint256)) return false;
    seen.add(certificate.fingerprint256);

    return true;
  });
}
