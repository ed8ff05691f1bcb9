import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { expect } from 'vitest';
import { startEstServer, type EstServer, type EstServerOptions } from '../../dev/est/est-server.js';
import { startHttpCaServer, type HttpCaServer, type HttpCaServerOptions } from '../../dev/http-ca/http-ca-server.js';
import type { LocalEnvironment } from '../../dev/local-environment.js';
import { startRegistrationServer, type RegistrationServer, type RegistrationServerOptions } from '../../dev/registration/registration-server.js';
import type { RotationRecord } from '../../dev/aws/emulator.js';

/*
 * Stand-ins for the EST, REST and partner-registration endpoints, wired to a local environment's
 * PKI: the issuing CA is the environment's intermediate, the HTTPS certificate its loopback server
 * certificate, and client certificates are trusted up to its client root.
 */

/** Stores a JSON credentials secret in the environment's Secrets Manager and returns its ARN. */
export async function createCredentialsSecret(env: LocalEnvironment, name: string, value: Record<string, unknown>): Promise<string> {
  const created = await env.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));

  return created.ARN ?? name;
}

export function startEstStandIn(env: LocalEnvironment, options: Partial<EstServerOptions> = {}): Promise<EstServer> {
  return startEstServer({ issuer: env.pki.intermediate, tls: serverTls(env), clientCaPem: env.pki.root.certificatePem, ...options });
}

export function startHttpCaStandIn(env: LocalEnvironment, options: Partial<HttpCaServerOptions> = {}): Promise<HttpCaServer> {
  return startHttpCaServer({ issuer: env.pki.intermediate, tls: serverTls(env), clientCaPem: env.pki.root.certificatePem, ...options });
}

export function startRegistrationStandIn(env: LocalEnvironment, options: Partial<RegistrationServerOptions> = {}): Promise<RegistrationServer> {
  return startRegistrationServer({ tls: serverTls(env), clientCaPem: env.pki.root.certificatePem, ...options });
}

function serverTls(env: LocalEnvironment) {
  return { certificatePem: env.pki.server.certificateChainPem, privateKeyPem: env.pki.server.privateKeyPem };
}

/** The observable state around one rotation: stages and AWSCURRENT before and after, the new version's value. */
export interface ObservedRotation {
  record: RotationRecord;
  failed: RotationRecord['steps'][number] | undefined;
  stagesBefore: Record<string, string[]>;
  stagesAfter: Record<string, string[]>;
  currentBefore: Record<string, unknown>;
  currentAfter: Record<string, unknown>;
  /** The value stored under the rotation's token, or 'no value' when createSecret stored nothing. */
  pendingValue: Record<string, unknown> | 'no value';
}

/** Rotates `arn` once and records what changed, for tests of failing rotations. */
export async function observeRotation(env: LocalEnvironment, arn: string): Promise<ObservedRotation> {
  const stagesBefore = await env.versionStages(arn);
  const currentBefore = await env.readDocument(arn, { stage: 'AWSCURRENT' });

  const record = await env.rotateSecret(arn);

  return {
    record,
    failed: record.steps.find((step) => !step.ok),
    stagesBefore,
    stagesAfter: await env.versionStages(arn),
    currentBefore,
    currentAfter: await env.readDocument(arn, { stage: 'AWSCURRENT' }),
    pendingValue: await env.readDocument(arn, { versionId: record.token }).catch(() => 'no value' as const),
  };
}

export function currentVersionOf(stages: Record<string, string[]>): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
}

/** Asserts that a rotation changed nothing a consumer could see: AWSCURRENT is the same version with the same value. */
export function expectCurrentUnchanged(observed: ObservedRotation): void {
  expect(currentVersionOf(observed.stagesAfter)).toBe(currentVersionOf(observed.stagesBefore));
  expect(observed.currentAfter).toEqual(observed.currentBefore);
}

/** Returns the rotation notice of the failed step published to SNS, parsed. */
export function failureNotice(env: LocalEnvironment, token: string): Record<string, unknown> | undefined {
  return env.aws.snsMessages
    .map((message) => JSON.parse(message.message) as Record<string, unknown>)
    .find((body) => body.event === 'CertificateRotationFailed' && body.versionId === token);
}

/**
 * Returns the `error` of the "rotation step failed" log line of the rotation with `token`: name,
 * message, retryable and the error's context (provider, operation, status).
 */
export function loggedStepFailure(output: string, token: string): Record<string, unknown> | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('"rotation step failed"') || !line.includes(token)) continue;
    try {
      const entry = JSON.parse(line) as { message?: string; versionId?: string; error?: Record<string, unknown> };
      if (entry.message === 'rotation step failed' && entry.versionId === token) return entry.error;
    } catch {
      // Not a JSON log line; keep looking.
    }
  }

  return undefined;
}
