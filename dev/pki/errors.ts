/** Base class of the errors raised while fabricating test certificates. */
export class PkiError extends Error {
  override name = 'PkiError';
}

/** Check that a CSR failed: PEM decoding, ASN.1 parsing or signature verification. */
export type InvalidCsrReason = 'decode' | 'parse' | 'signature';

/** A PKCS#10 CSR that is not PEM, not a valid CertificationRequest, or not signed by its own key. */
export class InvalidCsrError extends PkiError {
  override name = 'InvalidCsrError';

  constructor(
    message: string,
    readonly reason: InvalidCsrReason,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
