import type { RotationLogger } from '../logger.js';

/** How often and how patiently a transient failure is retried. */
export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Ceiling of the first backoff delay; each further retry doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` the client waits; a server that requests a longer wait ends the retries. */
  maxRetryAfterMs: number;
}

/**
 * Defaults for calls to certificate authorities and partners: four attempts with at most 1.4 s of
 * backoff between them unless the server sends `Retry-After`, so a step stays well inside the 60 s
 * function timeout.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 15_000,
});

/** The reason an attempt failed in a way that another attempt may fix. */
export interface TransientFailure {
  /** Names the failure in the retry log, e.g. "HTTP 503" or the error message. */
  cause: string;
  /** The server's `Retry-After`, in milliseconds from now. */
  retryAfterMs?: number | undefined;
}

export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export type RetryLogger = Pick<RotationLogger, 'warn'>;

export interface RetryOptions<T> {
  /** Names the operation in logs, e.g. "provider 'cfssl' sign". */
  operation: string;
  policy: RetryPolicy;
  logger: RetryLogger;
  /** Milliseconds left for this operation and its retries. */
  remainingTimeMs: () => number;
  /** A retry starts only when at least this much time is left after its delay. */
  minAttemptMs: number;
  /** Returns why the outcome is transient, or undefined when it is final: a success or a permanent failure. */
  transientFailure: (outcome: AttemptOutcome<T>) => TransientFailure | undefined;
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

/**
 * Runs `attempt` until its outcome is final, retrying transient failures with exponential backoff
 * and full jitter. A `Retry-After` from the server is honoured: the retry waits that long plus the
 * jitter, so clients given the same `Retry-After` do not return together. Retries stop after
 * `policy.maxAttempts`, when the server requests a wait longer than `policy.maxRetryAfterMs`, or when
 * the delay would leave less than `minAttemptMs`. The last outcome is then returned or thrown as it
 * came. Every retry and every early stop is logged.
 */
export async function retryTransient<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const { policy, logger, operation } = options;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  for (let attemptNumber = 1; ; attemptNumber += 1) {
    const outcome = await attempt(attemptNumber).then(
      (value): AttemptOutcome<T> => ({ ok: true, value }),
      (error: unknown): AttemptOutcome<T> => ({ ok: false, error }),
    );
    const failure = options.transientFailure(outcome);
    if (failure === undefined) return settle(outcome);

    const details = { operation, attempt: attemptNumber, maxAttempts: policy.maxAttempts, cause: failure.cause };
    if (attemptNumber >= policy.maxAttempts) {
      logger.warn('giving up after transient failures: no attempts left', details);

      return settle(outcome);
    }
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
      logger.warn('giving up after a transient failure: the server asked to wait longer than maxRetryAfterMs', {
        ...details,
        retryAfterMs: failure.retryAfterMs,
        maxRetryAfterMs: policy.maxRetryAfterMs,
      });

      return settle(outcome);
    }

    const delayMs = retryDelayMs(attemptNumber, failure.retryAfterMs, policy, random);
    const remainingMs = options.remainingTimeMs();
    if (remainingMs - delayMs < options.minAttemptMs) {
      logger.warn('giving up after a transient failure: too little of the time budget is left for another attempt', {
        ...details,
        delayMs,
        remainingMs: Math.floor(remainingMs),
      });

      return settle(outcome);
    }

    logger.warn('retrying after a transient failure', {
      ...details,
      delayMs,
      ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    });
    await sleep(delayMs);
  }
}

/**
 * Returns the delay before retry number `retryNumber` (1 for the first retry): "full jitter", a
 * uniform draw between 0 and min(maxDelayMs, baseDelayMs * 2^(retryNumber - 1)), added to the
 * server's `Retry-After` when it sent one.
 */
export function retryDelayMs(retryNumber: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
  const jitter = Math.floor(random() * ceiling);

  return (retryAfterMs ?? 0) + jitter;
}

/**
 * Reads an HTTP `Retry-After` value (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.
 * Returns milliseconds from `nowMs`, 0 for a date in the past, or undefined when absent or invalid.
 */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;

  // An HTTP-date always names the weekday or month in letters; this keeps out numbers Date.parse reads as years.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const date = Date.parse(text);

  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function settle<T>(outcome: AttemptOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
