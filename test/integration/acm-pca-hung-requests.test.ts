/*
 * An AWS Private CA endpoint on 127.0.0.1 that accepts a connection and never responds. The
 * provider must end with a retryable ProviderError within the time it was given, so the step can
 * still report the failure before Lambda stops it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/lib/errors.js';
import { AcmPcaProvider } from '../../src/lib/providers/acm-pca.js';
import type { AcmPcaProviderConfig } from '../../src/lib/providers/acm-pca-config.js';
import { newIssueRequest } from '../support/issue-request.js';
import { testProviderContext } from '../support/provider-context.js';

const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012';
const BLOCK: AcmPcaProviderConfig = { type: 'acm-pca', certificateAuthorityArn: CA_ARN, validityDays: 10, signingAlgorithm: 'SHA256WITHECDSA' };
// The SDK reads the endpoint and credentials from process.env, not from the provider's environment
// argument. Static credentials and AWS_EC2_METADATA_DISABLED keep it away from the metadata endpoint.
const SDK_ENVIRONMENT = { AWS_ACCESS_KEY_ID: 'local-test', AWS_SECRET_ACCESS_KEY: 'local-test', AWS_EC2_METADATA_DISABLED: 'true' };

let server: Server;
let hangIssueCertificate = false;
const calls = { IssueCertificate: 0, GetCertificate: 0 };
const hungResponses: ServerResponse[] = [];
const savedEnvironment: Record<string, string | undefined> = {};

beforeAll(async () => {
  // The SDK uses the awsJson1_1 protocol, which names the operation in X-Amz-Target.
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    request.resume();
    request.on('end', () => {
      if (target.endsWith('.IssueCertificate')) {
        calls.IssueCertificate += 1;
        if (hangIssueCertificate) {
          hungResponses.push(response);

          return;
        }
        response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ CertificateArn: `${CA_ARN}/certificate/0123456789abcdef0123456789abcdef` }));
      } else if (target.endsWith('.GetCertificate')) {
        calls.GetCertificate += 1;
        hungResponses.push(response);
      } else {
        response.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'ValidationException', message: `unexpected ${target}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  for (const [name, value] of Object.entries({ ...SDK_ENVIRONMENT, AWS_ENDPOINT_URL_ACM_PCA: endpoint })) {
    savedEnvironment[name] = process.env[name];
    process.env[name] = value;
  }
});
beforeEach(() => {
  hangIssueCertificate = false;
  calls.IssueCertificate = 0;
  calls.GetCertificate = 0;
});
afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnvironment)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  for (const response of hungResponses) response.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Issues with `budgetMs` left and returns the outcome and the time it took. */
async function issueWithin(budgetMs: number, environment: NodeJS.ProcessEnv = process.env): Promise<{ outcome: unknown; elapsedMs: number }> {
  const provider = new AcmPcaProvider(BLOCK, environment);
  const started = Date.now();
  const deadline = started + budgetMs;
  const context = { ...testProviderContext(), remainingTimeMs: () => deadline - Date.now() };
  const { request } = await newIssueRequest(BLOCK as unknown as Record<string, unknown>, context);

  const outcome = await provider.issue(request).then(
    () => 'issued',
    (error: unknown) => error,
  );

  return { outcome, elapsedMs: Date.now() - started };
}

describe('acm-pca hung requests', () => {
  it('single GetCertificate poll', { timeout: 20_000 }, async () => {
    // 2.9 s is enough for IssueCertificate (2 s minimum) but leaves the waiter less than its
    // one-second minimum, so the provider polls GetCertificate once.
    const { outcome, elapsedMs } = await issueWithin(2_900);

    expect(calls.GetCertificate, String(outcome)).toBe(1);
    expect(outcome).toBeInstanceOf(ProviderError);
    expect((outcome as ProviderError).retryable).toBe(true);
    expect((outcome as ProviderError).message).toContain("provider 'acm-pca' GetCertificate still returned RequestInProgressException");
    expect(elapsedMs).toBeLessThanOrEqual(2_900 + 200);
  });

  it('GetCertificate in the waiter', { timeout: 20_000 }, async () => {
    const { outcome, elapsedMs } = await issueWithin(4_500);

    expect(calls.GetCertificate, String(outcome)).toBeGreaterThan(0);
    expect(outcome).toBeInstanceOf(ProviderError);
    expect((outcome as ProviderError).retryable).toBe(true);
    expect(elapsedMs).toBeLessThanOrEqual(4_500 + 200);
  });

  it('IssueCertificate attempt times out', { timeout: 30_000 }, async () => {
    hangIssueCertificate = true;

    // Two attempts: each is cut off by the client's per-request timeout, well before the 15 s call limit.
    const { outcome, elapsedMs } = await issueWithin(25_000, { ...process.env, AWS_MAX_ATTEMPTS: '2' });

    expect(calls.IssueCertificate, String(outcome)).toBe(2);
    expect(outcome).toBeInstanceOf(ProviderError);
    expect((outcome as ProviderError).retryable).toBe(true);
    expect((outcome as ProviderError).context.operation).toBe('IssueCertificate');
    expect(elapsedMs).toBeLessThan(14_000);
  });
});
