import { afterEach, describe, expect, it, vi } from 'vitest';

import { createLambdaContext } from '../../../dev/aws/lambda-context.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createLambdaContext', () => {
  it('counts remaining time down', () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const context = createLambdaContext({ timeoutMs: 1_000 });

    // Act
    const atStart = context.getRemainingTimeInMillis();
    vi.advanceTimersByTime(400);
    const later = context.getRemainingTimeInMillis();
    vi.advanceTimersByTime(5_000);
    const expired = context.getRemainingTimeInMillis();

    // Assess
    expect(atStart).toBe(1_000);
    expect(later).toBe(600);
    expect(expired).toBe(0);
  });

  it('derives ARN and log group', () => {
    // Act
    const context = createLambdaContext({ functionName: 'rotator', timeoutMs: 30_000, region: 'eu-west-1', accountId: '210987654321' });

    // Assess
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:210987654321:function:rotator');
    expect(context.logGroupName).toBe('/aws/lambda/rotator');
    expect(context.functionVersion).toBe('$LATEST');
  });

  it('gives each context new request id', () => {
    // Act
    const first = createLambdaContext({ timeoutMs: 1 });
    const second = createLambdaContext({ timeoutMs: 1 });

    // Assess
    expect(first.awsRequestId).not.toBe(second.awsRequestId);
  });

  it('rejects callback API', () => {
    // Prepare
    const context = createLambdaContext({ timeoutMs: 1 });

    // Act
    const succeed = () => context.succeed('done');

    // Assess
    expect(succeed).toThrow(/return a promise/);
  });
});
