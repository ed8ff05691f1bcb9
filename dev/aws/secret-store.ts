import { randomInt } from 'node:crypto';

import { invalidParameter, invalidRequest, resourceExists, resourceNotFound } from './service-error.js';

export const VersionStage = {
  current: 'AWSCURRENT',
  previous: 'AWSPREVIOUS',
  pending: 'AWSPENDING',
} as const;

/** A version's value: exactly one of text or bytes, as the API allows. */
export type SecretValue = { readonly secretString: string } | { readonly secretBinary: Buffer };

export interface SecretVersion {
  readonly versionId: string;
  /** Undefined for the placeholder that RotateSecret creates before createSecret stores a value. */
  value: SecretValue | undefined;
  readonly stages: Set<string>;
  readonly createdDate: Date;
  lastAccessedDate?: Date;
}

export interface RotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

export interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  description?: string;
  tags: { Key: string; Value: string }[];
  readonly createdDate: Date;
  lastChangedDate: Date;
  lastAccessedDate?: Date;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  lastRotatedDate?: Date;
  /** Set while the secret waits out its recovery window after DeleteSecret. */
  deletedDate?: Date;
  readonly versions: Map<string, SecretVersion>;
}

const ARN_SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ARN_SUFFIX_LENGTH = 6;

/**
 * Secrets by name, with the lookups every operation shares. SecretId accepts the
 * name or the full ARN. Partial ARNs are not supported.
 */
export class SecretStore {
  private readonly secretsByName = new Map<string, StoredSecret>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  create(name: string, fields: { description?: string; tags?: { Key: string; Value: string }[] }): StoredSecret {
    const existing = this.secretsByName.get(name);
    if (existing?.deletedDate !== undefined) {
      throw invalidRequest(`You can't create this secret because a secret with the name ${name} is already scheduled for deletion.`);
    }
    if (existing !== undefined) {
      throw resourceExists(`The operation failed because the secret ${name} already exists.`);
    }

    const now = new Date();
    const secret: StoredSecret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${randomArnSuffix()}`,
      name,
      tags: fields.tags ?? [],
      createdDate: now,
      lastChangedDate: now,
      rotationEnabled: false,
      versions: new Map(),
    };
    if (fields.description !== undefined) {
      secret.description = fields.description;
    }
    this.secretsByName.set(name, secret);

    return secret;
  }

  /** Finds a secret by name or ARN, including one scheduled for deletion. */
  find(secretId: string): StoredSecret {
    const byName = this.secretsByName.get(secretId);
    if (byName !== undefined) {
      return byName;
    }
    for (const secret of this.secretsByName.values()) {
      if (secret.arn === secretId) {
        return secret;
      }
    }

    throw resourceNotFound();
  }

  /** Finds a secret that is not scheduled for deletion, as every write and read of a value requires. */
  findActive(secretId: string): StoredSecret {
    const secret = this.find(secretId);
    if (secret.deletedDate !== undefined) {
      throw invalidRequest(`You can't perform this operation on the secret ${secret.name} because it was marked for deletion.`);
    }

    return secret;
  }

  list(): StoredSecret[] {
    return [...this.secretsByName.values()];
  }

  remove(secret: StoredSecret): void {
    this.secretsByName.delete(secret.name);
  }
}

function randomArnSuffix(): string {
  let suffix = '';
  for (let i = 0; i < ARN_SUFFIX_LENGTH; i++) {
    suffix += ARN_SUFFIX_ALPHABET[randomInt(ARN_SUFFIX_ALPHABET.length)];
  }

  return suffix;
}

export function findVersionWithStage(secret: StoredSecret, stage: string): SecretVersion | undefined {
  for (const version of secret.versions.values()) {
    if (version.stages.has(stage)) {
      return version;
    }
  }

  return undefined;
}

export function getVersion(secret: StoredSecret, versionId: string): SecretVersion {
  const version = secret.versions.get(versionId);
  if (version === undefined) {
    throw resourceNotFound(`Secrets Manager can't find the specified secret version: ${versionId} of secret ${secret.name}.`);
  }

  return version;
}

export function addVersion(secret: StoredSecret, versionId: string, value: SecretValue | undefined): SecretVersion {
  const version: SecretVersion = { versionId, value, stages: new Set(), createdDate: new Date() };
  secret.versions.set(versionId, version);
  secret.lastChangedDate = version.createdDate;

  return version;
}

/**
 * Attaches `stage` to the version, taking it off whichever version held it, because a
 * staging label is on at most one version. Moving AWSCURRENT also moves AWSPREVIOUS
 * to the version that held AWSCURRENT, as the UpdateSecretVersionStage and
 * PutSecretValue references describe.
 */
export function attachStage(secret: StoredSecret, stage: string, versionId: string): void {
  const target = getVersion(secret, versionId);
  const holder = findVersionWithStage(secret, stage);
  if (holder === target) {
    return;
  }

  holder?.stages.delete(stage);
  if (stage === VersionStage.current && holder !== undefined) {
    findVersionWithStage(secret, VersionStage.previous)?.stages.delete(VersionStage.previous);
    holder.stages.add(VersionStage.previous);
  }
  target.stages.add(stage);
  secret.lastChangedDate = new Date();
}

export function detachStage(secret: StoredSecret, stage: string, versionId: string): void {
  const version = getVersion(secret, versionId);
  if (!version.stages.has(stage)) {
    throw invalidParameter(`The staging label ${stage} is not attached to version ${versionId} of secret ${secret.name}.`);
  }

  version.stages.delete(stage);
  secret.lastChangedDate = new Date();
}

export function deleteVersion(secret: StoredSecret, versionId: string): void {
  secret.versions.delete(versionId);
  secret.lastChangedDate = new Date();
}

export function isSameValue(left: SecretValue | undefined, right: SecretValue): boolean {
  if (left === undefined) {
    return false;
  }
  if ('secretString' in left && 'secretString' in right) {
    return left.secretString === right.secretString;
  }
  if ('secretBinary' in left && 'secretBinary' in right) {
    return left.secretBinary.equals(right.secretBinary);
  }

  return false;
}

/** Lists the labelled versions as DescribeSecret's VersionIdsToStages does. */
export function versionIdsToStages(secret: StoredSecret): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const version of secret.versions.values()) {
    if (version.stages.size > 0) {
      result[version.versionId] = [...version.stages];
    }
  }

  return result;
}
