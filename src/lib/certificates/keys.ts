import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeySpec } from '../config/rotation-config.js';
import { KeyError } from '../errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

const CURVE_NAMES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' } as const;

export interface GeneratedKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Generates a key pair with OpenSSL through `node:crypto`, off the main thread. */
export async function generateKey(spec: KeySpec): Promise<GeneratedKey> {
  try {
    if (spec.algorithm === 'EC') {
      return await generateKeyPairAsync('ec', { namedCurve: CURVE_NAMES[spec.curve] });
    }

    return await generateKeyPairAsync('rsa', { modulusLength: spec.size, publicExponent: 0x10001 });
  } catch (error) {
    throw new KeyError(`cannot generate a ${describeKeySpec(spec)} key: ${(error as Error).message}`, { cause: error });
  }
}

export function describeKeySpec(spec: KeySpec): string {
  return spec.algorithm === 'EC' ? `EC ${spec.curve}` : `RSA ${spec.size}`;
}

/** Encodes a private key as unencrypted PKCS#8 PEM, the only form new secret versions carry. */
export function toPkcs8Pem(privateKey: KeyObject): string {
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Reads a stored private key. Accepts PKCS#8, PKCS#1 and SEC1 PEM; an encrypted key has no
 * passphrase here, so it fails with a KeyError that states this.
 */
export function readPrivateKey(pem: string, field: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem);
    throw new KeyError(
      encrypted
        ? `${field} is an encrypted private key, and the rotation service has no passphrase for it`
        : `${field} is not a readable PEM private key (PKCS#8, PKCS#1 or SEC1)`,
      { cause: sanitizeKeyError(error), context: { field } },
    );
  }
}

/** SHA-256 over the DER SubjectPublicKeyInfo, hex: names a public key in messages without exposing anything secret. */
export function spkiFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;

  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

// OpenSSL's decoder errors never quote key bytes, but keep only the code to be certain.
function sanitizeKeyError(error: unknown): Error {
  const code = (error as { code?: unknown }).code;

  return new Error(typeof code === 'string' ? code : 'key decoding failed');
}
