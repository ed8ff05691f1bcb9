import { isIP } from 'node:net';
import { InvalidCsrError, type CertificateAuthority, type DistinguishedName } from '../pki/index.js';
import { issueFromVerifiedCsr, parseVerifiedCsr } from '../pki/issue.js';
import type { x509 } from '../pki/x509-provider.js';
import { usagesOfProfile, type CfsslProfile } from './cfssl-profiles.js';
import { badRequest, CFSSL_ERROR_CODE, CfsslApiError } from './cfssl-response.js';

/** One entry of `subject.names`, as in CFSSL's csr.Name. */
export interface CfsslName {
  C?: string;
  ST?: string;
  L?: string;
  O?: string;
  OU?: string;
}

/** The `subject` override of a sign request, as in CFSSL's signer.Subject. */
export interface CfsslSubject {
  CN?: string;
  names?: CfsslName[];
}

/** Body of POST /api/v1/cfssl/sign (doc/api/endpoint_sign.txt), limited to the fields the dev CA uses. */
export interface CfsslSignRequest {
  certificate_request: string;
  profile?: string;
  label?: string;
  hosts?: string[];
  /** Comma-separated hosts. When set, CFSSL uses it instead of `hosts`. */
  hostname?: string;
  subject?: CfsslSubject;
}

// Go's pkix.Name.ToRDNSequence order, which CFSSL's certificates inherit because it rebuilds the
// subject from the parsed CSR: C, ST, L, street, postalCode, O, OU, CN, serialNumber.
const SUBJECT_ATTRIBUTES = [
  { oid: '2.5.4.6', field: 'C' },
  { oid: '2.5.4.8', field: 'ST' },
  { oid: '2.5.4.7', field: 'L' },
  { oid: '2.5.4.9', field: undefined },
  { oid: '2.5.4.17', field: undefined },
  { oid: '2.5.4.10', field: 'O' },
  { oid: '2.5.4.11', field: 'OU' },
  { oid: '2.5.4.3', field: 'CN' },
  { oid: '2.5.4.5', field: undefined },
] as const;
const STREET_OID = '2.5.4.9';
const POSTAL_CODE_OID = '2.5.4.17';
const COMMON_NAME_OID = '2.5.4.3';

const NOT_BEFORE_BACKDATE_MS = 5 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/** Checks the JSON types the way Go's json.Unmarshal into CFSSL's request struct does. */
export function parseSignRequest(body: unknown): CfsslSignRequest {
  const unparsable = badRequest('Unable to parse sign request');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw unparsable;
  }

  const fields = body as Record<string, unknown>;
  for (const key of ['certificate_request', 'profile', 'label', 'hostname'] as const) {
    if (fields[key] !== undefined && fields[key] !== null && typeof fields[key] !== 'string') {
      throw unparsable;
    }
  }
  const hosts = fields.hosts;
  if (hosts !== undefined && hosts !== null && !(Array.isArray(hosts) && hosts.every((host) => typeof host === 'string'))) {
    throw unparsable;
  }
  if (fields.subject !== undefined && fields.subject !== null && !isCfsslSubject(fields.subject)) {
    throw unparsable;
  }

  const request = fields as unknown as CfsslSignRequest;
  if (typeof request.certificate_request !== 'string' || request.certificate_request === '') {
    throw badRequest("missing parameter 'certificate_request'");
  }

  return request;
}

/** Signs the CSR of a sign request with `signer` under `profile`, returning the PEM certificate. */
export async function signCsr(signer: CertificateAuthority, profile: CfsslProfile, request: CfsslSignRequest): Promise<string> {
  const csr = await verifiedCsrOf(request.certificate_request);
  const hosts = request.hostname ? request.hostname.split(',') : request.hosts;
  const notBefore = new Date(Math.round(Date.now() / MINUTE_MS) * MINUTE_MS - NOT_BEFORE_BACKDATE_MS);

  return issueFromVerifiedCsr(signer, csr, {
    subject: subjectOf(csr.subjectName, request.subject ?? undefined),
    ...(hosts ? classifyHosts(hosts) : {}),
    notBefore,
    notAfter: new Date(notBefore.getTime() + profile.expiryHours * HOUR_MS),
    ...usagesOfProfile(profile),
  });
}

async function verifiedCsrOf(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  try {
    return await parseVerifiedCsr(csrPem);
  } catch (error) {
    if (!(error instanceof InvalidCsrError)) {
      throw error;
    }
    const code = {
      decode: CFSSL_ERROR_CODE.CSR_DECODE_FAILED,
      parse: CFSSL_ERROR_CODE.CSR_PARSE_FAILED,
      signature: CFSSL_ERROR_CODE.CSR_BAD_REQUEST,
    }[error.reason];

    throw new CfsslApiError(400, code, error.message, { cause: error });
  }
}

/**
 * Builds the issued subject as CFSSL does: attributes of the override replace the CSR's attributes
 * of the same type (signer.PopulateSubjectFromCSR), the last CN wins, and attributes that Go's
 * pkix.Name does not model, such as emailAddress, are dropped.
 */
function subjectOf(csrSubject: x509.Name, override: CfsslSubject | undefined): DistinguishedName {
  const rdns: Array<Record<string, string[]>> = [];
  for (const { oid, field } of SUBJECT_ATTRIBUTES) {
    let values = csrSubject.getField(oid);
    if (oid === COMMON_NAME_OID) {
      values = values.slice(-1);
    }
    if (override !== undefined && (oid === STREET_OID || oid === POSTAL_CODE_OID)) {
      values = [];
    }
    if (override !== undefined && field !== undefined) {
      const overrideValues =
        field === 'CN' ? [override.CN ?? ''] : (override.names ?? []).map((name) => name[field] ?? '');
      const nonEmpty = overrideValues.filter((value) => value !== '');
      values = nonEmpty.length > 0 ? nonEmpty : values;
    }
    if (values.length > 0) {
      rdns.push({ [oid]: values });
    }
  }

  return rdns;
}

/**
 * Sorts `hosts` into SAN types in the order CFSSL's signer.OverrideHosts tries them: IP, email, then
 * DNS. NOTE: the URI step is assumed from newer CFSSL releases; the sources read here (1.3 era) put
 * every other host, URIs included, into dNSName.
 */
function classifyHosts(hosts: string[]): { dnsNames: string[]; ipAddresses: string[]; emails: string[]; uris: string[] } {
  const sorted = { dnsNames: [] as string[], ipAddresses: [] as string[], emails: [] as string[], uris: [] as string[] };
  for (const host of hosts) {
    if (isIP(host) !== 0) {
      sorted.ipAddresses.push(host);
    } else if (/^[^@\s]+@[^@\s]+$/.test(host)) {
      sorted.emails.push(host);
    } else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(host)) {
      sorted.uris.push(host);
    } else {
      sorted.dnsNames.push(host);
    }
  }

  return sorted;
}

function isCfsslSubject(value: unknown): value is CfsslSubject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  // Go's json.Unmarshal leaves a string field empty for JSON null, so null is accepted like absence.
  const isOptionalString = (field: unknown): boolean => field === undefined || field === null || typeof field === 'string';
  const { CN, names } = value as Record<string, unknown>;
  const namesValid =
    names === undefined ||
    names === null ||
    (Array.isArray(names) &&
      names.every(
        (name) => typeof name === 'object' && name !== null && Object.values(name as Record<string, unknown>).every(isOptionalString),
      ));

  return isOptionalString(CN) && namesValid;
}
