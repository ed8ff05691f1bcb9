import { issueFromCsr, type CertificateAuthority, type IssueOptions } from '../../dev/pki/index.js';
import type { CfsslResponder } from '../../dev/ca/cfssl-server.js';

/** Builds a CFSSL success response that carries `certificate`. */
export function cfsslSuccess(certificate: string): { status: number; body: string } {
  return { status: 200, body: JSON.stringify({ success: true, result: { certificate }, errors: [], messages: [] }) };
}

/**
 * Returns a responder that signs the CSR's key with `signer` and `options` on sign requests, and
 * leaves every other request to the dev CA. It simulates a misconfigured or hostile CA.
 */
export function signWith(signer: CertificateAuthority, options: IssueOptions = {}): CfsslResponder {
  return async (path, body) => {
    if (!path.endsWith('/sign')) return undefined;
    const csr = (body as { certificate_request: string }).certificate_request;

    return cfsslSuccess(await issueFromCsr(signer, csr, options));
  };
}
