import type { X509Certificate } from 'node:crypto';
import type { SubjectAltNamesConfig, SubjectConfig } from '../config/rotation-config.js';
import { CertificateValidationError } from '../errors.js';
import { ipToBytes } from './csr.js';
import { describeCertificate } from './summary.js';

export interface RequestedIdentity {
  subject: SubjectConfig;
  subjectAltNames?: SubjectAltNamesConfig | undefined;
}

/**
 * Checks that the CA issued the identity the CSR requested: the same commonName, and every
 * requested subjectAltName. A CA may add names, but a certificate for another identity would let
 * this client act as someone else at the partner, or be rejected by it.
 */
export function checkIdentity(leaf: X509Certificate, requested: RequestedIdentity, source: string): void {
  const commonNames = (leaf.subject ?? '')
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
  // Exactly one: a partner that reads the first of several commonNames would see another identity.
  if (commonNames.length !== 1 || commonNames[0] !== requested.subject.commonName) {
    throw new CertificateValidationError(
      'identity',
      `${source}: certificate ${describeCertificate(leaf)} has commonName ${commonNames.map((name) => JSON.stringify(name)).join(' and ') || 'none'}, but the CSR requested exactly ${JSON.stringify(requested.subject.commonName)}; ` +
        'check the CA profile, or set rotation.identityCheck to "off" if the CA rewrites names on purpose',
    );
  }

  const issued = new Set(parseSubjectAltNames(leaf.subjectAltName));
  const missing = requestedNames(requested.subjectAltNames).filter((name) => !issued.has(name));
  if (missing.length > 0) {
    throw new CertificateValidationError(
      'identity',
      `${source}: certificate ${describeCertificate(leaf)} lacks the requested subjectAltName ${missing.join(', ')}; ` +
        'check the CA profile, or set rotation.identityCheck to "off" if the CA rewrites names on purpose',
    );
  }
}

function requestedNames(names: SubjectAltNamesConfig | undefined): string[] {
  if (names === undefined) return [];

  return [
    ...(names.dns ?? []).map((dns) => `DNS:${dns.toLowerCase()}`),
    ...(names.uri ?? []).map((uri) => `URI:${uri}`),
    ...(names.email ?? []).map((email) => `email:${email.toLowerCase()}`),
    ...(names.ip ?? []).map((ip) => `IP:${ipToBytes(ip).join('.')}`),
  ];
}

/** Reads Node's subjectAltName text ("DNS:a, IP Address:10.0.0.1, URI:…") into comparable entries. */
function parseSubjectAltNames(text: string | undefined): string[] {
  if (text === undefined) return [];

  return text.split(', ').map((entry) => {
    const unquoted = entry.replace(/^([A-Za-z ]+):"(.*)"$/, '$1:$2');
    // Node prints IPv6 addresses as eight upper-case groups, which ipToBytes reads as they are.
    if (unquoted.startsWith('IP Address:')) return `IP:${ipToBytes(unquoted.slice('IP Address:'.length)).join('.')}`;
    if (unquoted.startsWith('DNS:') || unquoted.startsWith('email:')) return unquoted.toLowerCase().replace(/^dns:/, 'DNS:');

    return unquoted;
  });
}

