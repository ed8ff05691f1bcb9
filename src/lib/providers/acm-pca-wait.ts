import { randomUUID } from 'node:crypto';
import {
  GetCertificateCommand,
  waitUntilCertificateIssued,
  type ACMPCAClient,
  type GetCertificateCommandInput,
  type GetCertificateCommandOutput,
} from '@aws-sdk/client-acm-pca';

/** Outcome of waiting for an issued certificate; the provider turns the last two into errors. */
export type IssuanceWait =
  | { state: 'issued'; output: GetCertificateCommandOutput }
  | { state: 'in-progress' }
  | { state: 'failed'; error: unknown };

// The waiter counts in whole seconds and requires maxWaitTime > minDelay.
const MIN_DELAY_SECONDS = 1;
const MAX_DELAY_SECONDS = 5;
// A poll that hangs past maxWaitSeconds is cut off this long after it. The provider keeps the same
// time back when it computes maxWaitSeconds, so the wait never outlasts the provider's budget.
export const HUNG_POLL_GRACE_MS = 1_000;

/**
 * Polls GetCertificate with the SDK's `waitUntilCertificateIssued` for at most `maxWaitSeconds`.
 * The generated waiter retries every error until its time runs out, not only
 * RequestInProgressException (client-acm-pca 3.523), so a middleware stops it at the first other
 * error, such as AccessDeniedException or RequestFailedException, which this then returns.
 */
export async function waitForIssuedCertificate(
  client: ACMPCAClient,
  input: GetCertificateCommandInput,
  maxWaitSeconds: number,
): Promise<IssuanceWait> {
  // The provider keeps HUNG_POLL_GRACE_MS back from the time left, so this bound ends the poll in time.
  if (maxWaitSeconds <= MIN_DELAY_SECONDS) return pollOnce(client, input, Math.max(0, maxWaitSeconds * 1000 + HUNG_POLL_GRACE_MS));

  const controller = new AbortController();
  let failure: unknown;
  const middlewareName = `stopWaitOnGetCertificateFailure-${randomUUID()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (context.commandName === 'GetCertificateCommand' && !isInProgress(error)) {
          failure ??= error;
          controller.abort();
        }
        throw error;
      }
    },
    { step: 'initialize', name: middlewareName },
  );
  const guard = setTimeout(() => controller.abort(), maxWaitSeconds * 1000 + HUNG_POLL_GRACE_MS);

  try {
    const result = await waitUntilCertificateIssued(
      { client, maxWaitTime: maxWaitSeconds, minDelay: MIN_DELAY_SECONDS, maxDelay: MAX_DELAY_SECONDS, abortSignal: controller.signal },
      input,
    );

    return { state: 'issued', output: result.reason as GetCertificateCommandOutput };
  } catch (error) {
    if (failure !== undefined) return { state: 'failed', error: failure };
    // The waiter ran out of time (TimeoutError) or the guard cut off a hung poll (AbortError).
    const name = (error as Error).name;

    return name === 'TimeoutError' || name === 'AbortError' ? { state: 'in-progress' } : { state: 'failed', error };
  } finally {
    clearTimeout(guard);
    client.middlewareStack.remove(middlewareName);
  }
}

/**
 * Polls GetCertificate once, for a budget too short for the waiter's one-second minimum delay. A
 * poll still unanswered after `timeoutMs` is aborted and counts as in progress, as the waiter counts it.
 */
async function pollOnce(client: ACMPCAClient, input: GetCertificateCommandInput, timeoutMs: number): Promise<IssuanceWait> {
  const abortSignal = AbortSignal.timeout(timeoutMs);
  try {
    return { state: 'issued', output: await client.send(new GetCertificateCommand(input), { abortSignal }) };
  } catch (error) {
    if (abortSignal.aborted) return { state: 'in-progress' };

    return isInProgress(error) ? { state: 'in-progress' } : { state: 'failed', error };
  }
}

function isInProgress(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'RequestInProgressException';
}
