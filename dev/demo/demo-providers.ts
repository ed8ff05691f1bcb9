import { randomBytes } from 'node:crypto';
import type { EstRecordedRequest } from '../est/est-server.js';
import type { LocalEnvironment } from '../local-environment.js';
import { issueFromCsr } from '../pki/index.js';
import { createCredentialsSecret, startAcmPcaStandIn, startEstStandIn, startHttpCaStandIn, startVaultStandIn } from '../provider-stand-ins.js';

export const DEMO_PROVIDERS = ['cfssl', 'acm-pca', 'vault', 'est', 'http'] as const;
export type DemoProviderName = (typeof DEMO_PROVIDERS)[number];

/** The CA that a demo run rotates with, and the failure that step 5 injects into it. */
export interface DemoProvider {
  /** The CA's entry in the list of local endpoints. */
  endpoint: string;
  /** Fields merged into the bootstrap secret's `rotation` block, none for the environment's own CFSSL CA. */
  rotationOverrides: Record<string, unknown>;
  /** Returns one line per request the CA received since the last call, or none for CAs whose requests the demo does not show. */
  takeRequestLines(): string[];
  /** Returns lines that check what the CA did with the certificate the emergency rotation superseded. */
  supersededLines(previousSerial: string): string[];
  badDay: { heading: string; begin(): void; end(): void };
  close(): Promise<void>;
}

/** Starts the stand-in for `name` beside `env`, with any credentials secret under `mtls-credentials/`, the IAM pattern's default. */
export function startDemoProvider(name: DemoProviderName, env: LocalEnvironment): Promise<DemoProvider> {
  switch (name) {
    case 'cfssl':
      return Promise.resolve(cfsslDemo(env));
    case 'acm-pca':
      return startAcmPcaDemo(env);
    case 'vault':
      return startVaultDemo(env);
    case 'est':
      return startEstDemo(env);
    case 'http':
      return startHttpDemo(env);
  }
}

function cfsslDemo(env: LocalEnvironment): DemoProvider {
  return {
    endpoint: `CFSSL-compatible CA    ${env.cfssl.signUrl}`,
    rotationOverrides: {},
    takeRequestLines: () => [],
    supersededLines: () => [],
    badDay: {
      heading: 'the CA now issues serverAuth-only certificates, which a partner would reject',
      begin: () =>
        env.cfssl.setResponder(async (path, body) => {
          if (!path.endsWith('/sign')) return undefined;
          const csr = (body as { certificate_request: string }).certificate_request;
          const certificate = await issueFromCsr(env.pki.intermediate, csr, { extendedKeyUsages: ['serverAuth'] });

          return { status: 200, body: JSON.stringify({ success: true, result: { certificate }, errors: [], messages: [] }) };
        }),
      end: () => env.cfssl.setResponder(undefined),
    },
    close: () => Promise.resolve(),
  };
}

// acm-pca and vault are the providers that can revoke, so their demos also set revokePrevious.
async function startAcmPcaDemo(env: LocalEnvironment): Promise<DemoProvider> {
  const acmPca = await startAcmPcaStandIn(env);

  return {
    endpoint: `AWS Private CA         ${acmPca.server.endpoint} (AWS_ENDPOINT_URL_ACM_PCA)`,
    rotationOverrides: { provider: acmPca.providerBlock(), revokePrevious: 'afterRotation' },
    takeRequestLines: () => [],
    supersededLines: (previousSerial) => [revocationLine(acmPca.server.revocations.map((entry) => entry.certificateSerial), previousSerial)],
    badDay: {
      heading: "the rotation function's role lost acm-pca:IssueCertificate",
      begin: () =>
        acmPca.server.injectError({ operation: 'IssueCertificate', exception: 'AccessDeniedException', message: 'User is not authorized to perform: acm-pca:IssueCertificate' }),
      end: () => acmPca.server.reset(),
    },
    close: () => acmPca.close(),
  };
}

async function startVaultDemo(env: LocalEnvironment): Promise<DemoProvider> {
  const vault = await startVaultStandIn(env, { secretName: 'mtls-credentials/vault-token' });

  return {
    endpoint: `Vault PKI              ${vault.server.url}/v1/${vault.server.mount}`,
    rotationOverrides: { provider: vault.providerBlock(), revokePrevious: 'afterRotation' },
    takeRequestLines: () => [],
    supersededLines: (previousSerial) => [revocationLine(vault.server.revokedSerials(), previousSerial)],
    badDay: {
      heading: 'the Vault token in the credentials secret was revoked',
      begin: () =>
        vault.server.setResponder((path) => (path.includes('/sign/') ? { status: 403, body: JSON.stringify({ errors: ['permission denied'] }) } : undefined)),
      end: () => vault.server.setResponder(undefined),
    },
    close: () => vault.close(),
  };
}

/** Reports whether the CA revoked `previousSerial`. CAs write serials with or without colons and leading zeros, so the comparison ignores both. */
function revocationLine(revokedSerials: string[], previousSerial: string): string {
  const normalize = (serial: string) => serial.replaceAll(':', '').toUpperCase().replace(/^0+/, '');
  const isRevoked = revokedSerials.some((serial) => normalize(serial) === normalize(previousSerial));

  return `revokePrevious=afterRotation: the CA recorded the revocation of that certificate: ${isRevoked ? 'yes' : 'NO'}`;
}

/**
 * Starts an EST server with HTTP Basic on simpleenroll and a CA label. The first rotation enrolls
 * with the password, and every later one re-enrolls by presenting the AWSCURRENT certificate in the
 * TLS handshake.
 */
async function startEstDemo(env: LocalEnvironment): Promise<DemoProvider> {
  const username = 'payments-client';
  const password = randomBytes(18).toString('base64url');
  const est = await startEstStandIn(env, { basicAuth: { username, password }, labels: ['payments'] });
  const credentialsSecretId = await createCredentialsSecret(env, 'mtls-credentials/est-enrollment', { username, password });
  let reported = 0;

  return {
    endpoint: `EST server             ${est.url} (CA label "payments")`,
    rotationOverrides: {
      provider: { type: 'est', url: est.url, label: 'payments', caCertificates: env.pki.serverRoot.certificatePem, credentialsSecretId },
    },
    takeRequestLines: () => {
      const lines = est.requests.slice(reported).map(describeEstRequest);
      reported = est.requests.length;

      return lines;
    },
    supersededLines: (previousSerial) => {
      const reenrollment = est.requests.findLast((request) => request.operation === 'simplereenroll');
      const authenticated = reenrollment?.clientCertificate?.serialNumber === previousSerial.toUpperCase() && reenrollment.clientCertificate.authorized;

      return [`the EST server authenticated simplereenroll with that certificate: ${authenticated ? 'yes' : 'NO'}`];
    },
    badDay: {
      heading: "the EST server's client-certificate trust store was replaced, so it rejects re-enrollment with HTTP 401",
      begin: () =>
        est.setResponder((request) =>
          request.operation === 'simplereenroll'
            ? { status: 401, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'client certificate not accepted: UNABLE_TO_GET_ISSUER_CERT_LOCALLY\n' }
            : undefined,
        ),
      end: () => est.setResponder(undefined),
    },
    close: () => est.close(),
  };
}

function describeEstRequest(request: EstRecordedRequest): string {
  let credential = '';
  if (request.basicUsername !== undefined) credential = ` with HTTP Basic user ${request.basicUsername}`;
  else if (request.clientCertificate !== undefined) credential = ` with client certificate serial ${request.clientCertificate.serialNumber}`;

  return `${request.method} ${request.path}${credential} -> HTTP ${request.status ?? 'no response'}`;
}

/** Starts a CA with its own JSON API and a bearer token, as in the README's `http` example. */
async function startHttpDemo(env: LocalEnvironment): Promise<DemoProvider> {
  const token = randomBytes(24).toString('base64url');
  const ca = await startHttpCaStandIn(env, { auth: { type: 'bearer', token } });
  const credentialsSecretId = await createCredentialsSecret(env, 'mtls-credentials/pki-token', { token });
  let reported = 0;

  return {
    endpoint: `CA with a REST API     ${ca.jsonUrl}`,
    rotationOverrides: {
      provider: {
        type: 'http',
        url: ca.jsonUrl,
        headers: { 'X-Partner-Id': '42' },
        body: '{"csr": "{{csrPemJson}}", "profile": "mtls-client"}',
        response: { format: 'json', certificatePath: 'data.certificate', chainPath: 'data.chain' },
        auth: { type: 'bearer', credentialsSecretId },
        caCertificates: env.pki.serverRoot.certificatePem,
      },
    },
    takeRequestLines: () => {
      const lines = ca.requests.slice(reported).map((request) => {
        const credential = request.identity === undefined ? '' : ` with ${request.identity}`;

        return `${request.method} ${request.path}${credential} -> HTTP ${request.status ?? 'no response'}`;
      });
      reported = ca.requests.length;

      return lines;
    },
    supersededLines: () => [],
    badDay: {
      heading: "the CA is down for maintenance: its load balancer answers every request with HTTP 503 and an HTML page",
      begin: () =>
        ca.setResponder(() => ({
          status: 503,
          headers: { 'Content-Type': 'text/html; charset=utf-8' },
          body: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>Scheduled maintenance</h1></body></html>',
        })),
      end: () => ca.setResponder(undefined),
    },
    close: () => ca.close(),
  };
}
