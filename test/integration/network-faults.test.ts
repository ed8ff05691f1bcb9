import { X509Certificate } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import type { RotationRecord } from '../../dev/aws/emulator.js';
import { canonicalSerialNumber } from '../../src/lib/certificates/summary.js';
import { createDefaultDependencies } from '../../src/lib/dependencies.js';
import type { RetryPolicy } from '../../src/lib/net/retry.js';
import { rotate } from '../../src/lib/rotation.js';
import { startFaultProxy, type FaultProxy, type ProxyFault } from '../support/fault-proxy.js';
import { capturedOutput } from '../support/leak-guard.js';

/*
 * Full rotations with a fault proxy between the rotation function and each thing it talks to: the
 * CA, the partner and the Secrets Manager and SNS endpoint. A fault that heals ends in a completed
 * rotation after retries; one that persists ends in a typed failure with AWSCURRENT unchanged.
 */

// Small delays and few attempts keep the persistent cases short; production uses DEFAULT_RETRY_POLICY.
const RETRY_POLICY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 2_000 };
const REQUEST_TIMEOUT_MS = 1_000;
const AWS_REQUEST_TIMEOUT_MS = 400;

type Target = 'ca' | 'partner' | 'aws';

let env: LocalEnvironment;
const proxies = {} as Record<Target, FaultProxy>;
let counter = 0;

beforeAll(async () => {
  env = await startLocalEnvironment();
  proxies.ca = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(env.cfssl.url).port) });
  proxies.partner = await startFaultProxy({ host: '127.0.0.1', port: env.partner.port });
  proxies.aws = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(env.aws.endpoint).port) });

  const dependencies = createDefaultDependencies(
    { ...process.env, AWS_ENDPOINT_URL: proxies.aws.urlFor(env.aws.endpoint), SNS_TOPIC_ARN: env.topicArn, AWS_MAX_ATTEMPTS: '2' },
    { awsRequestTimeoutMs: AWS_REQUEST_TIMEOUT_MS, retryPolicy: RETRY_POLICY },
  );
  env.aws.setRotationHandler((event, context) => rotate(event, context, dependencies));
});
afterEach(() => {
  for (const proxy of Object.values(proxies)) {
    proxy.setFault(undefined);
    proxy.closeConnections();
  }
});
afterAll(async () => {
  await env.close();
  await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
});

interface FaultedRotation {
  arn: string;
  record: RotationRecord;
  currentBefore: { versionId: string; value: string };
  currentAfter: { versionId: string; value: string };
  retriesLogged: number;
}

async function readCurrent(arn: string): Promise<{ versionId: string; value: string }> {
  const output = await env.secretsManager.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }));

  return { versionId: output.VersionId ?? '', value: output.SecretString ?? '' };
}

function retryLogCount(): number {
  return capturedOutput().split('"message":"retrying after a transient failure"').length - 1;
}

/** Issues a first certificate without faults, then rotates again with `fault` armed on `target`. */
async function rotateThrough(target: Target, fault: ProxyFault, connections?: number): Promise<FaultedRotation> {
  counter += 1;
  const arn = await env.createBootstrapSecret(`mtls/network-${counter}`, {
    provider: { type: 'cfssl', url: proxies.ca.urlFor(env.cfssl.signUrl), profile: 'client', allowInsecureHttp: true, timeoutMs: REQUEST_TIMEOUT_MS },
    handshake: { url: proxies.partner.urlFor(env.partner.url), caCertificates: env.pki.serverRoot.certificatePem, timeoutMs: REQUEST_TIMEOUT_MS },
  });
  const first = await env.rotateSecret(arn);
  expect(first.steps.every((step) => step.ok), JSON.stringify(first.steps)).toBe(true);
  const currentBefore = await readCurrent(arn);

  const retriesBefore = retryLogCount();
  proxies[target].closeConnections();
  proxies[target].setFault(fault, connections === undefined ? {} : { connections });
  const record = await env.rotateSecret(arn);
  proxies[target].setFault(undefined);

  return { arn, record, currentBefore, currentAfter: await readCurrent(arn), retriesLogged: retryLogCount() - retriesBefore };
}

async function expectCompleted(rotation: FaultedRotation): Promise<void> {
  expect(rotation.record.steps, JSON.stringify(rotation.record.steps)).toEqual(
    ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => ({ step, ok: true })),
  );
  expect(rotation.currentAfter.versionId).toBe(rotation.record.token);
  // Promoted only after the partner accepted this very certificate.
  const serial = canonicalSerialNumber(new X509Certificate(JSON.parse(rotation.currentAfter.value).certificate as string).serialNumber);
  expect(env.partner.requests.map((request) => canonicalSerialNumber(request.serialNumber))).toContain(serial);
}

async function expectCleanFailure(rotation: FaultedRotation, step: string, errorName: string): Promise<void> {
  const failed = rotation.record.steps.find((outcome) => !outcome.ok);
  expect(failed?.step, JSON.stringify(rotation.record.steps)).toBe(step);
  expect(failed?.error?.name).toBe(errorName);
  expect(rotation.currentAfter).toEqual(rotation.currentBefore);
  if (step === 'createSecret') {
    const pending = env.secretsManager.send(new GetSecretValueCommand({ SecretId: rotation.arn, VersionId: rotation.record.token }));
    await expect(pending, 'no value is stored for the failed rotation').rejects.toThrow(/can't find the specified secret value/);
  }
}

// Faults that heal after the first connection: each rotation completes after retries.
const TRANSIENT: [string, ProxyFault][] = [
  ['a drop', { kind: 'drop' }],
  ['a reset', { kind: 'reset' }],
  ['a cut after 100 bytes', { kind: 'cut', afterBytes: 100 }],
  ['a delay beyond the timeout', { kind: 'delay', ms: 1_500 }],
];

describe.each(['ca', 'partner', 'aws'] as const)('%s behind the proxy', (target) => {
  it('completes through a short delay without retries', async () => {
    const rotation = await rotateThrough(target, { kind: 'delay', ms: 100 });

    await expectCompleted(rotation);
    expect(rotation.retriesLogged).toBe(0);
  });

  it.each(TRANSIENT)('completes after %s on the first connection', async (_name, fault) => {
    const rotation = await rotateThrough(target, fault, 1);

    await expectCompleted(rotation);
    expect(proxies[target].stats.faulted[fault.kind]).toBeGreaterThan(0);
    // The SDK retries AWS calls itself and does not log them; the service logs its own HTTP retries.
    if (target !== 'aws') expect(rotation.retriesLogged).toBeGreaterThanOrEqual(1);
  });
});

describe('persistent faults', () => {
  it.each([
    ['drop', { kind: 'drop' }],
    ['reset', { kind: 'reset' }],
    ['cut', { kind: 'cut', afterBytes: 200 }],
  ] as [string, ProxyFault][])('CA %s fails createSecret cleanly', async (_name, fault) => {
    const rotation = await rotateThrough('ca', fault);

    await expectCleanFailure(rotation, 'createSecret', 'ProviderError');
    expect(rotation.retriesLogged).toBe(RETRY_POLICY.maxAttempts - 1);
  });

  it.each([
    ['drop', { kind: 'drop' }],
    ['reset', { kind: 'reset' }],
    ['cut', { kind: 'cut', afterBytes: 200 }],
  ] as [string, ProxyFault][])('partner %s fails testSecret cleanly', async (_name, fault) => {
    const rotation = await rotateThrough('partner', fault);

    await expectCleanFailure(rotation, 'testSecret', 'HandshakeError');
    expect(rotation.retriesLogged).toBe(RETRY_POLICY.maxAttempts - 1);
  });

  it.each([
    ['drop', { kind: 'drop' }],
    ['reset', { kind: 'reset' }],
  ] as [string, ProxyFault][])('AWS endpoint %s fails createSecret cleanly', async (_name, fault) => {
    const rotation = await rotateThrough('aws', fault);

    await expectCleanFailure(rotation, 'createSecret', 'AwsCallError');
  });

  it('AWS endpoint that cuts every connection after 20 kB still completes', async () => {
    // Each connection carries several requests before it is cut, so the cut lands in the middle of
    // different calls, PutSecretValue and UpdateSecretVersionStage among them, and the SDK retries them.
    const cutsBefore = proxies.aws.stats.cutsMade;

    const rotation = await rotateThrough('aws', { kind: 'cut', afterBytes: 20_000 });

    await expectCompleted(rotation);
    expect(proxies.aws.stats.cutsMade - cutsBefore).toBeGreaterThan(0);
  });
});
