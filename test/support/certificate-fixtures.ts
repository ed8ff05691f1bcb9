import { X509Certificate } from 'node:crypto';
import { createIntermediateCa, createRootCa, generateKeyPair, issueCertificate, type CertificateAuthority, type IssueOptions, type KeySpec } from '../../dev/pki/index.js';
import { registerPrivateKey } from './key-material.js';

export interface ChainFixture {
  root: CertificateAuthority;
  intermediate: CertificateAuthority;
  key: Awaited<ReturnType<typeof generateKeyPair>>;
  leafPem: string;
}

/** Builds root -> intermediate -> leaf for a fresh key; every key is registered with the leak guard. */
export async function createChainFixture(options: { caKey?: KeySpec; leafKey?: KeySpec; leaf?: IssueOptions } = {}): Promise<ChainFixture> {
  const root = await createRootCa({ commonName: 'Example Test Root CA', ...(options.caKey ? { key: options.caKey } : {}) });
  const intermediate = await createIntermediateCa(root, { commonName: 'Example Test Issuing CA 1', ...(options.caKey ? { key: options.caKey } : {}) });
  const key = await generateKeyPair(options.leafKey);
  registerPrivateKey(key.privateKeyPem);
  const leafPem = await issueCertificate(intermediate, key.publicKey, { subject: 'CN=svc-a.example.test, O=Example Org', dnsNames: ['svc-a.example.test'], ...options.leaf });

  return { root, intermediate, key, leafPem };
}

export function certificatesOf(...pems: string[]): X509Certificate[] {
  return pems.map((pem) => new X509Certificate(pem));
}

export const DAY_MS = 24 * 60 * 60 * 1000;
