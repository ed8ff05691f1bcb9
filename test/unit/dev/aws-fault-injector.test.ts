import { describe, expect, it } from 'vitest';

import { FaultInjector } from '../../../dev/aws/fault-injector.js';

describe('FaultInjector', () => {
  it('fires once by default', () => {
    // Prepare
    const faults = new FaultInjector();
    faults.add({ operation: 'PutSecretValue', when: 'after' });

    // Act
    const first = faults.take('PutSecretValue', 'after');
    const second = faults.take('PutSecretValue', 'after');

    // Assess
    expect(first).toBe('reset');
    expect(second).toBeUndefined();
  });

  it('matches operation and timing', () => {
    // Prepare
    const faults = new FaultInjector();
    faults.add({ operation: 'PutSecretValue', when: 'after', kind: 'status500' });

    // Act
    const otherOperation = faults.take('GetSecretValue', 'after');
    const otherTiming = faults.take('PutSecretValue', 'before');
    const match = faults.take('PutSecretValue', 'after');

    // Assess
    expect(otherOperation).toBeUndefined();
    expect(otherTiming).toBeUndefined();
    expect(match).toBe('status500');
  });

  it('counts down times', () => {
    // Prepare
    const faults = new FaultInjector();
    faults.add({ operation: 'Publish', when: 'before', times: 3 });

    // Act
    const fired = [1, 2, 3, 4].map(() => faults.take('Publish', 'before'));

    // Assess
    expect(fired).toEqual(['reset', 'reset', 'reset', undefined]);
  });
});
