import {
  certificateChainPem,
  createIntermediateCa,
  createRootCa,
  type CertificateAuthority,
} from './certificate-authority.js';
import { issueCertificate } from './issue.js';
import { generateKeyPair } from './keys.js';

/** A TLS server certificate with its PKCS#8 key. */
export interface ServerCertificate {
  certificatePem: string;
  /** The leaf followed by the issuing intermediates: the `cert` option of a node:tls server. */
  certificateChainPem: string;
  privateKeyPem: string;
}

export interface ServerCertificateOptions {
  dnsNames: string[];
  ipAddresses?: string[];
}

/** A ready set of CAs for tests and the demo, each built with fresh keys. */
export interface TestPki {
  /** Trust anchor for client certificates, such as the partner's `clientCaPem`. */
  root: CertificateAuthority;
  /** Issuing CA for client certificates, and the CFSSL signer in the usual setup. */
  intermediate: CertificateAuthority;
  /** Trust anchor for the TLS servers (partner, CA), kept apart so a client never trusts its own issuer for server auth. */
  serverRoot: CertificateAuthority;
  /** Server certificate for localhost and 127.0.0.1, issued by serverRoot. */
  server: ServerCertificate;
}

const LOOPBACK_DNS_NAME = 'localhost';
const LOOPBACK_IP_ADDRESS = '127.0.0.1';

/**
 * Issues a serverAuth certificate with a new P-256 key. The SANs always include DNS localhost and
 * IP 127.0.0.1, because the dev servers listen on the loopback address only.
 */
export async function createServerCertificate(
  ca: CertificateAuthority,
  options: ServerCertificateOptions,
): Promise<ServerCertificate> {
  const dnsNames = [...new Set([...options.dnsNames, LOOPBACK_DNS_NAME])];
  const ipAddresses = [...new Set([...(options.ipAddresses ?? []), LOOPBACK_IP_ADDRESS])];
  const { publicKey, privateKeyPem } = await generateKeyPair();

  const certificatePem = await issueCertificate(ca, publicKey, {
    subject: `CN=${dnsNames[0]}`,
    dnsNames,
    ipAddresses,
    extendedKeyUsages: ['serverAuth'],
  });

  return { certificatePem, certificateChainPem: certificatePem + certificateChainPem(ca), privateKeyPem };
}

/** Creates root -> intermediate for clients and a separate server root with a loopback server certificate. */
export async function createTestPki(): Promise<TestPki> {
  const root = await createRootCa({ commonName: 'Dev Client Root CA' });
  const intermediate = await createIntermediateCa(root, { commonName: 'Dev Client Issuing CA' });
  const serverRoot = await createRootCa({ commonName: 'Dev Server Root CA' });
  const server = await createServerCertificate(serverRoot, { dnsNames: [LOOPBACK_DNS_NAME] });

  return { root, intermediate, serverRoot, server };
}
