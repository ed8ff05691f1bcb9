import { webcrypto, X509Certificate } from 'node:crypto';
import { DEFAULT_KEY_SPEC, generateSigningKeyPair, signingAlgorithmFor, type KeySpec } from './keys.js';
import { signCertificate } from './sign-certificate.js';
import { x509 } from './x509-provider.js';

/** A CA certificate with its WebCrypto signing key, linked to the CA that issued it. */
export interface CertificateAuthority {
  certificatePem: string;
  certificate: X509Certificate;
  privateKey: webcrypto.CryptoKey;
  keySpec: KeySpec;
  /** Common name of the CA, also usable as a CFSSL signer label. */
  name: string;
  /** Issuing CA, absent for a self-signed root. */
  parent?: CertificateAuthority;
}

export interface CertificateAuthorityOptions {
  commonName?: string;
  key?: KeySpec;
  notBefore?: Date;
  notAfter?: Date;
}

const HOUR_MS = 60 * 60 * 1000;
const YEAR_MS = 365 * 24 * HOUR_MS;
// Backdating absorbs clock skew between the test process, OpenSSL and TLS peers.
const CA_BACKDATE_MS = HOUR_MS;
const ROOT_VALIDITY_MS = 10 * YEAR_MS;
const INTERMEDIATE_VALIDITY_MS = 5 * YEAR_MS;

/** Creates a self-signed root CA: basicConstraints cA=TRUE and keyUsage keyCertSign+cRLSign, both critical. */
export async function createRootCa(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
  const keySpec = options.key ?? DEFAULT_KEY_SPEC;
  const name = options.commonName ?? 'Dev Root CA';
  const notBefore = options.notBefore ?? new Date(Date.now() - CA_BACKDATE_MS);
  const keys = await generateSigningKeyPair(keySpec);

  const generated = await x509.X509CertificateGenerator.createSelfSigned({
    name: new x509.Name([{ CN: [name] }]),
    keys,
    signingAlgorithm: signingAlgorithmFor(keySpec),
    notBefore,
    notAfter: options.notAfter ?? new Date(notBefore.getTime() + ROOT_VALIDITY_MS),
    extensions: [...caExtensions(undefined), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  const certificate = new X509Certificate(Buffer.from(generated.rawData));

  return { certificatePem: certificate.toString(), certificate, privateKey: keys.privateKey, keySpec, name };
}

/** Creates a CA signed by `parent`, with pathLenConstraint 0 so that it can issue leaves only. */
export async function createIntermediateCa(
  parent: CertificateAuthority,
  options: CertificateAuthorityOptions = {},
): Promise<CertificateAuthority> {
  const keySpec = options.key ?? DEFAULT_KEY_SPEC;
  const name = options.commonName ?? 'Dev Intermediate CA';
  const notBefore = options.notBefore ?? new Date(Date.now() - CA_BACKDATE_MS);
  const keys = await generateSigningKeyPair(keySpec);
  const subjectPublicKey = new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey));

  const { certificatePem, certificateDer } = await signCertificate(parent, {
    subject: new x509.Name([{ CN: [name] }]),
    subjectPublicKey,
    notBefore,
    notAfter: options.notAfter ?? new Date(notBefore.getTime() + INTERMEDIATE_VALIDITY_MS),
    extensions: caExtensions(0),
  });

  const certificate = new X509Certificate(certificateDer);

  return { certificatePem, certificate, privateKey: keys.privateKey, keySpec, name, parent };
}

/**
 * Returns the PEM certificates a leaf issued by `ca` sends after its own certificate: `ca` and its
 * parents, leaf side first, without the self-signed root, which the relying party already trusts.
 */
export function certificateChainPem(ca: CertificateAuthority): string {
  const chain: string[] = [];
  for (let current: CertificateAuthority | undefined = ca; current?.parent !== undefined; current = current.parent) {
    chain.push(current.certificatePem);
  }

  return chain.join('');
}

function caExtensions(pathLength: number | undefined): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
}
