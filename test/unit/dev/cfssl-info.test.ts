import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCfsslServer, type CfsslServer } from '../../../dev/ca/cfssl-server.js';
import { createTestPki, generateKeyPair, type TestPki } from '../../../dev/pki/index.js';
import { opensslCsr } from './pki-openssl.js';

interface InfoResponse {
  success: boolean;
  result: { certificate: string; usages: string[]; expiry: string } | null;
  errors: { code: number; message: string }[];
}

async function postInfo(server: CfsslServer, body: unknown): Promise<{ status: number; json: InfoResponse }> {
  const response = await fetch(server.infoUrl, { method: 'POST', body: JSON.stringify(body) });

  return { status: response.status, json: (await response.json()) as InfoResponse };
}

/** POSTs over HTTPS with a private trust anchor, which global fetch cannot take without undici. */
function postHttps(url: string, caPem: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', ca: caPem, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('CFSSL dev server info', () => {
  let pki: TestPki;
  let server: CfsslServer;

  beforeAll(async () => {
    pki = await createTestPki();
    server = await startCfsslServer({
      signer: pki.intermediate,
      profiles: {
        client: { usages: ['digital signature', 'client auth'], expiryHours: 24 },
        server: { usages: ['signing', 'key encipherment', 'server auth'], expiryHours: 720 },
      },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('returns signer and default profile', async () => {
    // Act
    const { status, json } = await postInfo(server, {});

    // Assess
    expect(status).toBe(200);
    expect(json.success).toBe(true);
    expect(json.result).toEqual({
      certificate: pki.intermediate.certificatePem.trim(),
      usages: ['digital signature', 'client auth'],
      expiry: '24h',
    });
  });

  it('returns named profile', async () => {
    // Act
    const { json } = await postInfo(server, { label: 'primary', profile: 'server' });

    // Assess
    expect(json.result?.usages).toEqual(['signing', 'key encipherment', 'server auth']);
    expect(json.result?.expiry).toBe('720h');
  });

  it('unknown profile answers 5200', async () => {
    // Act
    const { status, json } = await postInfo(server, { profile: 'nope' });

    // Assess
    expect(status).toBe(400);
    expect(json.errors[0]?.code).toBe(5200);
  });

  it('profile not a string answers 400', async () => {
    // Act
    const { status, json } = await postInfo(server, { profile: ['client'] });

    // Assess
    expect(status).toBe(400);
    expect(json.errors[0]?.code).toBe(400);
  });

  it('serves HTTPS with tls option', async () => {
    // Prepare
    const httpsServer = await startCfsslServer({ signer: pki.intermediate, tls: pki.server });
    const { privateKeyPem } = await generateKeyPair();
    const csrPem = await opensslCsr(privateKeyPem, '/CN=svc-a.example.test');

    try {
      // Act
      const info = await postHttps(httpsServer.infoUrl, pki.serverRoot.certificatePem, '{}');
      const signed = await postHttps(httpsServer.signUrl, pki.serverRoot.certificatePem, JSON.stringify({ certificate_request: csrPem }));

      // Assess
      expect(httpsServer.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(info.status).toBe(200);
      expect(signed.status).toBe(200);
      expect((JSON.parse(signed.text) as { success: boolean }).success).toBe(true);
    } finally {
      await httpsServer.close();
    }
  });

  it('HTTPS rejects an untrusting client', async () => {
    // Prepare
    const httpsServer = await startCfsslServer({ signer: pki.intermediate, tls: pki.server });

    try {
      // Act
      const posting = postHttps(httpsServer.infoUrl, pki.root.certificatePem, '{}');

      // Assess
      await expect(posting).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      await httpsServer.close();
    }
  });
});
