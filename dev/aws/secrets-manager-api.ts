import { randomUUID } from 'node:crypto';

import type { SecretStore, SecretVersion, StoredSecret } from './secret-store.js';
import { addVersion, attachStage, detachStage, findVersionWithStage, getVersion, isSameValue, VersionStage, versionIdsToStages } from './secret-store.js';
import type { SecretRotationApi } from './secret-rotation-api.js';
import {
  createSecretInput,
  deleteSecretInput,
  describeSecretInput,
  getSecretValueInput,
  listSecretsInput,
  listSecretVersionIdsInput,
  parseInput,
  putSecretValueInput,
  updateSecretVersionStageInput,
} from './secrets-manager-input.js';
import { formatSecretMetadata, formatValue, formatVersionEntry, optionalValue, requireOneValue, toEpochSeconds } from './secret-value-format.js';
import { AwsServiceError, invalidParameter, invalidRequest, resourceExists, resourceNotFound } from './service-error.js';

const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

type Operation = (body: unknown) => unknown;

/**
 * The Secrets Manager operations, each taking the parsed awsJson1_1 request body and
 * returning the response body. Failures are thrown as AwsServiceError.
 */
export class SecretsManagerApi {
  private readonly operations: Record<string, Operation>;

  constructor(
    private readonly store: SecretStore,
    rotationApi: SecretRotationApi,
  ) {
    this.operations = {
      CreateSecret: (body) => this.createSecret(body),
      DescribeSecret: (body) => this.describeSecret(body),
      GetSecretValue: (body) => this.getSecretValue(body),
      PutSecretValue: (body) => this.putSecretValue(body),
      UpdateSecretVersionStage: (body) => this.updateSecretVersionStage(body),
      ListSecretVersionIds: (body) => this.listSecretVersionIds(body),
      DeleteSecret: (body) => this.deleteSecret(body),
      ListSecrets: (body) => this.listSecrets(body),
      RotateSecret: (body) => rotationApi.rotateSecret(body),
      CancelRotateSecret: (body) => rotationApi.cancelRotateSecret(body),
    };
  }

  invoke(operation: string, body: unknown): unknown {
    const handler = this.operations[operation];
    if (handler === undefined) {
      throw new AwsServiceError('UnknownOperationException', `The emulator does not implement secretsmanager.${operation}.`);
    }

    return handler(body);
  }

  private createSecret(body: unknown) {
    const input = parseInput(createSecretInput, body);
    const value = optionalValue(input);
    const secret = this.store.create(input.Name, { description: input.Description, tags: input.Tags });

    let versionId: string | undefined;
    if (value !== undefined) {
      versionId = input.ClientRequestToken ?? randomUUID();
      addVersion(secret, versionId, value);
      attachStage(secret, VersionStage.current, versionId);
    }

    return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
  }

  private describeSecret(body: unknown) {
    const input = parseInput(describeSecretInput, body);
    const secret = this.store.find(input.SecretId);

    return { ...formatSecretMetadata(secret), VersionIdsToStages: versionIdsToStages(secret) };
  }

  private getSecretValue(body: unknown) {
    const input = parseInput(getSecretValueInput, body);
    const secret = this.store.findActive(input.SecretId);
    const version = selectVersion(secret, input.VersionId, input.VersionStage);
    if (version.value === undefined) {
      // The placeholder of a rotation whose createSecret step has not stored a value yet.
      throw resourceNotFound(`Secrets Manager can't find the specified secret value for VersionId: ${version.versionId}`);
    }

    const accessDate = startOfUtcDay(new Date());
    version.lastAccessedDate = accessDate;
    secret.lastAccessedDate = accessDate;

    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...formatValue(version.value),
      VersionStages: [...version.stages],
      CreatedDate: toEpochSeconds(version.createdDate),
    };
  }

  /**
   * Stores a new version, or repeats an earlier call: ClientRequestToken is the
   * idempotency key, so the same token with the same value changes nothing, and with a
   * different value fails. A rotation placeholder under that token receives the value.
   */
  private putSecretValue(body: unknown) {
    const input = parseInput(putSecretValueInput, body);
    const value = requireOneValue(input);
    const secret = this.store.findActive(input.SecretId);
    const token = input.ClientRequestToken;
    const existing = secret.versions.get(token);

    if (existing !== undefined && existing.value !== undefined) {
      if (!isSameValue(existing.value, value)) {
        throw resourceExists(
          `Version ${token} of secret ${secret.name} already exists with a different value: a version can't be modified, so put the new value with a new ClientRequestToken.`,
        );
      }

      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
    }

    const isFirstVersion = findVersionWithStage(secret, VersionStage.current) === undefined;
    const version = existing ?? addVersion(secret, token, value);
    version.value = value;
    secret.lastChangedDate = new Date();

    const stages = new Set(input.VersionStages ?? [VersionStage.current]);
    if (isFirstVersion) {
      stages.add(VersionStage.current);
    }
    for (const stage of stages) {
      attachStage(secret, stage, token);
    }

    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...version.stages] };
  }

  /**
   * Moves or removes one staging label. Moving a label that is attached to another
   * version requires RemoveFromVersionId to name that version, so a caller cannot
   * take a label it did not expect to be elsewhere.
   */
  private updateSecretVersionStage(body: unknown) {
    const input = parseInput(updateSecretVersionStageInput, body);
    const secret = this.store.findActive(input.SecretId);
    const stage = input.VersionStage;
    const holder = findVersionWithStage(secret, stage);
    const { MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = input;

    if (removeFrom !== undefined && holder?.versionId !== removeFrom) {
      throw invalidParameter(
        `The staging label ${stage} is not attached to version ${removeFrom} of secret ${secret.name}` +
          (holder === undefined ? '.' : `: it is attached to version ${holder.versionId}.`),
      );
    }

    if (moveTo === undefined) {
      if (removeFrom === undefined) {
        throw invalidParameter('Specify MoveToVersionId, RemoveFromVersionId or both.');
      }
      // NOTE: an assumption. The emulator keeps AWSCURRENT on a version once one exists,
      // but the API reference does not say whether AWS rejects this request.
      if (stage === VersionStage.current) {
        throw invalidParameter(`You can't remove the staging label ${stage} without moving it to another version: set MoveToVersionId.`);
      }
      detachStage(secret, stage, removeFrom);

      return { ARN: secret.arn, Name: secret.name };
    }

    getVersion(secret, moveTo);
    if (holder !== undefined && holder.versionId !== moveTo && removeFrom === undefined) {
      throw invalidParameter(
        `The staging label ${stage} is attached to version ${holder.versionId} of secret ${secret.name}: set RemoveFromVersionId to ${holder.versionId} to move it.`,
      );
    }
    attachStage(secret, stage, moveTo);

    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecretVersionIds(body: unknown) {
    const input = parseInput(listSecretVersionIdsInput, body);
    const secret = this.store.findActive(input.SecretId);
    const versions = [...secret.versions.values()].filter((version) => input.IncludeDeprecated === true || version.stages.size > 0);

    return { ARN: secret.arn, Name: secret.name, Versions: versions.map(formatVersionEntry) };
  }

  private deleteSecret(body: unknown) {
    const input = parseInput(deleteSecretInput, body);
    const secret = this.store.find(input.SecretId);

    if (input.ForceDeleteWithoutRecovery === true) {
      if (input.RecoveryWindowInDays !== undefined) {
        throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      this.store.remove(secret);

      return { ARN: secret.arn, Name: secret.name, DeletionDate: toEpochSeconds(new Date()) };
    }

    if (secret.deletedDate !== undefined) {
      throw invalidRequest(`You can't delete secret ${secret.name} because it is already scheduled for deletion.`);
    }
    secret.deletedDate = new Date();
    const deletionDate = new Date(secret.deletedDate.getTime() + (input.RecoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS) * DAY_MS);

    return { ARN: secret.arn, Name: secret.name, DeletionDate: toEpochSeconds(deletionDate) };
  }

  /** Lists secrets without pagination. Only the 'name' filter (prefix match) is implemented. */
  private listSecrets(body: unknown) {
    const input = parseInput(listSecretsInput, body);
    const namePrefixes: string[] = [];
    for (const filter of input.Filters ?? []) {
      if (filter.Key !== 'name') {
        throw invalidParameter(`The emulator implements only the 'name' filter of ListSecrets, not '${filter.Key}'.`);
      }
      namePrefixes.push(...(filter.Values ?? []));
    }

    const secrets = this.store
      .list()
      .filter((secret) => input.IncludePlannedDeletion === true || secret.deletedDate === undefined)
      .filter((secret) => namePrefixes.length === 0 || namePrefixes.some((prefix) => secret.name.startsWith(prefix)));

    return {
      SecretList: secrets.map((secret) => ({ ...formatSecretMetadata(secret), SecretVersionsToStages: versionIdsToStages(secret) })),
    };
  }
}

/** Picks the version GetSecretValue reads: by id, by staging label (default AWSCURRENT), or both if they agree. */
function selectVersion(secret: StoredSecret, versionId: string | undefined, versionStage: string | undefined): SecretVersion {
  if (versionId !== undefined) {
    const version = getVersion(secret, versionId);
    if (versionStage !== undefined && !version.stages.has(versionStage)) {
      throw resourceNotFound(
        `Secrets Manager can't find the specified secret value for VersionId: ${versionId} and staging label: ${versionStage}`,
      );
    }

    return version;
  }

  const stage = versionStage ?? VersionStage.current;
  const version = findVersionWithStage(secret, stage);
  if (version === undefined) {
    throw resourceNotFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
  }

  return version;
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}
