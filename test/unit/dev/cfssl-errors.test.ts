import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCfsslServer, type CfsslServer } from '../../../dev/ca/cfssl-server.js';
import { createRootCa, generateKeyPair, type CertificateAuthority } from '../../../dev/pki/index.js';
import { opensslCsr } from './pki-openssl.js';

interface ErrorResponse {
  success: boolean;
  result: unknown;
  errors: { code: number; message: string }[];
  messages: unknown[];
}

function csrPemOf(der: Buffer): string {
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

async function post(url: string, body: string): Promise<{ status: number; contentType: string | null; json: ErrorResponse }> {
  const response = await fetch(url, { method: 'POST', body });

  return { status: response.status, contentType: response.headers.get('content-type'), json: (await response.json()) as ErrorResponse };
}

describe('CFSSL dev server errors', () => {
  let signer: CertificateAuthority;
  let server: CfsslServer;
  let csrPem: string;

  beforeAll(async () => {
    signer = await createRootCa();
    server = await startCfsslServer({ signer });
    const { privateKeyPem } = await generateKeyPair();
    csrPem = await opensslCsr(privateKeyPem, '/CN=svc-a.example.test');
  });

  afterAll(async () => {
    await server.close();
  });

  it('error envelope matches CFSSL', async () => {
    // Act
    const { status, contentType, json } = await post(server.signUrl, JSON.stringify({ certificate_request: csrPem, profile: 'nope' }));

    // Assess
    expect(status).toBe(400);
    expect(contentType).toBe('text/plain; charset=utf-8');
    expect(json.success).toBe(false);
    expect(json.result).toBeNull();
    expect(json.messages).toEqual([]);
    expect(json.errors).toHaveLength(1);
    expect(json.errors[0]?.code).toBe(5200);
    expect(json.errors[0]?.message).toContain("profile 'nope' is not configured");
  });

  it.each([
    { case: 'invalid JSON', body: '{', code: 400, message: 'Unable to parse sign request' },
    { case: 'JSON array', body: '[]', code: 400, message: 'Unable to parse sign request' },
    { case: 'profile not a string', body: '{"certificate_request":"x","profile":7}', code: 400, message: 'Unable to parse sign request' },
    { case: 'missing CSR', body: '{}', code: 400, message: "missing parameter 'certificate_request'" },
    { case: 'empty CSR', body: '{"certificate_request":""}', code: 400, message: "missing parameter 'certificate_request'" },
    { case: 'not PEM', body: '{"certificate_request":"hello"}', code: 9002, message: 'no "-----BEGIN CERTIFICATE REQUEST-----" PEM block' },
    {
      case: 'PEM not a CSR',
      body: JSON.stringify({ certificate_request: csrPemOf(Buffer.from('junk')) }),
      code: 9003,
      message: 'not a PKCS#10 CertificationRequest',
    },
  ])('$case answers code $code', async ({ body, code, message }) => {
    // Act
    const { status, json } = await post(server.signUrl, body);

    // Assess
    expect(status).toBe(400);
    expect(json.errors[0]?.code).toBe(code);
    expect(json.errors[0]?.message).toContain(message);
  });

  it('altered CSR answers 9300', async () => {
    // Prepare
    const der = Buffer.from(csrPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    der.write('svc-b', der.indexOf('svc-a'), 'latin1');

    // Act
    const { status, json } = await post(server.signUrl, JSON.stringify({ certificate_request: csrPemOf(der) }));

    // Assess
    expect(status).toBe(400);
    expect(json.errors[0]?.code).toBe(9300);
    expect(json.errors[0]?.message).toContain('signature does not verify');
  });

  it('GET answers 405', async () => {
    // Act
    const response = await fetch(server.signUrl);
    const json = (await response.json()) as ErrorResponse;

    // Assess
    expect(response.status).toBe(405);
    expect(json.errors).toEqual([{ code: 405, message: 'Method is not allowed:"GET"' }]);
  });

  it('unknown path answers 404', async () => {
    // Act
    const response = await fetch(`${server.url}/api/v1/cfssl/newcert`, { method: 'POST', body: '{}' });

    // Assess
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 page not found\n');
  });

  it('responder overrides then falls through', async () => {
    // Prepare
    const cannedBody = JSON.stringify({ success: true, result: { certificate: 'not a certificate' }, errors: [], messages: [] });
    server.setResponder((path) => (path === '/api/v1/cfssl/sign' ? { status: 200, body: cannedBody } : undefined));

    // Act
    const canned = await fetch(server.signUrl, { method: 'POST', body: JSON.stringify({ certificate_request: csrPem }) });
    const cannedText = await canned.text();
    const fallThrough = await post(server.infoUrl, '{}');
    server.setResponder(undefined);
    const restored = await post(server.signUrl, JSON.stringify({ certificate_request: csrPem }));

    // Assess
    expect(canned.status).toBe(200);
    expect(cannedText).toBe(cannedBody);
    expect(fallThrough.json.success).toBe(true);
    expect(restored.json.success).toBe(true);
  });

  it('useDefault signs unknown profiles', async () => {
    // Prepare
    const lenient = await startCfsslServer({ signer, unknownProfile: 'useDefault' });

    try {
      // Act
      const { status, json } = await post(lenient.signUrl, JSON.stringify({ certificate_request: csrPem, profile: 'nope' }));

      // Assess
      expect(status).toBe(200);
      expect(json.success).toBe(true);
    } finally {
      await lenient.close();
    }
  });

  it.each([
    { case: 'missing default', options: { defaultProfile: 'absent' }, message: "defaultProfile 'absent' is not among the profiles" },
    {
      case: 'unknown usage',
      options: { profiles: { client: { usages: ['client authentication' as 'client auth'], expiryHours: 1 } } },
      message: 'unknown usages ["client authentication"]',
    },
    { case: 'no usages', options: { profiles: { client: { usages: [], expiryHours: 1 } } }, message: 'usages is empty' },
    { case: 'zero expiry', options: { profiles: { client: { usages: ['client auth' as const], expiryHours: 0 } } }, message: 'expiryHours must be a positive number' },
  ])('config with $case rejected', async ({ options, message }) => {
    // Act
    const starting = startCfsslServer({ signer, ...options });

    // Assess
    await expect(starting).rejects.toThrow(message);
  });
});
