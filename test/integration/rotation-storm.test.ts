import { X509Certificate } from 'node:crypto';
import { GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RotationRecord } from '../../dev/aws/emulator.js';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { x509 } from '../../dev/pki/x509-provider.js';
import { canonicalSerialNumber } from '../../src/lib/certificates/summary.js';
import type { RetryPolicy } from '../../src/lib/net/retry.js';
import { capturedOutput } from '../support/leak-guard.js';

/*
 * 200 secrets rotate at once against a CA that throttles with 429 and Retry-After, and that
 * sometimes fails with 5xx. A few secrets meet a CA that fails every time. Every rotation must
 * complete or fail cleanly: one certificate issued per rotation, AWSCURRENT untouched on failure,
 * and nothing promoted that the partner has not accepted.
 */

const SECRET_COUNT = 200;
// Secrets whose sign requests always fail, so the storm also exercises clean failure.
const ALWAYS_FAILING = new Set([7, 77, 177]);
// The CA lets through bursts of up to SIGN_REQUEST_BURST sign requests and SIGN_REQUESTS_PER_SECOND
// on average, and rejects the rest with 429.
const SIGN_REQUEST_BURST = 10;
const SIGN_REQUESTS_PER_SECOND = 30;
// Short Retry-After and backoff keep the run in CI time; production defaults wait longer.
const STORM_RETRY_POLICY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 400, maxRetryAfterMs: 2_000 };

interface CaTally {
  signRequests: number;
  throttled: number;
  serverErrors: number;
  /** Sign requests passed through to the CA, which issued a certificate for each, by commonName. */
  issuedByCommonName: Map<string, number>;
  /** Sign requests of any outcome, by CSR. */
  requestsByCsr: Map<string, number>;
}

let env: LocalEnvironment;
const tally: CaTally = { signRequests: 0, throttled: 0, serverErrors: 0, issuedByCommonName: new Map(), requestsByCsr: new Map() };

function commonNameOf(index: number): string {
  return `storm-${index}.example.test`;
}

/** Creates a token bucket of SIGN_REQUEST_BURST tokens that refills continuously at SIGN_REQUESTS_PER_SECOND. */
function createThrottle(): () => boolean {
  let tokens = SIGN_REQUEST_BURST;
  let last = Date.now();

  return () => {
    const now = Date.now();
    tokens = Math.min(SIGN_REQUEST_BURST, tokens + ((now - last) / 1000) * SIGN_REQUESTS_PER_SECOND);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;

    return true;
  };
}

/** Counts how many CSRs needed each number of attempts, e.g. {"1": 120, "2": 50}. */
function histogram(values: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;

  return counts;
}

function cfsslFailure(status: number, message: string, headers: Record<string, string> = {}) {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ success: false, result: null, errors: [{ code: status, message }], messages: [] }),
  };
}

beforeAll(async () => {
  // Info lines of 800 steps would drown the output; warnings, retries among them, stay visible.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
  env = await startLocalEnvironment({ dependencyOptions: { retryPolicy: STORM_RETRY_POLICY } });

  const admit = createThrottle();
  let infoRequests = 0;
  env.cfssl.setResponder(async (path, body) => {
    if (path.endsWith('/info')) {
      infoRequests += 1;
      if (infoRequests % 17 === 0) {
        tally.serverErrors += 1;

        return cfsslFailure(502, 'bad gateway');
      }

      return undefined;
    }

    tally.signRequests += 1;
    const csr = (body as { certificate_request: string }).certificate_request;
    tally.requestsByCsr.set(csr, (tally.requestsByCsr.get(csr) ?? 0) + 1);
    const commonName = new x509.Pkcs10CertificateRequest(csr).subjectName.getField('CN')[0] ?? '';
    const index = Number(/^storm-(\d+)\./.exec(commonName)?.[1]);

    if (ALWAYS_FAILING.has(index) || tally.signRequests % 13 === 0) {
      tally.serverErrors += 1;

      return cfsslFailure(503, 'signer unavailable');
    }
    if (!admit()) {
      tally.throttled += 1;
      // Alternates between the two forms RFC 9110 allows: delay-seconds and an HTTP-date.
      const retryAfter = tally.throttled % 2 === 0 ? '1' : new Date(Date.now() + 1_000).toUTCString();

      return cfsslFailure(429, 'too many requests', { 'Retry-After': retryAfter });
    }
    tally.issuedByCommonName.set(commonName, (tally.issuedByCommonName.get(commonName) ?? 0) + 1);

    return undefined;
  });
});
afterAll(async () => {
  await env?.close();
  vi.unstubAllEnvs();
});

describe('rotation storm', () => {
  it('rotates 200 secrets against a throttling CA', { timeout: 120_000 }, async () => {
    // Prepare
    const arns: string[] = [];
    for (let index = 0; index < SECRET_COUNT; index += 1) {
      arns.push(await env.createBootstrapSecret(`mtls/storm-${index}`, { subject: { commonName: commonNameOf(index) }, subjectAltNames: { dns: [commonNameOf(index)] } }));
    }
    const retriesBefore = capturedOutput().split('"message":"retrying after a transient failure"').length;
    const started = Date.now();

    // Act
    const records: RotationRecord[] = await Promise.all(arns.map((arn) => env.rotateSecret(arn)));
    const durationMs = Date.now() - started;

    // Assess
    const retriesLogged = capturedOutput().split('"message":"retrying after a transient failure"').length - retriesBefore;
    const completed = records.filter((record) => record.steps.length === 4 && record.steps.every((step) => step.ok));
    const failed = records.filter((record) => record.steps.some((step) => !step.ok));
    const attemptsPerCsr = [...tally.requestsByCsr.values()];
    const failingCsrs = ALWAYS_FAILING.size;
    console.log(
      `rotation storm: ${SECRET_COUNT} secrets in ${(durationMs / 1000).toFixed(1)} s: ${completed.length} completed, ${failed.length} failed cleanly; ` +
        `${tally.signRequests} CA sign requests, ${tally.throttled} answered 429 with Retry-After, ${tally.serverErrors} answered 5xx; ` +
        `${retriesLogged} retries logged; sign attempts per CSR: max ${Math.max(...attemptsPerCsr)} ` +
        `(${STORM_RETRY_POLICY.maxAttempts} for each of the ${failingCsrs} always failing), mean ${(tally.signRequests / attemptsPerCsr.length).toFixed(2)}, ` +
        `histogram ${JSON.stringify(histogram(attemptsPerCsr))}`,
    );

    expect(completed.length + failed.length).toBe(SECRET_COUNT);
    expect(failed.map((record) => arns.indexOf(record.secretArn)).sort((a, b) => a - b)).toEqual([...ALWAYS_FAILING]);
    expect(tally.throttled, 'the CA throttled').toBeGreaterThan(0);
    expect(retriesLogged, 'every retry is logged').toBeGreaterThanOrEqual(tally.throttled + tally.serverErrors - failed.length);

    const partnerSerials = new Set(env.partner.requests.map((request) => canonicalSerialNumber(request.serialNumber)));
    for (const [index, record] of records.entries()) {
      const commonName = commonNameOf(index);
      const versions = await env.secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: record.secretArn, IncludeDeprecated: true }));
      // The bootstrap version and this rotation's version, whatever happened.
      expect(versions.Versions?.length, `${commonName} stored versions`).toBe(2);

      if (ALWAYS_FAILING.has(index)) {
        expect(record.steps[0], commonName).toMatchObject({ step: 'createSecret', ok: false, error: { name: 'ProviderError' } });
        expect(tally.issuedByCommonName.get(commonName) ?? 0, `${commonName} certificates issued`).toBe(0);
        const current = await env.readDocument(record.secretArn, { stage: 'AWSCURRENT' });
        expect(current.certificate, `${commonName} AWSCURRENT stays the bootstrap value`).toBeUndefined();
        await expect(env.secretsManager.send(new GetSecretValueCommand({ SecretId: record.secretArn, VersionId: record.token }))).rejects.toThrow(
          /can't find the specified secret value/,
        );
        continue;
      }

      expect(tally.issuedByCommonName.get(commonName), `${commonName} certificates issued`).toBe(1);
      const current = await env.readDocument(record.secretArn, { versionId: record.token, stage: 'AWSCURRENT' });
      const serial = canonicalSerialNumber(new X509Certificate(current.certificate as string).serialNumber);
      expect(partnerSerials.has(serial), `${commonName} AWSCURRENT passed testSecret`).toBe(true);
    }
  });
});
