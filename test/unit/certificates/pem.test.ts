import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificates, toPem } from '../../../src/lib/certificates/pem.js';
import { CertificateParseError } from '../../../src/lib/errors.js';
import { createChainFixture, type ChainFixture } from '../../support/certificate-fixtures.js';

let fixture: ChainFixture;
let bundle: string;
const workDir = mkdtempSync(join(tmpdir(), 'pem-test-'));

beforeAll(async () => {
  fixture = await createChainFixture();
  bundle = fixture.leafPem + fixture.intermediate.certificatePem;
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function fingerprints(text: string | Uint8Array): string[] {
  return parseCertificates(text, 'test answer').map((certificate) => certificate.fingerprint256);
}

function base64Body(pem: string): string {
  return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----')).join('');
}

/** Builds a PKCS#7 certs-only bundle with OpenSSL, an encoder independent of the parser. */
function opensslPkcs7(pem: string, outform: 'PEM' | 'DER'): Buffer {
  const input = join(workDir, 'bundle.pem');
  writeFileSync(input, pem);

  return execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', input, '-outform', outform]);
}

describe('parseCertificates', () => {
  it('reads a plain LF bundle', () => {
    expect(fingerprints(bundle)).toHaveLength(2);
  });

  it.each([
    ['CRLF line endings', (text: string) => text.replaceAll('\n', '\r\n')],
    ['CRLF without a final newline', (text: string) => text.replaceAll('\n', '\r\n').trimEnd()],
    ['mixed CRLF and LF', (text: string) => text.split('\n').map((line, index) => line + (index % 2 ? '\r' : '')).join('\n')],
    ['a byte-order mark', (text: string) => `\uFEFF${text}`],
    ['indented lines', (text: string) => text.split('\n').map((line) => `    ${line}`).join('\n')],
    ['a byte-order mark and indentation', (text: string) => `\uFEFF${text.split('\n').map((line) => `\t${line}`).join('\n')}`],
    ['explanatory text around the blocks', (text: string) => `Your certificate:\n${text}\nThank you for using Example CA.\n`],
  ])('normalises %s', (_case, transform) => {
    expect(fingerprints(transform(bundle))).toEqual(fingerprints(bundle));
  });

  it('reads base64 DER without armour', () => {
    expect(fingerprints(base64Body(fixture.leafPem))).toEqual(fingerprints(fixture.leafPem));
  });

  it('reads binary DER', () => {
    expect(fingerprints(Buffer.from(base64Body(fixture.leafPem), 'base64'))).toEqual(fingerprints(fixture.leafPem));
  });

  it('reads PEM PKCS#7 from openssl crl2pkcs7', () => {
    const pkcs7 = opensslPkcs7(bundle, 'PEM').toString('utf8');

    expect(fingerprints(pkcs7).sort()).toEqual(fingerprints(bundle).sort());
  });

  it('reads base64 PKCS#7 certs-only as EST sends it', () => {
    const der = opensslPkcs7(bundle, 'DER');

    expect(fingerprints(der.toString('base64')).sort()).toEqual(fingerprints(bundle).sort());
  });

  it('reads PKCS#7 with an EC issuer', async () => {
    const ec = await createChainFixture({ caKey: { algorithm: 'EC', curve: 'P-384' } });
    const pkcs7 = opensslPkcs7(ec.leafPem + ec.intermediate.certificatePem, 'PEM').toString('utf8');

    expect(fingerprints(pkcs7)).toHaveLength(2);
  });

  it('rejects stray bytes after DER', () => {
    const der = Buffer.concat([Buffer.from(base64Body(fixture.leafPem), 'base64'), Buffer.from([0, 0])]);

    expect(() => parseCertificates(der.toString('base64'), 'test answer')).toThrow('test answer: 2 unexpected bytes after certificate');
  });

  it.each([
    ['an empty body', '', /test answer is empty/],
    ['whitespace only', ' \r\n\t', /test answer is empty/],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>', /neither PEM nor base64 DER: it starts with "<html>/],
    ['a truncated PEM block', '-----BEGIN CERTIFICATE-----\nMIIB\n', /contains no complete PEM block/],
    ['mismatched PEM labels', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END PKCS7-----\n', /BEGIN CERTIFICATE is closed by END PKCS7/],
    ['corrupt base64', '-----BEGIN CERTIFICATE-----\nMII*B\n-----END CERTIFICATE-----\n', /base64 body is invalid/],
    ['a certificate request', '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n', /unexpected PEM type CERTIFICATE REQUEST/],
  ])('rejects %s', (_case, text, message) => {
    expect(() => parseCertificates(text, 'test answer')).toThrow(CertificateParseError);
    expect(() => parseCertificates(text, 'test answer')).toThrow(message);
  });

  it('rejects a private key block without quoting it', () => {
    const text = bundle + fixture.key.privateKeyPem;
    let message = '';
    try {
      parseCertificates(text, 'test answer');
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('contains a private key block where only certificates are expected');
    expect(message).not.toContain(base64Body(fixture.key.privateKeyPem).slice(0, 20));
  });

  it('writes canonical PEM', () => {
    const [certificate] = parseCertificates(`\uFEFF  ${bundle.replaceAll('\n', '\r\n')}`, 'test answer');
    const pem = toPem(certificate!);

    expect(pem).toBe(fixture.leafPem.endsWith('\n') ? fixture.leafPem : `${fixture.leafPem}\n`);
    expect(pem.split('\n').every((line) => line.length <= 64)).toBe(true);
  });

  it('finds every certificate whatever the whitespace', () => {
    const eol = fc.constantFrom('\n', '\r\n', '\r\n');
    const indent = fc.constantFrom('', ' ', '  ', '\t');
    fc.assert(
      fc.property(fc.array(fc.tuple(eol, indent), { minLength: 1, maxLength: 8 }), fc.boolean(), (styles, bom) => {
        const lines = bundle.split('\n');
        const text = lines.map((line, index) => {
          const [lineEnd, lead] = styles[index % styles.length]!;

          return `${lead}${line}${lineEnd}`;
        });

        return fingerprints(`${bom ? '\uFEFF' : ''}${text.join('')}`).length === 2;
      }),
      { numRuns: 100 },
    );
  });

  it('throws only CertificateParseError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        try {
          parseCertificates(text, 'fuzz');
        } catch (error) {
          return error instanceof CertificateParseError;
        }

        return true;
      }),
      { numRuns: 500 },
    );
  });
});
