import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCsr } from '../../../src/lib/certificates/csr.js';
import { generateKey } from '../../../src/lib/certificates/keys.js';
import type { KeySpec } from '../../../src/lib/config/rotation-config.js';

const workDir = mkdtempSync(join(tmpdir(), 'csr-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Runs `openssl req -verify` on the CSR, an independent decoder, and returns its text dump. */
function opensslVerify(csrPem: string): string {
  const path = join(workDir, `${Math.random().toString(36).slice(2)}.csr`);
  writeFileSync(path, csrPem);

  return execFileSync('openssl', ['req', '-in', path, '-verify', '-noout', '-text', '-nameopt', 'utf8'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const subject = { commonName: 'svc-ä.example.test', organization: 'Example Org', organizationalUnit: 'Payments', country: 'DE', state: 'Berlin', locality: 'Berlin' };
const subjectAltNames = {
  dns: ['svc-a.example.test'],
  uri: ['spiffe://example.test/svc-a'],
  ip: ['127.0.0.1', '::1', '2001:db8::ffff:192.0.2.1'],
  email: ['ops@example.test'],
};

describe('buildCsr', () => {
  it.each<[string, KeySpec, string]>([
    ['EC P-256', { algorithm: 'EC', curve: 'P-256' }, 'ecdsa-with-SHA256'],
    ['EC P-384', { algorithm: 'EC', curve: 'P-384' }, 'ecdsa-with-SHA384'],
    ['RSA 2048', { algorithm: 'RSA', size: 2048 }, 'sha256WithRSAEncryption'],
  ])('builds a CSR openssl verifies for %s', async (_name, spec, signatureAlgorithm) => {
    const key = await generateKey(spec);

    const dump = opensslVerify(buildCsr({ subject, subjectAltNames, privateKey: key.privateKey }));

    expect(dump).toContain(`Signature Algorithm: ${signatureAlgorithm}`);
    expect(dump).toContain('C=DE, ST=Berlin, L=Berlin, O=Example Org, OU=Payments, CN=svc-ä.example.test');
    expect(dump).toContain('DNS:svc-a.example.test');
    expect(dump).toContain('URI:spiffe://example.test/svc-a');
    expect(dump).toContain('email:ops@example.test');
    expect(dump).toContain('IP Address:127.0.0.1');
    expect(dump).toContain('IP Address:0:0:0:0:0:0:0:1');
    expect(dump).toContain('IP Address:2001:DB8:0:0:0:FFFF:C000:201');
  });

  it('omits the extension request without SANs', async () => {
    const key = await generateKey({ algorithm: 'EC', curve: 'P-256' });

    const dump = opensslVerify(buildCsr({ subject: { commonName: 'svc' }, privateKey: key.privateKey }));

    expect(dump).not.toContain('Subject Alternative Name');
    expect(dump).toContain('CN=svc');
  });

  it('contains no private key material', async () => {
    const key = await generateKey({ algorithm: 'RSA', size: 2048 });

    const csr = buildCsr({ subject, privateKey: key.privateKey });

    expect(csr).not.toMatch(/PRIVATE KEY/);
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
  });
});
