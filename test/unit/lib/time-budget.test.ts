import { describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../../dev/aws/lambda-context.js';
import { TimeBudgetError } from '../../../src/lib/errors.js';
import { FINAL_RESERVE_MS, TimeBudget } from '../../../src/lib/time-budget.js';

describe('TimeBudget', () => {
  it('keeps the final reserve back', () => {
    const budget = new TimeBudget(() => 10_000);

    expect(budget.remainingMs()).toBe(10_000 - FINAL_RESERVE_MS);
  });

  it('reads the Lambda context', () => {
    const budget = TimeBudget.fromLambdaContext(createLambdaContext({ timeoutMs: 5_000 }));

    expect(budget.remainingMs()).toBeGreaterThan(5_000 - FINAL_RESERVE_MS - 100);
    expect(budget.remainingMs()).toBeLessThanOrEqual(5_000 - FINAL_RESERVE_MS);
  });

  it('is unlimited without a Lambda context', () => {
    expect(TimeBudget.fromLambdaContext(undefined).remainingMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('require passes with enough time', () => {
    expect(() => new TimeBudget(() => 5_000).require('PutSecretValue', 1_500)).not.toThrow();
  });

  it('require names the operation cut short', () => {
    const budget = new TimeBudget(() => 2_000);

    const failure = (() => {
      try {
        budget.require('PutSecretValue', 1_500);
      } catch (error) {
        return error as TimeBudgetError;
      }
    })();

    expect(failure).toBeInstanceOf(TimeBudgetError);
    expect(failure?.retryable).toBe(true);
    expect(failure?.context.operation).toBe('PutSecretValue');
    expect(failure?.message).toBe(
      "1000 ms of the Lambda's time are left for PutSecretValue, which needs at least 1500 ms: " +
        'the step stopped before starting it, so a retry of the step starts it afresh; raise the function timeout if this repeats',
    );
  });

  it('reserving keeps more back', () => {
    const budget = new TimeBudget(() => 10_000).reserving(1_500);

    expect(budget.remainingMs()).toBe(10_000 - FINAL_RESERVE_MS - 1_500);
    expect(() => budget.require('certificate request', 7_600)).toThrow(TimeBudgetError);
  });

  it.each([
    ['plenty of time', 60_000, 15_000],
    ['less than preferred', 6_000, 5_000],
  ])('timeoutFor with %s', (_case, lambdaRemaining, expected) => {
    expect(new TimeBudget(() => lambdaRemaining).timeoutFor('CA request', 15_000, 2_000)).toBe(expected);
  });

  it('timeoutFor rejects below the minimum', () => {
    expect(() => new TimeBudget(() => 2_500).timeoutFor('CA request', 15_000, 2_000)).toThrow(/needs at least 2000 ms/);
  });
});
