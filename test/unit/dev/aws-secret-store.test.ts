import { describe, expect, it } from 'vitest';

import { addVersion, attachStage, detachStage, findVersionWithStage, isSameValue, SecretStore, versionIdsToStages } from '../../../dev/aws/secret-store.js';
import { AwsServiceError } from '../../../dev/aws/service-error.js';

function createStoreWithSecret() {
  const store = new SecretStore('us-east-1', '123456789012');
  const secret = store.create('unit', {});

  return { store, secret };
}

describe('SecretStore', () => {
  it('finds secret by name and ARN', () => {
    // Prepare
    const { store, secret } = createStoreWithSecret();

    // Act
    const byName = store.find('unit');
    const byArn = store.find(secret.arn);

    // Assess
    expect(byName).toBe(secret);
    expect(byArn).toBe(secret);
  });

  it('rejects unknown SecretId', () => {
    // Prepare
    const { store } = createStoreWithSecret();

    // Act
    const find = () => store.find('arn:aws:secretsmanager:us-east-1:123456789012:secret:unit');

    // Assess
    expect(find).toThrow(AwsServiceError);
    expect(find).toThrow("Secrets Manager can't find the specified secret.");
  });

  it('findActive rejects scheduled deletion', () => {
    // Prepare
    const { store, secret } = createStoreWithSecret();
    secret.deletedDate = new Date();

    // Act
    const find = () => store.findActive('unit');

    // Assess
    expect(find).toThrow(expect.objectContaining({ code: 'InvalidRequestException' }));
  });

  it('create rejects existing name', () => {
    // Prepare
    const { store } = createStoreWithSecret();

    // Act
    const create = () => store.create('unit', {});

    // Assess
    expect(create).toThrow(expect.objectContaining({ code: 'ResourceExistsException' }));
  });
});

describe('attachStage', () => {
  it('moves AWSPREVIOUS with AWSCURRENT', () => {
    // Prepare
    const { secret } = createStoreWithSecret();
    addVersion(secret, 'v1', { secretString: 'one' });
    addVersion(secret, 'v2', { secretString: 'two' });
    addVersion(secret, 'v3', { secretString: 'three' });
    attachStage(secret, 'AWSCURRENT', 'v1');
    attachStage(secret, 'AWSCURRENT', 'v2');

    // Act
    attachStage(secret, 'AWSCURRENT', 'v3');

    // Assess
    expect(versionIdsToStages(secret)).toEqual({ v2: ['AWSPREVIOUS'], v3: ['AWSCURRENT'] });
  });

  it('rolls back onto AWSPREVIOUS version', () => {
    // Prepare
    const { secret } = createStoreWithSecret();
    addVersion(secret, 'v1', { secretString: 'one' });
    addVersion(secret, 'v2', { secretString: 'two' });
    attachStage(secret, 'AWSCURRENT', 'v1');
    attachStage(secret, 'AWSCURRENT', 'v2');

    // Act
    attachStage(secret, 'AWSCURRENT', 'v1');

    // Assess
    expect(versionIdsToStages(secret)).toEqual({ v1: ['AWSCURRENT'], v2: ['AWSPREVIOUS'] });
  });

  it('keeps each label on one version', () => {
    // Prepare
    const { secret } = createStoreWithSecret();
    addVersion(secret, 'v1', undefined);
    addVersion(secret, 'v2', undefined);
    attachStage(secret, 'AWSPENDING', 'v1');

    // Act
    attachStage(secret, 'AWSPENDING', 'v2');

    // Assess
    expect(findVersionWithStage(secret, 'AWSPENDING')?.versionId).toBe('v2');
    expect(versionIdsToStages(secret)).toEqual({ v2: ['AWSPENDING'] });
  });

  it('rejects unknown version', () => {
    // Prepare
    const { secret } = createStoreWithSecret();

    // Act
    const attach = () => attachStage(secret, 'AWSCURRENT', 'missing');

    // Assess
    expect(attach).toThrow(expect.objectContaining({ code: 'ResourceNotFoundException' }));
  });
});

describe('detachStage', () => {
  it('rejects label on other version', () => {
    // Prepare
    const { secret } = createStoreWithSecret();
    addVersion(secret, 'v1', { secretString: 'one' });
    addVersion(secret, 'v2', { secretString: 'two' });
    attachStage(secret, 'AWSPENDING', 'v1');

    // Act
    const detach = () => detachStage(secret, 'AWSPENDING', 'v2');

    // Assess
    expect(detach).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
  });
});

describe('isSameValue', () => {
  it.each([
    { left: { secretString: 'a' }, right: { secretString: 'a' }, expected: true },
    { left: { secretString: 'a' }, right: { secretString: 'b' }, expected: false },
    { left: { secretBinary: Buffer.from('a') }, right: { secretBinary: Buffer.from('a') }, expected: true },
    { left: { secretBinary: Buffer.from('a') }, right: { secretString: 'a' }, expected: false },
    { left: undefined, right: { secretString: 'a' }, expected: false },
  ])('compares $left with $right', ({ left, right, expected }) => {
    // Act
    const same = isSameValue(left, right);

    // Assess
    expect(same).toBe(expected);
  });
});
