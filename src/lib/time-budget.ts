import type { Context } from 'aws-lambda';
import { TimeBudgetError } from './errors.js';

/**
 * Time kept back at the end of every invocation, so a step cut short can still log its failure and
 * publish the failure notice before Lambda stops it. An estimate, not a measurement.
 */
export const FINAL_RESERVE_MS = 1_000;

/**
 * Minimum time for one attempt of each operation on a healthy network: a step does not start an
 * operation with less left. Estimates; an operation that runs longer is still bounded by its own
 * timeout, which the budget shortens to the time left.
 */
export const OPERATION_MIN_MS = {
  /** One Secrets Manager or SNS call, including the SDK's own retry of a throttled request. */
  awsCall: 1_500,
  /** One HTTP request to a certificate authority. */
  certificateRequest: 2_000,
  /** One mTLS request to the partner. */
  handshake: 1_000,
} as const;

/**
 * The part of the Lambda's remaining time that rotation work may use. Each step checks it before an
 * operation it could not finish in time, so the invocation stops cleanly between operations instead
 * of being killed halfway through one.
 */
export class TimeBudget {
  constructor(
    private readonly lambdaRemainingMs: () => number,
    private readonly reserveMs = FINAL_RESERVE_MS,
  ) {}

  /** Builds the budget of one invocation; without a Lambda context (local runs) it is unlimited. */
  static fromLambdaContext(context: Pick<Context, 'getRemainingTimeInMillis'> | undefined): TimeBudget {
    return new TimeBudget(() => context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY);
  }

  /** Milliseconds left for operations: the Lambda's remaining time minus the reserve. */
  remainingMs(): number {
    return this.lambdaRemainingMs() - this.reserveMs;
  }

  /** Returns a budget that keeps `extraReserveMs` more back, for work that must leave time for a later operation. */
  reserving(extraReserveMs: number): TimeBudget {
    return new TimeBudget(this.lambdaRemainingMs, this.reserveMs + extraReserveMs);
  }

  /** Throws TimeBudgetError unless at least `requiredMs` are left to start and finish `operation`. */
  require(operation: string, requiredMs: number): void {
    const remaining = this.remainingMs();
    if (remaining >= requiredMs) return;

    throw new TimeBudgetError(
      operation,
      `${Math.max(0, Math.floor(remaining))} ms of the Lambda's time are left for ${operation}, which needs at least ${requiredMs} ms: ` +
        'the step stopped before starting it, so a retry of the step starts it afresh; raise the function timeout if this repeats',
    );
  }

  /**
   * Returns the timeout for one attempt of `operation`: `preferredMs`, shortened to the time left.
   * Throws TimeBudgetError when less than `minimumMs` is left.
   */
  timeoutFor(operation: string, preferredMs: number, minimumMs: number): number {
    this.require(operation, minimumMs);

    return Math.floor(Math.min(preferredMs, this.remainingMs()));
  }
}
