import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { certificateChainPem, InvalidCsrError, issueFromCsr, type CertificateAuthority, type ExtendedKeyUsageName } from '../pki/index.js';

/** A role of the PKI secrets engine, limited to the fields the stand-in enforces. */
export interface VaultRole {
  /** Names the certificate may carry: exact names, or parents when allowSubdomains is set. Empty allows any name. */
  allowedDomains?: string[];
  allowSubdomains?: boolean;
  /** Default 30 days. */
  ttlSeconds?: number;
  /** Default 90 days. */
  maxTtlSeconds?: number;
  /** Default ['clientAuth'], as a role with client_flag=true and server_flag=false issues. */
  extendedKeyUsages?: ExtendedKeyUsageName[];
}

/** A certificate the stand-in signed or revoked, keyed by Vault's serial form ("39:dd:2e:..."). */
export interface VaultIssuedCertificate {
  serialNumber: string;
  certificatePem: string;
  /** Unix seconds, set once revoked. */
  revocationTime?: number;
}

/** An error that Vault returns as `{ "errors": [message] }` with `status`. */
export class VaultApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DAY_SECONDS = 24 * 60 * 60;
const BACKDATE_MS = 30 * 1000;
const DURATION_PART = /(\d+)([smhd])/g;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY_SECONDS };

/**
 * The sign and revoke endpoints of one PKI mount (Vault api-docs/secret/pki). Sign takes the
 * names from the request parameters, as Vault does for a role with use_csr_sans=false, and
 * revoke returns success again for a serial that is already revoked.
 */
export class VaultPki {
  readonly issued: VaultIssuedCertificate[] = [];

  constructor(
    private readonly signer: CertificateAuthority,
    private readonly roles: Record<string, VaultRole>,
  ) {}

  async sign(roleName: string, body: Record<string, unknown>): Promise<{ data: Record<string, unknown>; warnings: string[] }> {
    const role = this.roles[roleName];
    if (role === undefined) throw new VaultApiError(400, `unknown role: ${roleName}`);
    const csr = stringField(body, 'csr');
    const commonName = stringField(body, 'common_name');
    if (csr === '') throw new VaultApiError(400, 'missing csr');

    const names = listField(body, 'alt_names');
    const dnsNames = unique([...(isIP(commonName) === 0 && !commonName.includes('@') && commonName !== '' ? [commonName] : []), ...names.filter((name) => !name.includes('@'))]);
    const emails = names.filter((name) => name.includes('@'));
    for (const name of [commonName, ...dnsNames].filter(Boolean)) {
      if (!nameAllowed(name, role)) throw new VaultApiError(400, `common name ${name} not allowed by this role`);
    }

    const warnings: string[] = [];
    const maxTtl = role.maxTtlSeconds ?? 90 * DAY_SECONDS;
    let ttl = body.ttl === undefined ? (role.ttlSeconds ?? 30 * DAY_SECONDS) : parseDurationSeconds(body.ttl);
    if (ttl > maxTtl) {
      warnings.push(`TTL of "${String(body.ttl)}" is greater than the role's max_ttl; capping to ${maxTtl}s`);
      ttl = maxTtl;
    }
    if (body.format !== undefined && body.format !== 'pem') throw new VaultApiError(400, `the stand-in serves format "pem" only, got ${String(body.format)}`);

    const now = Date.now();
    let certificatePem: string;
    try {
      certificatePem = await issueFromCsr(this.signer, csr, {
        subject: commonName === '' ? '' : [{ CN: [commonName] }],
        dnsNames,
        emails,
        ipAddresses: listField(body, 'ip_sans'),
        uris: listField(body, 'uri_sans'),
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(now + ttl * 1000),
        extendedKeyUsages: role.extendedKeyUsages ?? ['clientAuth'],
      });
    } catch (error) {
      if (error instanceof InvalidCsrError) throw new VaultApiError(400, `certificate request could not be parsed: ${error.message}`);
      throw error;
    }

    const certificate = new X509Certificate(certificatePem);
    const serialNumber = vaultSerial(certificate.serialNumber);
    this.issued.push({ serialNumber, certificatePem });
    const chain = certificateChainPem(this.signer).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];

    return {
      data: {
        certificate: certificatePem.trim(),
        issuing_ca: this.signer.certificatePem.trim(),
        ca_chain: [...chain.map((pem) => pem.trim()), rootOf(this.signer).certificatePem.trim()],
        serial_number: serialNumber,
        expiration: Math.floor(new Date(certificate.validTo).getTime() / 1000),
      },
      warnings,
    };
  }

  revoke(body: Record<string, unknown>): { data: Record<string, unknown> } {
    const sent = stringField(body, 'serial_number');
    if (sent === '') throw new VaultApiError(400, 'the serial number must be provided');
    const serialNumber = vaultSerial(sent.replaceAll('-', ':'));
    const certificate = this.issued.find((candidate) => candidate.serialNumber === serialNumber);
    if (certificate === undefined) throw new VaultApiError(400, `certificate with serial ${sent} not found.`);

    certificate.revocationTime ??= Math.floor(Date.now() / 1000);

    return { data: { revocation_time: certificate.revocationTime, revocation_time_rfc3339: new Date(certificate.revocationTime * 1000).toISOString() } };
  }
}

/** Vault's serial form: lower-case hex bytes of the magnitude, colon-separated. */
export function vaultSerial(serialNumber: string): string {
  const digits = serialNumber.replaceAll(':', '').toLowerCase().replace(/^0+(?=.)/, '');

  return (digits.length % 2 === 0 ? digits : `0${digits}`).match(/../g)!.join(':');
}

/** Reads a Vault duration: whole seconds, or units s, m, h and d such as "720h" or "1h30m". */
export function parseDurationSeconds(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const text = String(value);
  if (/^\d+$/.test(text)) return Number(text);
  const parts = [...text.matchAll(DURATION_PART)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new VaultApiError(400, `error parsing ttl: invalid duration ${JSON.stringify(text)}`);

  return parts.reduce((total, part) => total + Number(part[1]) * (UNIT_SECONDS[part[2] as string] as number), 0);
}

function nameAllowed(name: string, role: VaultRole): boolean {
  const domains = role.allowedDomains ?? [];
  if (domains.length === 0) return true;

  return domains.some((domain) => name === domain || (role.allowSubdomains === true && name.endsWith(`.${domain}`)));
}

function stringField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new VaultApiError(400, `error converting input ${field}: expected a string`);

  return value;
}

// Vault takes these lists comma-separated or as JSON arrays.
function listField(body: Record<string, unknown>, field: string): string[] {
  const value = body[field];
  const items = Array.isArray(value) ? value.map(String) : stringField(body, field).split(',');

  return items.map((item) => item.trim()).filter(Boolean);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function rootOf(ca: CertificateAuthority): CertificateAuthority {
  let current = ca;
  while (current.parent !== undefined) current = current.parent;

  return current;
}
