import { expect } from 'vitest';
import type { RotationRecord } from '../../dev/aws/emulator.js';
import type { LocalEnvironment } from '../../dev/local-environment.js';

// The start-up helpers live in dev/ because the demo starts the same stand-ins.
export { createCredentialsSecret, startEstStandIn, startHttpCaStandIn, startRegistrationStandIn } from '../../dev/provider-stand-ins.js';

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
