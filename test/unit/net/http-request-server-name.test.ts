import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRootCa, createServerCertificate, type CertificateAuthority } from '../../../dev/pki/index.js';
import { isSendableHeaderValue, sendHttpRequest } from '../../../src/lib/net/http-request.js';

let root: CertificateAuthority;
let server: Server;
let port: number;
// Server names of the ClientHellos received, with '' for a ClientHello without SNI.
let serverNames: string[] = [];

beforeAll(async () => {
  root = await createRootCa({ commonName: 'Server Name Test Root' });
  const certificate = await createServerCertificate(root, { dnsNames: ['localhost'] });
  server = createServer({ cert: certificate.certificateChainPem, key: certificate.privateKeyPem }, (_request, response) => response.writeHead(204).end());
  server.on('secureConnection', (socket) => serverNames.push((socket as unknown as { servername?: string | false }).servername || ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
beforeEach(() => {
  serverNames = [];
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

async function send(host: string, headers: Record<string, string>, servername?: string): Promise<number> {
  const response = await sendHttpRequest({
    url: `https://${host}:${port}/`,
    method: 'GET',
    headers,
    caCertificates: root.certificatePem,
    servername,
    timeoutMs: 5_000,
    maxResponseBytes: 1024,
  });

  return response.status;
}

describe('sendHttpRequest server name', () => {
  it('omits SNI for an IP address', async () => {
    const status = await send('127.0.0.1', { host: 'credential-in-host-header' });

    expect(status).toBe(204);
    expect(serverNames).toEqual(['']);
  });

  it('uses the URL host name', async () => {
    const status = await send('localhost', { host: 'credential-in-host-header' });

    expect(status).toBe(204);
    expect(serverNames).toEqual(['localhost']);
  });

  it('prefers an explicit servername', async () => {
    const status = await send('127.0.0.1', {}, 'localhost');

    expect(status).toBe(204);
    expect(serverNames).toEqual(['localhost']);
  });
});

describe('isSendableHeaderValue', () => {
  it.each([
    ['printable ASCII', 'Bearer abc-123', true],
    ['tab', 'a\tb', true],
    ['Latin-1', 'p\u00e4rtner', true],
    ['a control character', 'a\u001bb', false],
    ['DEL', 'a\u007fb', false],
    ['a character above U+00FF', 'a\u20acb', false],
    ['a line separator', 'a\u2028b', false],
  ])('value with %s', (_case, value, expected) => {
    expect(isSendableHeaderValue(value)).toBe(expected);
  });
});
