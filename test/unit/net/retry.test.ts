import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs, retryDelayMs, retryTransient, type RetryPolicy, type TransientFailure } from '../../../src/lib/net/retry.js';

const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

/** Returns a logger that keeps each warning, and a sleep that records delays instead of waiting. */
function harness() {
  const warnings: { message: string; details: Record<string, unknown> }[] = [];
  const sleeps: number[] = [];

  return {
    warnings,
    sleeps,
    logger: { warn: (message: string, details?: unknown) => warnings.push({ message, details: details as Record<string, unknown> }) } as never,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
}

/** Runs retryTransient over a script of outcomes: a string is a transient failure with that cause, a number a final value. */
async function runScript(script: (string | number | TransientFailure)[], overrides: { remainingTimeMs?: () => number; policy?: RetryPolicy } = {}) {
  const { warnings, sleeps, logger, sleep } = harness();
  let calls = 0;
  const result = await retryTransient(
    async (attemptNumber) => {
      calls += 1;
      expect(attemptNumber).toBe(calls);
      const step = script[Math.min(calls, script.length) - 1]!;
      if (typeof step === 'number') return step;
      throw new Error(typeof step === 'string' ? step : step.cause);
    },
    {
      operation: 'test operation',
      policy: overrides.policy ?? POLICY,
      logger,
      remainingTimeMs: overrides.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY),
      minAttemptMs: 100,
      sleep,
      random: () => 0.5,
      transientFailure: (outcome) => {
        if (outcome.ok) return undefined;
        const message = (outcome.error as Error).message;
        const scripted = script.find((step): step is TransientFailure => typeof step === 'object' && step.cause === message);

        return message === 'permanent' ? undefined : (scripted ?? { cause: message });
      },
    },
  ).then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error as Error }),
  );

  return { result, calls, warnings, sleeps };
}

describe('retryTransient', () => {
  it('returns the first success', async () => {
    const run = await runScript([7]);

    expect(run.result).toEqual({ value: 7 });
    expect(run.calls).toBe(1);
    expect(run.warnings).toEqual([]);
  });

  it('retries transient failures until success', async () => {
    const run = await runScript(['ECONNRESET', 'HTTP 503', 42]);

    expect(run.result).toEqual({ value: 42 });
    expect(run.calls).toBe(3);
    expect(run.sleeps).toEqual([50, 100]);
  });

  it('logs each retry with attempt, delay and cause', async () => {
    const run = await runScript(['ECONNRESET', 42]);

    expect(run.warnings).toEqual([
      {
        message: 'retrying after a transient failure',
        details: { operation: 'test operation', attempt: 1, maxAttempts: 4, cause: 'ECONNRESET', delayMs: 50 },
      },
    ]);
  });

  it('never retries a permanent failure', async () => {
    const run = await runScript(['permanent', 1]);

    expect(run.result).toEqual({ error: new Error('permanent') });
    expect(run.calls).toBe(1);
  });

  it('stops after maxAttempts and throws the last failure', async () => {
    const run = await runScript(['a', 'b', 'c', 'd', 'e']);

    expect(run.result).toEqual({ error: new Error('d') });
    expect(run.calls).toBe(4);
    expect(run.warnings.at(-1)?.message).toBe('giving up after transient failures: no attempts left');
  });

  it('waits Retry-After plus jitter', async () => {
    const run = await runScript([{ cause: 'HTTP 429', retryAfterMs: 2_000 }, 1]);

    expect(run.sleeps).toEqual([2_050]);
    expect(run.warnings[0]?.details.retryAfterMs).toBe(2_000);
  });

  it('stops when Retry-After exceeds the cap', async () => {
    const run = await runScript([{ cause: 'HTTP 503', retryAfterMs: 60_000 }, 1]);

    expect(run.result).toEqual({ error: new Error('HTTP 503') });
    expect(run.calls).toBe(1);
    expect(run.warnings[0]?.message).toContain('asked to wait longer than maxRetryAfterMs');
  });

  it('stops when the time budget is spent', async () => {
    const run = await runScript(['ETIMEDOUT', 1], { remainingTimeMs: () => 120 });

    expect(run.result).toEqual({ error: new Error('ETIMEDOUT') });
    expect(run.calls).toBe(1);
    expect(run.warnings[0]?.details).toMatchObject({ delayMs: 50, remainingMs: 120 });
  });

  it('makes at most maxAttempts calls for any script', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('transient', 'permanent', 1), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 6 }), async (script, maxAttempts) => {
        const run = await runScript(script, { policy: { ...POLICY, maxAttempts } });
        const firstFinal = script.findIndex((step) => step !== 'transient');
        const expectedCalls = Math.min(maxAttempts, firstFinal === -1 ? maxAttempts : firstFinal + 1);

        expect(run.calls).toBe(expectedCalls);
        expect(run.sleeps).toHaveLength(expectedCalls - 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('retryDelayMs', () => {
  it('stays within the exponential ceiling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (retryNumber, draw) => {
        const delay = retryDelayMs(retryNumber, undefined, POLICY, () => draw);
        const ceiling = Math.min(POLICY.maxDelayMs, POLICY.baseDelayMs * 2 ** (retryNumber - 1));

        return delay >= 0 && delay < ceiling && Number.isInteger(delay);
      }),
    );
  });

  it('never waits less than Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (retryNumber, retryAfter, draw) => {
        const delay = retryDelayMs(retryNumber, retryAfter, POLICY, () => draw);

        return delay >= retryAfter && delay < retryAfter + POLICY.maxDelayMs;
      }),
    );
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');

  it.each([
    ['delay-seconds', '3', 3_000],
    ['zero seconds', '0', 0],
    ['seconds with spaces', ' 2 ', 2_000],
    ['an IMF-fixdate', 'Fri, 01 May 2026 12:00:05 GMT', 5_000],
    ['an RFC 850 date', 'Friday, 01-May-26 12:00:07 GMT', 7_000],
    ['a date in the past', 'Fri, 01 May 2026 11:00:00 GMT', 0],
    ['the first of repeated headers', ['4', '9'], 4_000],
  ])('reads %s', (_case, value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });

  it.each([
    ['no header', undefined],
    ['an empty value', ''],
    ['a negative number', '-5'],
    ['a fraction', '1.5'],
    ['a word', 'soon'],
  ])('ignores %s', (_case, value) => {
    expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});
