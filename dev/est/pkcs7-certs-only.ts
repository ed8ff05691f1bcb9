import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const OPENSSL_TIMEOUT_MS = 10_000;

/**
 * Encodes PEM certificates as a DER PKCS#7 SignedData "certs-only" message with the openssl CLI
 * (`openssl crl2pkcs7 -nocrl`), so the EST stand-in responds with bytes from an encoder that the
 * rotation code does not share. The certificates keep the order given.
 */
export async function encodeCertsOnly(certificatePems: readonly string[]): Promise<Buffer> {
  if (certificatePems.length === 0) throw new Error('encodeCertsOnly needs at least one certificate');
  const directory = await mkdtemp(join(tmpdir(), 'est-pkcs7-'));

  try {
    const path = join(directory, 'certificates.pem');
    await writeFile(path, certificatePems.map((pem) => pem.replace(/\n?$/, '\n')).join(''));
    const { stdout } = await execFileAsync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', path, '-outform', 'DER'], {
      encoding: 'buffer',
      timeout: OPENSSL_TIMEOUT_MS,
    });

    return stdout;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Formats DER as the base64 body of an EST response: lines of 64 characters ending in CRLF. */
export function base64Body(der: Buffer): string {
  return `${der.toString('base64').replace(/(.{64})/g, '$1\r\n').replace(/\r\n$/, '')}\r\n`;
}
