import { HttpRequestError } from '../errors.js';
import { TimeBudget } from '../time-budget.js';
import { sendHttpRequest, type HttpRequestOptions, type HttpResponse } from './http-request.js';
import { parseRetryAfterMs, retryTransient, type RetryLogger, type RetryPolicy } from './retry.js';

/** The logger, retry policy and time left of a retried request; a provider's ProviderContext has all three. */
export interface RetryContext {
  logger: RetryLogger;
  retryPolicy: RetryPolicy;
  /** Milliseconds left for this request and its retries. */
  remainingTimeMs(): number;
}

export interface RetryingRequestOptions extends HttpRequestOptions {
  /** Names the request in logs and errors, e.g. "provider 'cfssl' sign". */
  operation: string;
  /** Returns whether a response status is transient. Default: 408, 429 and 5xx. */
  isTransientStatus?: (status: number) => boolean;
  /** Minimum time for one attempt; no attempt starts with less left. Default 1,000 ms. */
  minAttemptMs?: number;
}

const DEFAULT_MIN_ATTEMPT_MS = 1_000;

/** Request Timeout, Too Many Requests and server errors: statuses that another attempt may turn into a success. */
export function isTransientHttpStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Sends an HTTP request with sendHttpRequest and retries transient failures: connection resets and
 * refusals, timeouts and transient statuses. Permanent failures (other statuses, TLS verification
 * failures, oversized responses, unknown hosts) return or throw at once. Each attempt's timeout is cut
 * to the time left. When retries end, the last response is returned, or the last error thrown, so
 * the caller reports it as usual. Throws TimeBudgetError when too little time is left for the first
 * attempt.
 */
export async function sendHttpRequestWithRetry(options: RetryingRequestOptions, context: RetryContext): Promise<HttpResponse> {
  const { operation, isTransientStatus = isTransientHttpStatus, minAttemptMs = DEFAULT_MIN_ATTEMPT_MS, ...request } = options;
  const budget = new TimeBudget(() => context.remainingTimeMs(), 0);

  return retryTransient(
    async () => sendHttpRequest({ ...request, timeoutMs: budget.timeoutFor(operation, request.timeoutMs, minAttemptMs) }),
    {
      operation,
      policy: context.retryPolicy,
      logger: context.logger,
      remainingTimeMs: () => context.remainingTimeMs(),
      minAttemptMs,
      transientFailure: (outcome) => {
        if (outcome.ok) {
          const { status, headers } = outcome.value;

          return isTransientStatus(status) ? { cause: `HTTP ${status}`, retryAfterMs: parseRetryAfterMs(headers['retry-after'], Date.now()) } : undefined;
        }
        const error = outcome.error;

        return error instanceof HttpRequestError && error.retryable ? { cause: error.message } : undefined;
      },
    },
  );
}
