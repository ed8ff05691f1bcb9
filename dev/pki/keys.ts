import { createPublicKey, generateKeyPair as generateNodeKeyPair, KeyObject, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { PkiError } from './errors.js';

/** Key algorithm and size of a CA or leaf key. */
export type KeySpec = { algorithm: 'EC'; curve: 'P-256' | 'P-384' } | { algorithm: 'RSA'; size: 2048 | 3072 | 4096 };

/** A node:crypto key pair, with the private key also as PKCS#8 PEM for TLS options and secrets. */
export interface GeneratedKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
}

export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const DEFAULT_KEY_SPEC: KeySpec = { algorithm: 'EC', curve: 'P-256' };

const EC_CURVES = ['P-256', 'P-384'] as const;
const RSA_SIZES_BITS = [2048, 3072, 4096] as const;
const RSA_PUBLIC_EXPONENT = new Uint8Array([0x01, 0x00, 0x01]);

const generateKeyPairAsync = promisify(generateNodeKeyPair);

/** Rejects a KeySpec outside the supported set, because JavaScript callers bypass the union type. */
export function assertKeySpec(spec: KeySpec): void {
  const valid =
    (spec.algorithm === 'EC' && EC_CURVES.includes(spec.curve)) ||
    (spec.algorithm === 'RSA' && RSA_SIZES_BITS.includes(spec.size));
  if (!valid) {
    throw new PkiError(
      `Unsupported key spec ${JSON.stringify(spec)}: use { algorithm: 'EC', curve: 'P-256' | 'P-384' } or { algorithm: 'RSA', size: 2048 | 3072 | 4096 }`,
    );
  }
}

/** Generates a leaf key pair with node:crypto, as the rotation service does. */
export async function generateKeyPair(spec: KeySpec = DEFAULT_KEY_SPEC): Promise<GeneratedKeyPair> {
  assertKeySpec(spec);

  const { privateKey, publicKey } =
    spec.algorithm === 'EC'
      ? await generateKeyPairAsync('ec', { namedCurve: spec.curve })
      : await generateKeyPairAsync('rsa', { modulusLength: spec.size, publicExponent: 0x10001 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  return { privateKey, publicKey, privateKeyPem };
}

/**
 * Returns the hash a CA with this key signs with. It follows CFSSL's DefaultSigAlgo (signer/signer.go):
 * SHA-256 for P-256 and RSA 2048, SHA-384 for P-384 and RSA 3072, SHA-512 for RSA 4096.
 */
export function signatureHashFor(spec: KeySpec): SignatureHash {
  if (spec.algorithm === 'EC') {
    return spec.curve === 'P-384' ? 'SHA-384' : 'SHA-256';
  }
  if (spec.size >= 4096) {
    return 'SHA-512';
  }

  return spec.size >= 3072 ? 'SHA-384' : 'SHA-256';
}

/** Returns the WebCrypto signing algorithm for a CA key, in the form the x509 generator expects. */
export function signingAlgorithmFor(spec: KeySpec): webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams {
  const hash = signatureHashFor(spec);

  return spec.algorithm === 'EC' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5', hash };
}

/** Generates a CA signing key pair with WebCrypto. The private key is not extractable. */
export async function generateSigningKeyPair(spec: KeySpec): Promise<webcrypto.CryptoKeyPair> {
  assertKeySpec(spec);

  const algorithm: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams =
    spec.algorithm === 'EC'
      ? { name: 'ECDSA', namedCurve: spec.curve }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: spec.size,
          publicExponent: RSA_PUBLIC_EXPONENT,
          hash: signatureHashFor(spec),
        };

  return webcrypto.subtle.generateKey(algorithm, false, ['sign', 'verify']);
}

/** Returns the DER SubjectPublicKeyInfo of a public key given as a WebCrypto or node:crypto key. */
export function toSpkiDer(publicKey: webcrypto.CryptoKey | KeyObject): Buffer {
  const keyObject = publicKey instanceof KeyObject ? publicKey : KeyObject.from(publicKey);
  if (keyObject.type !== 'public') {
    throw new PkiError(
      `Cannot certify a ${keyObject.type} key: pass the public key (for example generateKeyPair().publicKey)`,
    );
  }

  return keyObject.export({ type: 'spki', format: 'der' });
}

/** Returns the node:crypto key type ('ec', 'rsa', ...) of a DER SubjectPublicKeyInfo. */
export function keyTypeOfSpki(spkiDer: Uint8Array): string {
  return createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' }).asymmetricKeyType ?? 'unknown';
}
