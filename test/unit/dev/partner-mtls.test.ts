import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithClientCertificate } from '../../../dev/partner/fetch-with-client-certificate.js';
import { startPartnerServer, type PartnerServer, type TlsVersion } from '../../../dev/partner/partner-server.js';
import {
  certificateChainPem,
  createIntermediateCa,
  createRootCa,
  createTestPki,
  generateKeyPair,
  issueCertificate,
  type CertificateAuthority,
  type TestPki,
} from '../../../dev/pki/index.js';

interface ClientIdentity {
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
}

interface HandshakeProbe {
  secureConnected: boolean;
  protocol: string | null;
  /** The server closed the stream cleanly (FIN) rather than with a reset or an alert. */
  ended: boolean;
  errorCode: string | undefined;
  response: string;
}

async function issueClient(issuer: CertificateAuthority, commonName: string): Promise<ClientIdentity> {
  const { publicKey, privateKeyPem } = await generateKeyPair();
  const certificatePem = await issueCertificate(issuer, publicKey, { subject: `CN=${commonName}, O=Example Org` });

  return { certificatePem, chainPem: certificateChainPem(issuer), privateKeyPem };
}

/**
 * Connects with node:tls, records whether `secureConnect` fired, then sends GET /health and reads
 * until the connection ends, so that the test can tell when the server's rejection arrives.
 */
function probeHandshake(port: number, caPem: string, client: ClientIdentity | undefined, version: TlsVersion): Promise<HandshakeProbe> {
  return new Promise((resolve) => {
    const probe: HandshakeProbe = { secureConnected: false, protocol: null, ended: false, errorCode: undefined, response: '' };
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: caPem,
      minVersion: version,
      maxVersion: version,
      ...(client ? { cert: client.certificatePem + client.chainPem, key: client.privateKeyPem } : {}),
    });
    socket.on('secureConnect', () => {
      probe.secureConnected = true;
      probe.protocol = socket.getProtocol();
      socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (chunk: Buffer) => {
      probe.response += chunk.toString('utf8');
    });
    socket.on('end', () => {
      probe.ended = true;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      probe.errorCode = error.code;
    });
    socket.on('close', () => resolve(probe));
  });
}

describe('partner server mTLS', () => {
  let pki: TestPki;
  let server: PartnerServer;
  let goodClient: ClientIdentity;
  let foreignClient: ClientIdentity;

  beforeAll(async () => {
    pki = await createTestPki();
    server = await startPartnerServer({
      certificatePem: pki.server.certificateChainPem,
      privateKeyPem: pki.server.privateKeyPem,
      clientCaPem: pki.root.certificatePem,
    });
    goodClient = await issueClient(pki.intermediate, 'svc-a.example.test');
    const foreignRoot = await createRootCa({ commonName: 'Foreign Root CA' });
    foreignClient = await issueClient(await createIntermediateCa(foreignRoot), 'svc-a.example.test');
  });

  afterAll(async () => {
    await server.close();
  });

  it('trusted client gets 200', async () => {
    // Act
    const response = await fetchWithClientCertificate(server.url, { ...goodClient, caPem: pki.serverRoot.certificatePem });

    // Assess
    const leaf = new X509Certificate(goodClient.certificatePem);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      ok: true,
      clientSubject: 'CN=svc-a.example.test, O=Example Org',
      clientSerialNumber: leaf.serialNumber,
    });
    expect(server.requests.at(-1)).toEqual({
      subject: 'CN=svc-a.example.test, O=Example Org',
      serialNumber: leaf.serialNumber,
      fingerprint256: leaf.fingerprint256,
    });
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('trusted client completes %s', async (version) => {
    // Act
    const probe = await probeHandshake(server.port, pki.serverRoot.certificatePem, goodClient, version);

    // Assess
    expect(probe.secureConnected).toBe(true);
    expect(probe.protocol).toBe(version);
    expect(probe.errorCode).toBeUndefined();
    expect(probe.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  // node:tls checks the client certificate after the server's side of the handshake and then closes
  // the socket without an alert, so the client learns of the rejection only when it reads.
  it('TLS 1.3 rejects foreign client after handshake', async () => {
    // Act
    const probe = await probeHandshake(server.port, pki.serverRoot.certificatePem, foreignClient, 'TLSv1.3');

    // Assess
    expect(probe.secureConnected).toBe(true);
    expect(probe.protocol).toBe('TLSv1.3');
    expect(probe.response).toBe('');
    // A clean end of stream or a reset, depending on whether the request reached the closed socket.
    expect(probe.ended || probe.errorCode === 'ECONNRESET').toBe(true);
  });

  it('TLS 1.2 rejects foreign client in handshake', async () => {
    // Act
    const probe = await probeHandshake(server.port, pki.serverRoot.certificatePem, foreignClient, 'TLSv1.2');

    // Assess
    expect(probe.secureConnected).toBe(false);
    expect(probe.errorCode).toBe('ECONNRESET');
    expect(probe.response).toBe('');
  });

  it.each([
    { version: 'TLSv1.3' as const, secureConnected: true, errorCode: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' },
    { version: 'TLSv1.2' as const, secureConnected: false, errorCode: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' },
  ])('client without certificate rejected at $version', async ({ version, secureConnected, errorCode }) => {
    // Act
    const probe = await probeHandshake(server.port, pki.serverRoot.certificatePem, undefined, version);

    // Assess
    expect(probe.secureConnected).toBe(secureConnected);
    expect(probe.errorCode).toBe(errorCode);
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('foreign client fetch fails at %s', async (version) => {
    // Prepare
    const pinned = await startPartnerServer({
      certificatePem: pki.server.certificateChainPem,
      privateKeyPem: pki.server.privateKeyPem,
      clientCaPem: pki.root.certificatePem,
      minVersion: version,
      maxVersion: version,
    });

    try {
      // Act
      const fetching = fetchWithClientCertificate(pinned.url, { ...foreignClient, caPem: pki.serverRoot.certificatePem });

      // Assess
      await expect(fetching).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(pinned.requests).toEqual([]);
      await expect.poll(() => pinned.rejectedHandshakes.length).toBe(1);
      expect(pinned.rejectedHandshakes.at(-1)?.authorizationError).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    } finally {
      await pinned.close();
    }
  });

  it('maxVersion pins the protocol', async () => {
    // Prepare
    const pinned = await startPartnerServer({
      certificatePem: pki.server.certificateChainPem,
      privateKeyPem: pki.server.privateKeyPem,
      clientCaPem: pki.root.certificatePem,
      maxVersion: 'TLSv1.2',
    });

    try {
      // Act
      const atTls12 = await probeHandshake(pinned.port, pki.serverRoot.certificatePem, goodClient, 'TLSv1.2');
      const atTls13 = await probeHandshake(pinned.port, pki.serverRoot.certificatePem, goodClient, 'TLSv1.3');

      // Assess
      expect(atTls12.protocol).toBe('TLSv1.2');
      expect(atTls12.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(atTls13.secureConnected).toBe(false);
      expect(atTls13.errorCode).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    } finally {
      await pinned.close();
    }
  });

  it('client rejects untrusted server', async () => {
    // Act
    const fetching = fetchWithClientCertificate(server.url, { ...goodClient, caPem: pki.root.certificatePem });

    // Assess
    await expect(fetching).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('unknown path answers 404', async () => {
    // Act
    const response = await fetchWithClientCertificate(server.url.replace('/health', '/other'), {
      ...goodClient,
      caPem: pki.serverRoot.certificatePem,
    });

    // Assess
    expect(response.status).toBe(404);
  });
});
