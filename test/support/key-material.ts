import { createPrivateKey } from 'node:crypto';

const PEM_PRIVATE_KEY_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const BASE64_RUN = /[A-Za-z0-9+/]{120,}={0,2}/g;
const registeredKeyLines = new Set<string>();

/** Remembers a private key's base64 lines so any later appearance in output is caught. */
export function registerPrivateKey(pem: string): void {
  for (const line of pem.split(/\r?\n/)) {
    if (/^[A-Za-z0-9+/]{40,}={0,2}$/.test(line.trim())) registeredKeyLines.add(line.trim());
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
  for (const match of collapsed.matchAll(BASE64_RUN)) {
    if (decodesToPrivateKey(match[0])) return 'base64 that decodes to a DER private key';
  }

  return undefined;
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
