import { X509Certificate } from 'node:crypto';
import { GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { expect } from 'vitest';
import type { RotationRecord, RotationStepOutcome } from '../../dev/aws/emulator.js';
import type { LocalEnvironment } from '../../dev/local-environment.js';
import { registerPrivateKey } from './key-material.js';

/** A secret version as stored: its id and its value as text, whether it was SecretString or SecretBinary. */
export interface StoredValue {
  versionId: string;
  text: string;
  binary: boolean;
}

/** Everything a test checks after a rotation that ran against a prepared provider or secret. */
export interface RotationOutcome {
  arn: string;
  record: RotationRecord;
  /** The first failed step, when one failed. */
  failed: RotationStepOutcome | undefined;
  currentBefore: StoredValue;
  currentAfter: StoredValue;
  /** Sign requests the CA received during the rotation. */
  signRequests: number;
  /** The CertificateRotated or CertificateRotationFailed notice of the rotation, parsed. */
  notice: Record<string, unknown> | undefined;
}

/** Reads a version as stored, registering any private key it holds with the leak guard. */
export async function readStored(env: LocalEnvironment, arn: string, selector: { stage?: string; versionId?: string }): Promise<StoredValue> {
  const output = await env.secretsManager.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: selector.stage, VersionId: selector.versionId }));
  const binary = output.SecretString === undefined;
  const text = output.SecretString ?? Buffer.from(output.SecretBinary ?? new Uint8Array()).toString('utf8');
  const privateKey = (JSON.parse(text.replace(/^\uFEFF/, '') || '{}') as { privateKey?: unknown }).privateKey;
  if (typeof privateKey === 'string') registerPrivateKey(privateKey);

  return { versionId: output.VersionId ?? '', text, binary };
}

function signRequestCount(env: LocalEnvironment): number {
  return env.cfssl.requests.filter((request) => request.path.endsWith('/sign')).length;
}

/**
 * Creates secret `name` with `overrides` in its rotation block, gives it a first certificate with
 * the CA behaving, runs `prepare` (which may change the CA's responder or the stored value), and
 * rotates once more.
 */
export async function rotateAfterFirstCertificate(
  env: LocalEnvironment,
  name: string,
  overrides: Record<string, unknown> = {},
  prepare?: (arn: string) => void | Promise<void>,
): Promise<RotationOutcome> {
  const arn = await env.createBootstrapSecret(name, overrides);
  const first = await env.rotateSecret(arn);
  expect(first.steps.every((step) => step.ok), `first rotation of ${name}: ${JSON.stringify(first.steps)}`).toBe(true);
  await prepare?.(arn);
  const currentBefore = await readStored(env, arn, { stage: 'AWSCURRENT' });
  const signsBefore = signRequestCount(env);

  const record = await env.rotateSecret(arn);

  const notice = env.aws.snsMessages
    .map((message) => JSON.parse(message.message) as Record<string, unknown>)
    .find((body) => body.versionId === record.token && (body.event === 'CertificateRotated' || body.event === 'CertificateRotationFailed'));

  return {
    arn,
    record,
    failed: record.steps.find((step) => !step.ok),
    currentBefore,
    currentAfter: await readStored(env, arn, { stage: 'AWSCURRENT' }),
    signRequests: signRequestCount(env) - signsBefore,
    notice,
  };
}

/** Asserts that every step passed and the new version is AWSCURRENT; returns its document. */
export function expectRotated(outcome: RotationOutcome): Record<string, unknown> {
  expect(outcome.record.steps, JSON.stringify(outcome.record.steps)).toEqual(
    ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => ({ step, ok: true })),
  );
  expect(outcome.currentAfter.versionId).toBe(outcome.record.token);

  return JSON.parse(outcome.currentAfter.text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
}

/**
 * Asserts a clean failure of `step` with `errorName`: AWSCURRENT unchanged, and for a createSecret
 * failure no value stored for the rotation's version.
 */
export async function expectCleanFailure(env: LocalEnvironment, outcome: RotationOutcome, step: string, errorName: string): Promise<string> {
  expect(outcome.failed?.step, JSON.stringify(outcome.record.steps)).toBe(step);
  expect(outcome.failed?.error?.name, outcome.failed?.error?.message).toBe(errorName);
  expect(outcome.currentAfter).toEqual(outcome.currentBefore);
  if (step === 'createSecret') {
    const versions = await env.secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: outcome.arn, IncludeDeprecated: true }));
    expect(versions.Versions?.find((version) => version.VersionId === outcome.record.token)?.VersionStages).toEqual(['AWSPENDING']);
    await expect(readStored(env, outcome.arn, { versionId: outcome.record.token }), 'no value stored for the failed rotation').rejects.toThrow(
      /can't find the specified secret value/,
    );
  }
  expect(outcome.notice?.event).toBe('CertificateRotationFailed');

  return outcome.failed?.error?.message ?? '';
}

/** Parses every PEM certificate in `text`. */
export function certificatesIn(text: unknown): X509Certificate[] {
  return [...String(text).matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((match) => new X509Certificate(match[0]));
}
