import { CredentialsError } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import type { RetryPolicy } from '../../src/lib/net/retry.js';
import type { CurrentCredentials, ProviderContext } from '../../src/lib/providers/index.js';

/** Retry policy of one attempt per request, so a test of a failure response gets that failure at once. */
export const NO_RETRIES: RetryPolicy = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 };

export interface TestProviderContextOptions {
  /** Credentials secrets by id, as loadCredentials returns them. */
  credentials?: Record<string, Record<string, unknown>>;
  current?: CurrentCredentials;
  retryPolicy?: RetryPolicy;
}

/** Builds a ProviderContext without AWS: credentials come from `options.credentials`, and 60 s are always left. */
export function testProviderContext(options: TestProviderContextOptions = {}): ProviderContext {
  return {
    loadCredentials: async (secretId) => {
      const credentials = options.credentials?.[secretId];
      if (credentials === undefined) throw new CredentialsError(`provider credentials secret ${secretId} was not found`);

      return credentials;
    },
    current: options.current,
    remainingTimeMs: () => 60_000,
    logger: createLogger(),
    retryPolicy: options.retryPolicy ?? NO_RETRIES,
  };
}
