import { randomUUID } from 'node:crypto';

import { RotationStep } from './emulator-types.js';
import type { RotationRunner } from './rotation-runner.js';
import type { SecretStore, StoredSecret } from './secret-store.js';
import { addVersion, attachStage, deleteVersion, findVersionWithStage, VersionStage } from './secret-store.js';
import { cancelRotateSecretInput, parseInput, rotateSecretInput } from './secrets-manager-input.js';
import { invalidRequest, resourceExists } from './service-error.js';

const ALL_STEPS = [RotationStep.createSecret, RotationStep.setSecret, RotationStep.testSecret, RotationStep.finishSecret] as const;
const TEST_ONLY_STEPS = [RotationStep.testSecret] as const;

/** RotateSecret and CancelRotateSecret, which start and stop the rotation handler's work. */
export class SecretRotationApi {
  constructor(
    private readonly store: SecretStore,
    private readonly runner: RotationRunner,
  ) {}

  /**
   * Stores the rotation configuration and starts a rotation in the background.
   * With RotateImmediately false, Secrets Manager only tests the configuration: it
   * invokes testSecret against a temporary AWSPENDING copy of AWSCURRENT and then
   * removes that version (RotateSecret API reference, RotateImmediately).
   */
  rotateSecret(body: unknown) {
    const input = parseInput(rotateSecretInput, body);
    const secret = this.store.findActive(input.SecretId);
    const rotationLambdaArn = input.RotationLambdaARN ?? secret.rotationLambdaArn;
    if (rotationLambdaArn === undefined) {
      throw invalidRequest(`No Lambda rotation function ARN is associated with secret ${secret.name}: set RotationLambdaARN.`);
    }
    if (!this.runner.hasHandler()) {
      throw invalidRequest('Secrets Manager cannot invoke the rotation function: no rotation handler is set on the emulator, call setRotationHandler() first.');
    }

    const token = input.ClientRequestToken ?? randomUUID();
    // The SDK resends the same ClientRequestToken when it retries a call, so an
    // AWSPENDING version under that token means this rotation already started.
    const existing = secret.versions.get(token);
    if (existing?.stages.has(VersionStage.pending) === true) {
      return { ARN: secret.arn, Name: secret.name, VersionId: token };
    }
    if (existing !== undefined) {
      throw resourceExists(`Version ${token} of secret ${secret.name} already exists: start the rotation with a new ClientRequestToken.`);
    }
    const pending = findVersionWithStage(secret, VersionStage.pending);
    if (pending !== undefined && pending !== findVersionWithStage(secret, VersionStage.current)) {
      throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
    }

    secret.rotationEnabled = true;
    secret.rotationLambdaArn = rotationLambdaArn;
    if (input.RotationRules !== undefined) {
      secret.rotationRules = input.RotationRules;
    }

    const rotateImmediately = input.RotateImmediately ?? true;
    if (rotateImmediately) {
      this.startRotation(secret, token, rotationLambdaArn);
    } else {
      this.startConfigurationTest(secret, token, rotationLambdaArn);
    }

    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  /**
   * Turns rotation off. Like the real service, it leaves AWSPENDING where it is and
   * returns that version's id, so the caller can clean it up.
   */
  cancelRotateSecret(body: unknown) {
    const input = parseInput(cancelRotateSecretInput, body);
    const secret = this.store.findActive(input.SecretId);
    secret.rotationEnabled = false;
    const pending = findVersionWithStage(secret, VersionStage.pending);
    const unfinished = pending !== undefined && pending !== findVersionWithStage(secret, VersionStage.current) ? pending : undefined;

    return { ARN: secret.arn, Name: secret.name, VersionId: unfinished?.versionId };
  }

  /** Creates the value-less AWSPENDING placeholder that createSecret fills, then runs all four steps. */
  private startRotation(secret: StoredSecret, token: string, rotationLambdaArn: string): void {
    addVersion(secret, token, undefined);
    attachStage(secret, VersionStage.pending, token);

    this.runner.start({
      secretArn: secret.arn,
      token,
      rotateImmediately: true,
      rotationLambdaArn,
      steps: ALL_STEPS,
      onSettled: (succeeded) => {
        if (succeeded && secret.versions.get(token)?.stages.has(VersionStage.current) === true) {
          secret.lastRotatedDate = new Date();
        }
      },
    });
  }

  private startConfigurationTest(secret: StoredSecret, token: string, rotationLambdaArn: string): void {
    addVersion(secret, token, findVersionWithStage(secret, VersionStage.current)?.value);
    attachStage(secret, VersionStage.pending, token);

    this.runner.start({
      secretArn: secret.arn,
      token,
      rotateImmediately: false,
      rotationLambdaArn,
      steps: TEST_ONLY_STEPS,
      onSettled: () => {
        deleteVersion(secret, token);
      },
    });
  }
}
