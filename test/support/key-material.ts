import { createPrivateKey, createPublicKey } from 'node:crypto';

const PEM_PRIVATE_KEY_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const BASE64_RUN = /[A-Za-z0-9+/]{120,}={0,2}/g;
const registeredKeyLines = new Set<string>();

/**
 * Remembers a private key's base64 lines so any later appearance in output is caught. Lines that
 * decode to bytes of the key's own public key are skipped: an EC PKCS#8 key embeds its public
 * point, so its last line can recur in a certificate for that key, which is public.
 */
export function registerPrivateKey(pem: string): void {
  const publicKeyDer = publicKeyOf(pem);
  for (const line of pem.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!/^[A-Za-z0-9+/]{40,}={0,2}$/.test(trimmed)) continue;
    if (publicKeyDer !== undefined && trimmed.length % 4 === 0 && publicKeyDer.includes(Buffer.from(trimmed, 'base64'))) continue;
    registeredKeyLines.add(trimmed);
  }
  registerKeyFragments(pem, publicKeyDer);
}

// Fragments this long catch a key cut into a short quote, such as the first 40 characters of a body.
const FRAGMENT_LENGTH = 32;
// The first characters of a PKCS#8 or SEC1 body encode structure and algorithm identifiers, the same for every key of a type.
const SHARED_PREFIX_LENGTH = 48;
const registeredKeyFragments = new Set<string>();

/** Remembers overlapping fragments of the key's secret bytes, skipping its shared header and public key. */
function registerKeyFragments(pem: string, publicKeyDer: Buffer | undefined): void {
  const body = pem.split(/\r?\n/).filter((line) => !line.startsWith('-----') && !line.includes(':')).join('').trim();
  for (let offset = SHARED_PREFIX_LENGTH; offset + FRAGMENT_LENGTH <= body.length; offset += FRAGMENT_LENGTH / 2) {
    const fragment = body.slice(offset, offset + FRAGMENT_LENGTH);
    if (publicKeyDer !== undefined && publicKeyDer.includes(Buffer.from(fragment, 'base64'))) continue;
    registeredKeyFragments.add(fragment);
  }
}

/**
 * Returns a description of the private key material found in `text`, or undefined. It looks for
 * PEM private key markers, the lines of every registered key, and base64 runs (also inside JSON
 * strings with escaped newlines) that decode to a DER private key. The description never quotes
 * the material itself.
 */
export function findPrivateKeyMaterial(text: string): string | undefined {
  if (PEM_PRIVATE_KEY_MARKER.test(text)) return 'a PEM private key header';

  const collapsed = text.replaceAll('\\n', '').replace(/\s+/g, '');
  for (const line of registeredKeyLines) {
    if (collapsed.includes(line)) return 'a line of a private key generated during the tests';
  }
  for (const fragment of registeredKeyFragments) {
    if (collapsed.includes(fragment)) return 'a fragment of a private key generated during the tests';
  }
  for (const match of collapsed.matchAll(BASE64_RUN)) {
    if (decodesToPrivateKey(match[0])) return 'base64 that decodes to a DER private key';
  }

  return undefined;
}

/** Returns the SPKI DER of a PEM private key, or undefined for one that cannot be read, such as an encrypted key. */
function publicKeyOf(pem: string): Buffer | undefined {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' });
  } catch {
    return undefined;
  }
}

function decodesToPrivateKey(base64: string): boolean {
  const der = Buffer.from(base64.slice(0, base64.length - (base64.length % 4)), 'base64');
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });

      return true;
    } catch {
      // Not this encoding; try the next.
    }
  }

  return false;
}

export function assertNoPrivateKeyMaterial(text: string, label: string): void {
  const found = findPrivateKeyMaterial(text);
  if (found !== undefined) throw new Error(`${label} contains private key material: ${found}`);
}
