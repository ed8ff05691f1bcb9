import { issueFromCsr, type CertificateAuthority, type IssueOptions } from '../../dev/pki/index.js';
import type { CfsslResponder } from '../../dev/ca/cfssl-server.js';

/** A CFSSL success envelope around `certificate`. */
export function cfsslSuccess(certificate: string): { status: number; body: string } {
  return { status: 200, body: JSON.stringify({ success: true, result: { certificate }, errors: [], messages: [] }) };
}

/**
 * Answers sign requests with a certificate from `signer` built with `options` for the CSR's key,
 * and lets the dev CA answer everything else. Simulates a misconfigured or hostile CA.
 */
export function signWith(signer: CertificateAuthority, options: IssueOptions = {}): CfsslResponder {
  return async (path, body) => {
    if (!path.endsWith('/sign')) return undefined;
    const csr = (body as { certificate_request: string }).certificate_request;

    return cfsslSuccess(await issueFromCsr(signer, csr, options));
  };
}
