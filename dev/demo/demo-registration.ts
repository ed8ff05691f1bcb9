import { randomBytes, X509Certificate } from 'node:crypto';
import type { LocalEnvironment } from '../local-environment.js';
import { createCredentialsSecret, startRegistrationStandIn } from '../provider-stand-ins.js';
import type { RegistrationRecordedRequest } from '../registration/registration-server.js';

/** The partner registration API that `--registration` adds, as in the README's `rotation.registration` example. */
export interface DemoRegistration {
  /** The API's entry in the list of local endpoints. */
  endpoint: string;
  /** Fields merged into the bootstrap secret's `rotation` block. */
  rotationOverrides: { registration: Record<string, unknown> };
  /** Returns one line per upload the partner received since the last call, naming the certificate's subject and serial. */
  takeUploadLines(): string[];
  close(): Promise<void>;
}

const API_KEY_HEADER = 'X-Api-Key';

/** Starts the registration stand-in beside `env`, with its API key in the credentials secret `mtls-credentials/partner-api-key`. */
export async function startDemoRegistration(env: LocalEnvironment): Promise<DemoRegistration> {
  const apiKey = randomBytes(24).toString('base64url');
  const partner = await startRegistrationStandIn(env, { auth: { type: 'header', headerName: API_KEY_HEADER, value: apiKey }, alreadyRegisteredStatus: 409 });
  const credentialsSecretId = await createCredentialsSecret(env, 'mtls-credentials/partner-api-key', { value: apiKey });
  let reported = 0;

  return {
    endpoint: `partner registration   ${partner.url}`,
    rotationOverrides: {
      registration: {
        url: partner.url,
        body: '{"certificate": "{{certificatePemJson}}", "chain": "{{chainPemJson}}", "fingerprint": "{{fingerprintSha256}}"}',
        auth: { type: 'header', credentialsSecretId, headerName: API_KEY_HEADER },
        alreadyRegisteredStatus: 409,
        caCertificates: env.pki.serverRoot.certificatePem,
      },
    },
    takeUploadLines: () => {
      const lines = partner.requests.slice(reported).map(describeUpload);
      reported = partner.requests.length;

      return lines;
    },
    close: () => partner.close(),
  };
}

/** Describes an upload by the certificate it carries; the body itself is never printed. */
function describeUpload(request: RegistrationRecordedRequest): string {
  const credential = request.identity === undefined ? '' : ` with ${request.identity}`;

  return `${request.method} ${request.path}${credential} -> HTTP ${request.status ?? 'no response'}: ${uploadedCertificate(request.body)}`;
}

function uploadedCertificate(body: string): string {
  let certificate: X509Certificate;
  try {
    const upload = JSON.parse(body) as { certificate?: unknown };
    if (typeof upload.certificate !== 'string') return 'the body has no "certificate" field';
    certificate = new X509Certificate(upload.certificate);
  } catch {
    return 'the body is not JSON with a PEM certificate';
  }

  return `subject ${certificate.subject.replaceAll('\n', ', ')}, serial ${certificate.serialNumber}`;
}
