import type { KeyObject, webcrypto } from 'node:crypto';
import type { CertificateAuthority } from './certificate-authority.js';
import { InvalidCsrError, PkiError } from './errors.js';
import { keyTypeOfSpki, toSpkiDer } from './keys.js';
import { signCertificate } from './sign-certificate.js';
import { x509 } from './x509-provider.js';

export type ExtendedKeyUsageName = keyof typeof x509.ExtendedKeyUsage;
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

/**
 * A subject as a string such as 'CN=svc-a.example.test, O=Example Org', whose RDNs @peculiar/x509
 * encodes in the order written (the reverse of RFC 4514's order), or as RDNs in its JsonName form
 * ([{ C: ['DE'] }, { CN: ['svc-a'] }]), which also allows multi-valued RDNs.
 */
export type DistinguishedName = string | Array<Record<string, string[]>>;

export interface IssueOptions {
  /** Default: CN=<first DNS name>, or CN=dev-client.example.test. An empty string gives an empty subject. */
  subject?: DistinguishedName;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emails?: string[];
  /** Default: 5 minutes ago. Dates are not checked, so expired and inverted validity periods are possible. */
  notBefore?: Date;
  /** Default: notBefore + 90 days. */
  notAfter?: Date;
  /** null omits the extension. Default: ['clientAuth']. */
  extendedKeyUsages?: ExtendedKeyUsageName[] | null;
  /** null omits the extension. Default: digitalSignature, plus keyEncipherment for an RSA key. */
  keyUsages?: KeyUsageName[] | null;
  /**
   * DER INTEGER content bytes in hex, written as given: zero and negative serials are possible, and
   * so is a non-minimal encoding such as '0001', which OpenSSL and node:crypto refuse to parse.
   */
  serialNumberHex?: string;
  /** Marks the leaf as a CA (basicConstraints cA=TRUE, keyCertSign and cRLSign) to test rejection of CA certificates. */
  isCa?: boolean;
}

const LEAF_BACKDATE_MS = 5 * 60 * 1000;
const LEAF_VALIDITY_MS = 90 * 24 * 60 * 60 * 1000;
const DEFAULT_LEAF_SUBJECT = 'CN=dev-client.example.test';
const SUBJECT_ALT_NAME_OID = '2.5.29.17';
const CSR_PEM_HEADER = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/;

/** Issues a leaf certificate for a public key and returns it in PEM. */
export async function issueCertificate(
  ca: CertificateAuthority,
  publicKey: webcrypto.CryptoKey | KeyObject,
  options: IssueOptions = {},
): Promise<string> {
  const subject = parseSubject(options.subject ?? defaultSubject(options));

  return issue(ca, toSpkiDer(publicKey), subject, subjectAltNamesFromOptions(options), options);
}

/**
 * Issues a leaf certificate for the key of a PKCS#10 CSR after checking the CSR's signature. Subject
 * and subjectAltName come from the CSR unless `options` sets them. Any SAN option replaces all of
 * the CSR's SANs, as CFSSL's `hosts` parameter does. Other extensions requested in the CSR are ignored.
 */
export async function issueFromCsr(ca: CertificateAuthority, csrPem: string, options: IssueOptions = {}): Promise<string> {
  return issueFromVerifiedCsr(ca, await parseVerifiedCsr(csrPem), options);
}

/** Issues for a CSR that parseVerifiedCsr returned, so that a caller can inspect the CSR first. */
export async function issueFromVerifiedCsr(
  ca: CertificateAuthority,
  csr: x509.Pkcs10CertificateRequest,
  options: IssueOptions = {},
): Promise<string> {
  const subject = options.subject === undefined ? csr.subjectName : parseSubject(options.subject);
  const overridesSubjectAltNames = [options.dnsNames, options.ipAddresses, options.uris, options.emails].some(
    (names) => names !== undefined,
  );
  const subjectAltNames = overridesSubjectAltNames
    ? subjectAltNamesFromOptions(options)
    : subjectAltNamesOfCsr(csr);

  return issue(ca, new Uint8Array(csr.publicKey.rawData), subject, subjectAltNames, options);
}

/** Parses a PEM CSR and checks that its own public key verifies its signature (proof of possession). */
export async function parseVerifiedCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  if (!CSR_PEM_HEADER.test(csrPem)) {
    throw new InvalidCsrError(
      'Invalid CSR: no "-----BEGIN CERTIFICATE REQUEST-----" PEM block found. Send a PKCS#10 request in PEM.',
      'decode',
    );
  }

  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new InvalidCsrError(`Invalid CSR: the PEM block is not a PKCS#10 CertificationRequest: ${String(error)}`, 'parse', {
      cause: error,
    });
  }

  let signatureValid: boolean;
  try {
    signatureValid = await csr.verify();
  } catch (error) {
    throw new InvalidCsrError(`Invalid CSR for '${csr.subject}': cannot verify its signature: ${String(error)}`, 'signature', {
      cause: error,
    });
  }
  if (!signatureValid) {
    throw new InvalidCsrError(
      `Invalid CSR for '${csr.subject}': the signature does not verify with the CSR's public key, so the request was altered or signed with another key`,
      'signature',
    );
  }

  return csr;
}

async function issue(
  ca: CertificateAuthority,
  subjectPublicKey: Uint8Array,
  subject: x509.Name,
  subjectAltNames: x509.JsonGeneralNames,
  options: IssueOptions,
): Promise<string> {
  const notBefore = options.notBefore ?? new Date(Date.now() - LEAF_BACKDATE_MS);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + LEAF_VALIDITY_MS);
  const isRsaKey = keyTypeOfSpki(subjectPublicKey) === 'rsa';

  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(options.isCa === true, undefined, true)];

  const keyUsages = options.keyUsages === undefined ? defaultKeyUsages(isRsaKey) : options.keyUsages;
  if (keyUsages !== null) {
    const caKeyUsages: KeyUsageName[] = options.isCa === true ? ['keyCertSign', 'cRLSign'] : [];
    const flags = [...keyUsages, ...caKeyUsages].reduce((all, usage) => all | x509.KeyUsageFlags[usage], 0);
    extensions.push(new x509.KeyUsagesExtension(flags, true));
  }

  const extendedKeyUsages = options.extendedKeyUsages === undefined ? ['clientAuth' as const] : options.extendedKeyUsages;
  if (extendedKeyUsages !== null) {
    extensions.push(new x509.ExtendedKeyUsageExtension(extendedKeyUsages.map((usage) => x509.ExtendedKeyUsage[usage])));
  }

  if (subjectAltNames.length > 0) {
    // RFC 5280 section 4.2.1.6: the extension is critical when the subject is empty.
    const subjectIsEmpty = subject.toJSON().length === 0;
    extensions.push(new x509.SubjectAlternativeNameExtension(subjectAltNames, subjectIsEmpty));
  }

  const { certificatePem } = await signCertificate(ca, {
    subject,
    subjectPublicKey,
    notBefore,
    notAfter,
    extensions,
    ...(options.serialNumberHex === undefined ? {} : { serialNumberHex: options.serialNumberHex }),
  });

  return certificatePem;
}

function defaultKeyUsages(isRsaKey: boolean): KeyUsageName[] {
  return isRsaKey ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}

function defaultSubject(options: IssueOptions): string {
  const firstDnsName = options.dnsNames?.[0];

  return firstDnsName === undefined ? DEFAULT_LEAF_SUBJECT : `CN=${firstDnsName}`;
}

function parseSubject(subject: DistinguishedName): x509.Name {
  try {
    return new x509.Name(subject);
  } catch (error) {
    throw new PkiError(`Invalid subject ${JSON.stringify(subject)}: ${String(error)}`, { cause: error });
  }
}

function subjectAltNamesOfCsr(csr: x509.Pkcs10CertificateRequest): x509.JsonGeneralNames {
  const extension = csr.getExtension(SUBJECT_ALT_NAME_OID);

  return extension === null ? [] : new x509.SubjectAlternativeNameExtension(extension.rawData).names.toJSON();
}

function subjectAltNamesFromOptions(options: IssueOptions): x509.JsonGeneralNames {
  return [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(options.emails ?? []).map((value) => ({ type: 'email' as const, value })),
    ...(options.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
}
