import { randomUUID } from 'node:crypto';

import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createSecretsManagerClient } from '../../dev/aws/emulator-clients.js';
import { type AwsEmulator, startAwsEmulator } from '../../dev/aws/emulator.js';
import { useLocalSdkEnvironment } from '../support/sdk-test-environment.js';

let emulator: AwsEmulator;
let client: SecretsManagerClient;

useLocalSdkEnvironment();

beforeEach(async () => {
  emulator = await startAwsEmulator();
  client = createSecretsManagerClient(emulator, { maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await emulator.close();
});

async function createSecret(name: string, secretString = 'initial'): Promise<{ arn: string; versionId: string }> {
  const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: secretString, ClientRequestToken: randomUUID() }));

  return { arn: created.ARN as string, versionId: created.VersionId as string };
}

async function putValue(secretId: string, value: string, versionStages?: string[]): Promise<string> {
  const token = randomUUID();
  await client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: value, VersionStages: versionStages }));

  return token;
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));

  return described.VersionIdsToStages ?? {};
}

describe('CreateSecret', () => {
  it('returns ARN with random suffix', async () => {
    // Act
    const created = await client.send(new CreateSecretCommand({ Name: 'app/client-cert', SecretString: 'v1' }));

    // Assess
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:app\/client-cert-[A-Za-z0-9]{6}$/);
    expect(created.Name).toBe('app/client-cert');
    expect(created.VersionId).toBeDefined();
  });

  it('rejects duplicate name', async () => {
    // Prepare
    await createSecret('duplicate');

    // Act
    const attempt = client.send(new CreateSecretCommand({ Name: 'duplicate', SecretString: 'again' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ResourceExistsException);
  });

  it('without value stores no version', async () => {
    // Act
    await client.send(new CreateSecretCommand({ Name: 'empty' }));

    // Assess
    expect(await stagesOf('empty')).toEqual({});
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'empty' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('rejects both string and binary', async () => {
    // Act
    const attempt = client.send(new CreateSecretCommand({ Name: 'both', SecretString: 'a', SecretBinary: Buffer.from('b') }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('GetSecretValue', () => {
  it('reads AWSCURRENT by default', async () => {
    // Prepare
    const { arn, versionId } = await createSecret('reader', 'first');

    // Act
    const value = await client.send(new GetSecretValueCommand({ SecretId: 'reader' }));

    // Assess
    expect(value.SecretString).toBe('first');
    expect(value.ARN).toBe(arn);
    expect(value.VersionId).toBe(versionId);
    expect(value.VersionStages).toEqual(['AWSCURRENT']);
    expect(value.CreatedDate).toBeInstanceOf(Date);
  });

  it('accepts full ARN as SecretId', async () => {
    // Prepare
    const { arn } = await createSecret('by-arn', 'value');

    // Act
    const value = await client.send(new GetSecretValueCommand({ SecretId: arn }));

    // Assess
    expect(value.SecretString).toBe('value');
  });

  it('rejects unknown secret', async () => {
    // Act
    const attempt = client.send(new GetSecretValueCommand({ SecretId: 'missing' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(attempt).rejects.toThrow("Secrets Manager can't find the specified secret.");
  });

  it('rejects mismatched VersionId and VersionStage', async () => {
    // Prepare
    const { versionId } = await createSecret('mismatch');

    // Act
    const attempt = client.send(new GetSecretValueCommand({ SecretId: 'mismatch', VersionId: versionId, VersionStage: 'AWSPENDING' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('round-trips SecretBinary', async () => {
    // Prepare
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    await client.send(new CreateSecretCommand({ Name: 'binary', SecretBinary: bytes }));

    // Act
    const value = await client.send(new GetSecretValueCommand({ SecretId: 'binary' }));

    // Assess
    expect(Buffer.from(value.SecretBinary as Uint8Array)).toEqual(bytes);
    expect(value.SecretString).toBeUndefined();
  });
});

describe('PutSecretValue', () => {
  it('moves AWSCURRENT and AWSPREVIOUS', async () => {
    // Prepare
    const { versionId: first } = await createSecret('rolling', 'v1');

    // Act
    const second = await putValue('rolling', 'v2');

    // Assess
    expect(await stagesOf('rolling')).toEqual({ [first]: ['AWSPREVIOUS'], [second]: ['AWSCURRENT'] });
  });

  it('drops AWSPREVIOUS from older version', async () => {
    // Prepare
    const { versionId: first } = await createSecret('three', 'v1');
    const second = await putValue('three', 'v2');

    // Act
    const third = await putValue('three', 'v3');

    // Assess
    expect(await stagesOf('three')).toEqual({ [second]: ['AWSPREVIOUS'], [third]: ['AWSCURRENT'] });
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: 'three', IncludeDeprecated: true }));
    expect(versions.Versions?.find((version) => version.VersionId === first)?.VersionStages).toEqual([]);
  });

  it('with AWSPENDING leaves AWSCURRENT', async () => {
    // Prepare
    const { versionId: first } = await createSecret('pending', 'v1');

    // Act
    const pending = await putValue('pending', 'v2', ['AWSPENDING']);

    // Assess
    expect(await stagesOf('pending')).toEqual({ [first]: ['AWSCURRENT'], [pending]: ['AWSPENDING'] });
  });

  it('first version always gets AWSCURRENT', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'first-version' }));

    // Act
    const token = await putValue('first-version', 'v1', ['AWSPENDING']);

    // Assess
    expect((await stagesOf('first-version'))[token]?.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
  });

  it('same token and value is no-op', async () => {
    // Prepare
    await createSecret('idempotent', 'v1');
    const token = randomUUID();
    await client.send(new PutSecretValueCommand({ SecretId: 'idempotent', ClientRequestToken: token, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    const before = await stagesOf('idempotent');

    // Act
    const repeated = await client.send(new PutSecretValueCommand({ SecretId: 'idempotent', ClientRequestToken: token, SecretString: 'v2' }));

    // Assess
    expect(repeated.VersionId).toBe(token);
    expect(repeated.VersionStages).toEqual(['AWSPENDING']);
    expect(await stagesOf('idempotent')).toEqual(before);
  });

  it('same token, new value fails', async () => {
    // Prepare
    await createSecret('conflict', 'v1');
    const token = await putValue('conflict', 'v2');

    // Act
    const attempt = client.send(new PutSecretValueCommand({ SecretId: 'conflict', ClientRequestToken: token, SecretString: 'other' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ResourceExistsException);
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'conflict' }));
    expect(current.SecretString).toBe('v2');
  });

  it('rejects missing value', async () => {
    // Prepare
    await createSecret('no-value');

    // Act
    const attempt = client.send(new PutSecretValueCommand({ SecretId: 'no-value', ClientRequestToken: randomUUID() }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('rejects oversized SecretString', async () => {
    // Prepare
    await createSecret('oversized');

    // Act
    const attempt = client.send(new PutSecretValueCommand({ SecretId: 'oversized', ClientRequestToken: randomUUID(), SecretString: 'x'.repeat(65_537) }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SecretsManagerServiceException);
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('accepts SecretString at limit', async () => {
    // Prepare
    await createSecret('at-limit');

    // Act
    const token = await putValue('at-limit', 'x'.repeat(65_536));

    // Assess
    const value = await client.send(new GetSecretValueCommand({ SecretId: 'at-limit', VersionId: token }));
    expect(value.SecretString).toHaveLength(65_536);
  });

  it('rejects short ClientRequestToken', async () => {
    // Prepare
    await createSecret('short-token');

    // Act
    const attempt = client.send(new PutSecretValueCommand({ SecretId: 'short-token', ClientRequestToken: 'too-short', SecretString: 'v' }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('UpdateSecretVersionStage', () => {
  it('moves AWSCURRENT with RemoveFromVersionId', async () => {
    // Prepare
    const { versionId: first } = await createSecret('promote', 'v1');
    const pending = await putValue('promote', 'v2', ['AWSPENDING']);

    // Act
    await client.send(
      new UpdateSecretVersionStageCommand({ SecretId: 'promote', VersionStage: 'AWSCURRENT', MoveToVersionId: pending, RemoveFromVersionId: first }),
    );

    // Assess
    const stages = await stagesOf('promote');
    expect(stages[first]).toEqual(['AWSPREVIOUS']);
    expect(stages[pending]?.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
  });

  it('rejects move without RemoveFromVersionId', async () => {
    // Prepare
    const { versionId: first } = await createSecret('no-remove', 'v1');
    const pending = await putValue('no-remove', 'v2', ['AWSPENDING']);

    // Act
    const attempt = client.send(new UpdateSecretVersionStageCommand({ SecretId: 'no-remove', VersionStage: 'AWSCURRENT', MoveToVersionId: pending }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(attempt).rejects.toThrow(first);
    expect((await stagesOf('no-remove'))[first]).toEqual(['AWSCURRENT']);
  });

  it('rejects wrong RemoveFromVersionId', async () => {
    // Prepare
    const { versionId: first } = await createSecret('wrong-remove', 'v1');
    const pending = await putValue('wrong-remove', 'v2', ['AWSPENDING']);

    // Act
    const attempt = client.send(
      new UpdateSecretVersionStageCommand({ SecretId: 'wrong-remove', VersionStage: 'AWSCURRENT', MoveToVersionId: pending, RemoveFromVersionId: pending }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
    expect((await stagesOf('wrong-remove'))[first]).toEqual(['AWSCURRENT']);
  });

  it('rejects unknown MoveToVersionId', async () => {
    // Prepare
    const { versionId: first } = await createSecret('unknown-target', 'v1');

    // Act
    const attempt = client.send(
      new UpdateSecretVersionStageCommand({ SecretId: 'unknown-target', VersionStage: 'AWSCURRENT', MoveToVersionId: randomUUID(), RemoveFromVersionId: first }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('attaches unheld label without RemoveFromVersionId', async () => {
    // Prepare
    const { versionId: first } = await createSecret('custom-label', 'v1');

    // Act
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: 'custom-label', VersionStage: 'RELEASE', MoveToVersionId: first }));

    // Assess
    expect((await stagesOf('custom-label'))[first]?.sort()).toEqual(['AWSCURRENT', 'RELEASE']);
  });

  it('removes AWSPENDING from version', async () => {
    // Prepare
    await createSecret('remove-pending', 'v1');
    const pending = await putValue('remove-pending', 'v2', ['AWSPENDING']);

    // Act
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: 'remove-pending', VersionStage: 'AWSPENDING', RemoveFromVersionId: pending }));

    // Assess
    expect(Object.keys(await stagesOf('remove-pending'))).not.toContain(pending);
  });

  it('rejects removing AWSCURRENT alone', async () => {
    // Prepare
    const { versionId: first } = await createSecret('keep-current', 'v1');

    // Act
    const attempt = client.send(new UpdateSecretVersionStageCommand({ SecretId: 'keep-current', VersionStage: 'AWSCURRENT', RemoveFromVersionId: first }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('DescribeSecret', () => {
  it('lists only labelled versions', async () => {
    // Prepare
    const { arn } = await createSecret('described', 'v1');
    await putValue('described', 'v2');
    const third = await putValue('described', 'v3');

    // Act
    const described = await client.send(new DescribeSecretCommand({ SecretId: arn }));

    // Assess
    expect(described.ARN).toBe(arn);
    expect(described.Name).toBe('described');
    expect(described.RotationEnabled).toBe(false);
    expect(Object.keys(described.VersionIdsToStages ?? {})).toHaveLength(2);
    expect(described.VersionIdsToStages?.[third]).toEqual(['AWSCURRENT']);
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(described.LastChangedDate).toBeInstanceOf(Date);
  });
});

describe('DeleteSecret', () => {
  it('force deletion frees name', async () => {
    // Prepare
    await createSecret('forced');

    // Act
    await client.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));

    // Assess
    await expect(client.send(new DescribeSecretCommand({ SecretId: 'forced' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(createSecret('forced')).resolves.toBeDefined();
  });

  it('scheduled deletion blocks reads', async () => {
    // Prepare
    await createSecret('scheduled');

    // Act
    const deleted = await client.send(new DeleteSecretCommand({ SecretId: 'scheduled', RecoveryWindowInDays: 7 }));

    // Assess
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'scheduled' }))).rejects.toBeInstanceOf(InvalidRequestException);
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'scheduled' }));
    expect(described.DeletedDate).toBeInstanceOf(Date);
  });
});

describe('ListSecrets', () => {
  it('filters by name prefix', async () => {
    // Prepare
    await createSecret('team-a/one');
    await createSecret('team-a/two');
    await createSecret('team-b/one');

    // Act
    const listed = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['team-a/'] }] }));

    // Assess
    expect(listed.SecretList?.map((secret) => secret.Name).sort()).toEqual(['team-a/one', 'team-a/two']);
    expect(Object.values(listed.SecretList?.[0]?.SecretVersionsToStages ?? {})).toEqual([['AWSCURRENT']]);
  });
});

describe('endpoint configuration', () => {
  it('SDK reaches emulator via AWS_ENDPOINT_URL', async () => {
    // Prepare
    await createSecret('from-env', 'env-value');
    vi.stubEnv('AWS_ENDPOINT_URL', emulator.endpoint);
    const envClient = new SecretsManagerClient({ maxAttempts: 1 });

    // Act
    const value = await envClient.send(new GetSecretValueCommand({ SecretId: 'from-env' }));
    envClient.destroy();
    vi.stubEnv('AWS_ENDPOINT_URL', undefined);

    // Assess
    expect(value.SecretString).toBe('env-value');
  });
});
