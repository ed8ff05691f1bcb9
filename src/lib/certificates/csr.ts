import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import type { SubjectAltNamesConfig, SubjectConfig } from '../config/rotation-config.js';

const { asn1 } = forge;

// RFC 5280 attribute types and RFC 2985 extensionRequest.
const OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  state: '2.5.4.8',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
} as const;

// GeneralName CHOICE tags (RFC 5280 4.2.1.6).
const GENERAL_NAME_TAG = { email: 1, dns: 2, uri: 6, ip: 7 } as const;

export interface CsrRequest {
  subject: SubjectConfig;
  subjectAltNames?: SubjectAltNamesConfig | undefined;
  privateKey: KeyObject;
}

/**
 * Builds a PKCS#10 certification request (RFC 2986) signed by `privateKey`. The structure is
 * assembled with forge's ASN.1 encoder and signed with `node:crypto`, because forge's CSR helpers
 * handle RSA keys only. This path serves RSA and EC keys alike.
 */
export function buildCsr(request: CsrRequest): string {
  const publicKeyDer = createPublicKey(request.privateKey).export({ type: 'spki', format: 'der' });
  const info = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(0).getBytes()),
    buildName(request.subject),
    asn1.fromDer(forge.util.createBuffer(publicKeyDer.toString('binary'))),
    buildAttributes(request.subjectAltNames),
  ]);
  const infoDer = Buffer.from(asn1.toDer(info).getBytes(), 'binary');

  const algorithm = signatureAlgorithm(request.privateKey);
  const signature = sign(algorithm.hash, infoDer, request.privateKey);

  const csr = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    info,
    algorithm.identifier,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${signature.toString('binary')}`),
  ]);
  const der = Buffer.from(asn1.toDer(csr).getBytes(), 'binary');
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');

  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}

function buildName(subject: SubjectConfig): forge.asn1.Asn1 {
  // Order from the most general attribute to the most specific, as X.500 names read.
  const attributes: [string, string | undefined, number][] = [
    [OID.country, subject.country, asn1.Type.PRINTABLESTRING],
    [OID.state, subject.state, asn1.Type.UTF8],
    [OID.locality, subject.locality, asn1.Type.UTF8],
    [OID.organization, subject.organization, asn1.Type.UTF8],
    [OID.organizationalUnit, subject.organizationalUnit, asn1.Type.UTF8],
    [OID.commonName, subject.commonName, asn1.Type.UTF8],
  ];
  const present = attributes.filter((entry): entry is [string, string, number] => entry[1] !== undefined);

  return forge.pki.distinguishedNameToAsn1({
    attributes: present.map(([type, value, valueTagClass]) => ({ type, value, valueTagClass })),
  } as unknown as forge.pki.Certificate['subject']);
}

function buildAttributes(names: SubjectAltNamesConfig | undefined): forge.asn1.Asn1 {
  const attributes = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, []);
  const generalNames = buildGeneralNames(names);
  if (generalNames.length === 0) return attributes;

  const extension = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.subjectAltName).getBytes()),
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.OCTETSTRING,
      false,
      asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, generalNames)).getBytes(),
    ),
  ]);
  attributes.value = [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.extensionRequest).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [extension]),
      ]),
    ]),
  ];

  return attributes;
}

function buildGeneralNames(names: SubjectAltNamesConfig | undefined): forge.asn1.Asn1[] {
  if (names === undefined) return [];
  const entries: forge.asn1.Asn1[] = [];
  const implicit = (tag: number, value: string) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, value);

  for (const dns of names.dns ?? []) entries.push(implicit(GENERAL_NAME_TAG.dns, dns));
  for (const uri of names.uri ?? []) entries.push(implicit(GENERAL_NAME_TAG.uri, uri));
  for (const email of names.email ?? []) entries.push(implicit(GENERAL_NAME_TAG.email, email));
  for (const ip of names.ip ?? []) entries.push(implicit(GENERAL_NAME_TAG.ip, ipToOctets(ip)));

  return entries;
}

function ipToOctets(ip: string): string {
  return Buffer.from(ipToBytes(ip)).toString('binary');
}

/** Returns the 4 or 16 octets of an IP address, as the iPAddress GeneralName encodes it. */
export function ipToBytes(ip: string): number[] {
  return isIP(ip) === 4 ? ip.split('.').map(Number) : expandIpv6(ip);
}

function expandIpv6(ip: string): number[] {
  const [head = '', tail] = ip.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const headGroups = parse(head);
  const tailGroups = tail === undefined ? [] : parse(tail);
  const lastGroup = (tailGroups.length > 0 ? tailGroups : headGroups).at(-1) ?? '';
  const groups: number[] = [];

  // An embedded IPv4 suffix ("::ffff:192.0.2.1") counts as two 16-bit groups.
  const embeddedIpv4 = isIP(lastGroup) === 4 ? lastGroup.split('.').map(Number) : undefined;
  if (embeddedIpv4 !== undefined) (tailGroups.length > 0 ? tailGroups : headGroups).pop();
  const explicitCount = headGroups.length + tailGroups.length + (embeddedIpv4 ? 2 : 0);
  const filled = [...headGroups, ...Array(tail === undefined ? 0 : 8 - explicitCount).fill('0'), ...tailGroups];
  for (const group of filled) {
    const value = Number.parseInt(group, 16);
    groups.push(value >> 8, value & 0xff);
  }
  if (embeddedIpv4 !== undefined) groups.push(...embeddedIpv4);

  return groups;
}

function signatureAlgorithm(privateKey: KeyObject): { hash: string; identifier: forge.asn1.Asn1 } {
  const oid = (value: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(value).getBytes());

  if (privateKey.asymmetricKeyType === 'ec') {
    // RFC 5758: ECDSA AlgorithmIdentifiers omit the parameters; the hash follows the curve size.
    const p384 = privateKey.asymmetricKeyDetails?.namedCurve === 'secp384r1';

    return {
      hash: p384 ? 'sha384' : 'sha256',
      identifier: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        oid(p384 ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256),
      ]),
    };
  }

  // RFC 4055: RSA AlgorithmIdentifiers carry an explicit NULL.
  return {
    hash: 'sha256',
    identifier: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      oid(OID.sha256WithRSAEncryption),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
    ]),
  };
}
