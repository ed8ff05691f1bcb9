import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureVersion, TLSSocket } from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CFSSL_CLIENT_EXPIRY_HOURS,
  CFSSL_CLIENT_PROFILE,
  startCfsslServe,
  type CfsslServe,
} from './peers/cfssl-serve.js';
import { findExecutable } from './peers/find-executable.js';
import { startNginxPartner, type NginxPartner } from './peers/nginx-partner.js';
import { runCommand } from './peers/run-command.js';

/** extKeyUsage id-kp-clientAuth, RFC 5280 section 4.2.1.12. */
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';
const HOUR_MS = 3_600_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface CfsslResponse<Result> {
  success: boolean;
  result: Result | null;
  errors: { code: number; message: string }[];
}

interface HealthResponse {
  statusCode: number;
  body: string;
  protocol: string | null;
}

interface ClientIdentity {
  keyPem: string;
  certificatePem: string;
}

let cfssl: CfsslServe;
let nginx: NginxPartner;
let workDirectory: string;
let openssl: string;
let requestCount = 0;

beforeAll(async () => {
  openssl = await findExecutable('openssl', { installHint: 'install the Debian package openssl' });
  workDirectory = await mkdtemp(join(tmpdir(), 'peers-test-'));
  cfssl = await startCfsslServe();
  nginx = await startNginxPartner({ clientCaPem: cfssl.rootPem });
});

afterAll(async () => {
  await nginx?.close();
  await cfssl?.close();
  if (workDirectory !== undefined) {
    await rm(workDirectory, { recursive: true, force: true });
  }
});

/** Creates an RSA key and a PKCS #10 CSR with `openssl req`, as an independent CSR source. */
async function createCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  requestCount += 1;
  const keyPath = join(workDirectory, `client-${requestCount}-key.pem`);
  const csrPath = join(workDirectory, `client-${requestCount}.csr`);
  await runCommand(
    openssl,
    ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csrPath, '-subj', `/CN=${commonName}`],
    { cwd: workDirectory },
  );

  return { keyPem: await readFile(keyPath, 'utf8'), csrPem: await readFile(csrPath, 'utf8') };
}

async function callCfssl<Result>(endpoint: 'info' | 'sign', body: object): Promise<CfsslResponse<Result>> {
  const response = await fetch(`${cfssl.url}/api/v1/cfssl/${endpoint}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });

  return (await response.json()) as CfsslResponse<Result>;
}

async function issueClientIdentity(commonName: string): Promise<ClientIdentity> {
  const { keyPem, csrPem } = await createCsr(commonName);
  const signed = await callCfssl<{ certificate: string }>('sign', {
    certificate_request: csrPem,
    profile: CFSSL_CLIENT_PROFILE,
  });
  if (!signed.success || signed.result === null) {
    throw new Error(`cfssl sign failed: ${JSON.stringify(signed.errors)}. cfssl output:\n${cfssl.log()}`);
  }

  return { keyPem, certificatePem: signed.result.certificate };
}

/** Sends GET to nginx's /health with node:https and no connection reuse. */
function getHealth(tls: { cert?: string; key?: string; maxVersion?: SecureVersion }): Promise<HealthResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      nginx.url,
      { ca: nginx.serverCaPem, agent: false, timeout: REQUEST_TIMEOUT_MS, ...tls },
      (response) => {
        const protocol = (response.socket as TLSSocket).getProtocol();
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, body, protocol }));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${nginx.url} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function createSelfSignedIdentity(): Promise<ClientIdentity> {
  const keyPath = join(workDirectory, 'foreign-key.pem');
  const certificatePath = join(workDirectory, 'foreign.pem');

  return runCommand(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certificatePath,
      '-days',
      '1',
      '-subj',
      '/CN=foreign-client',
      '-addext',
      'extendedKeyUsage=clientAuth',
    ],
    { cwd: workDirectory },
  ).then(async () => ({
    keyPem: await readFile(keyPath, 'utf8'),
    certificatePem: await readFile(certificatePath, 'utf8'),
  }));
}

describe('startCfsslServe', () => {
  it('returns root that issued intermediate', () => {
    // Prepare
    const root = new X509Certificate(cfssl.rootPem);
    const intermediate = new X509Certificate(cfssl.intermediatePem ?? '');

    // Assess
    expect(root.ca, 'root basicConstraints cA').toBe(true);
    expect(intermediate.ca, 'intermediate basicConstraints cA').toBe(true);
    expect(intermediate.checkIssued(root), 'intermediate issuer is the root').toBe(true);
    expect(intermediate.verify(root.publicKey), 'intermediate signature by the root key').toBe(true);
  });

  it('info returns the intermediate as signer', async () => {
    // Act
    const info = await callCfssl<{ certificate: string }>('info', {});

    // Assess
    expect(info.success, JSON.stringify(info.errors)).toBe(true);
    expect(new X509Certificate(info.result?.certificate ?? '').fingerprint256).toBe(
      new X509Certificate(cfssl.intermediatePem ?? '').fingerprint256,
    );
  });

  it('info describes the client profile', async () => {
    // Act
    const info = await callCfssl<{ usages: string[]; expiry: string }>('info', { profile: CFSSL_CLIENT_PROFILE });

    // Assess
    expect(info.success, JSON.stringify(info.errors)).toBe(true);
    expect(info.result?.usages).toContain('client auth');
    expect(info.result?.expiry).toBe(`${CFSSL_CLIENT_EXPIRY_HOURS}h`);
  });

  it('sign issues client certificate from CSR', async () => {
    // Prepare
    const intermediate = new X509Certificate(cfssl.intermediatePem ?? '');

    // Act
    const identity = await issueClientIdentity('interop-client');
    const certificate = new X509Certificate(identity.certificatePem);

    // Assess
    expect(certificate.subject).toBe('CN=interop-client');
    expect(certificate.ca, 'leaf basicConstraints cA').toBe(false);
    expect(certificate.checkIssued(intermediate), 'leaf issuer is the intermediate').toBe(true);
    expect(certificate.verify(intermediate.publicKey), 'leaf signature by the intermediate key').toBe(true);
    expect(certificate.keyUsage, 'extKeyUsage').toContain(CLIENT_AUTH_OID);
    expect(certificate.keyUsage, 'extKeyUsage').not.toContain(SERVER_AUTH_OID);
    const validityHours = (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / HOUR_MS;
    // cfssl moves notBefore 5 minutes into the past to allow for clock skew.
    expect(validityHours).toBeGreaterThanOrEqual(CFSSL_CLIENT_EXPIRY_HOURS);
    expect(validityHours).toBeLessThanOrEqual(CFSSL_CLIENT_EXPIRY_HOURS + 1);
  });

  it('sign rejects a malformed CSR', async () => {
    // Act
    const signed = await callCfssl<{ certificate: string }>('sign', {
      certificate_request: '-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----\n',
      profile: CFSSL_CLIENT_PROFILE,
    });

    // Assess
    expect(signed.success).toBe(false);
    expect(signed.errors.length, 'number of errors').toBeGreaterThan(0);
  });
});

describe('startNginxPartner', () => {
  it('accepts certificate sent with intermediate', async () => {
    // Prepare
    const identity = await issueClientIdentity('interop-client-chain');

    // Act
    const response = await getHealth({
      key: identity.keyPem,
      cert: identity.certificatePem + (cfssl.intermediatePem ?? ''),
    });

    // Assess
    expect(response.statusCode, nginx.log()).toBe(200);
    expect(response.body).toBe('ok');
    expect(response.protocol).toBe('TLSv1.3');
  });

  it('accepts TLS 1.2', async () => {
    // Prepare
    const identity = await issueClientIdentity('interop-client-tls12');

    // Act
    const response = await getHealth({
      key: identity.keyPem,
      cert: identity.certificatePem + (cfssl.intermediatePem ?? ''),
      maxVersion: 'TLSv1.2',
    });

    // Assess
    expect(response.statusCode, nginx.log()).toBe(200);
    expect(response.protocol).toBe('TLSv1.2');
  });

  it('returns 400 without client certificate', async () => {
    // Act
    const response = await getHealth({});

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('No required SSL certificate was sent');
  });

  it('returns 400 for leaf without intermediate', async () => {
    // Prepare: nginx trusts only the root, so the chain must come from the client.
    const identity = await issueClientIdentity('interop-client-leaf-only');

    // Act
    const response = await getHealth({ key: identity.keyPem, cert: identity.certificatePem });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('The SSL certificate error');
  });

  it('returns 400 for foreign CA certificate', async () => {
    // Prepare
    const identity = await createSelfSignedIdentity();

    // Act
    const response = await getHealth({ key: identity.keyPem, cert: identity.certificatePem });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('The SSL certificate error');
  });

  it('rejects clientCaPem without a certificate', async () => {
    // Act and assess
    await expect(startNginxPartner({ clientCaPem: 'not a certificate' })).rejects.toThrow(/Invalid clientCaPem/);
  });
});

describe('close', () => {
  it('stops both peers idempotently', async () => {
    // Prepare
    const ownCfssl = await startCfsslServe();
    const ownNginx = await startNginxPartner({ clientCaPem: ownCfssl.rootPem });

    // Act
    await Promise.all([ownNginx.close(), ownCfssl.close()]);
    await Promise.all([ownNginx.close(), ownCfssl.close()]);

    // Assess
    await expect(fetch(`${ownCfssl.url}/api/v1/cfssl/info`, { method: 'POST', body: '{}' })).rejects.toThrow();
    await expect(
      new Promise((resolve, reject) => {
        const outgoing = request(ownNginx.url, { ca: ownNginx.serverCaPem, agent: false });
        outgoing.on('response', resolve);
        outgoing.on('error', reject);
        outgoing.end();
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
