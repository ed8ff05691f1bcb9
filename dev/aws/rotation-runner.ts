import { randomUUID } from 'node:crypto';

import { reportStepFailed } from './emulator-observers.js';
import type { RotationHandler, RotationRecord, RotationStepName, RotationStepOutcome } from './emulator-types.js';
import { createLambdaContext } from './lambda-context.js';

export const DEFAULT_ROTATION_TIMEOUT_MS = 30_000;

export interface RotationRequest {
  secretArn: string;
  token: string;
  rotateImmediately: boolean;
  rotationLambdaArn: string;
  steps: readonly RotationStepName[];
  /** Runs once after the last invoked step, whatever its outcome. */
  onSettled: (succeeded: boolean) => void;
}

/**
 * Invokes the rotation handler for each step in order, in the background, as the
 * Secrets Manager service invokes a rotation function. A step that throws, rejects or
 * times out ends the rotation. The failure is recorded, never rethrown.
 */
export class RotationRunner {
  readonly records: RotationRecord[] = [];
  private handler: RotationHandler | undefined;
  private timeoutMs: number;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    options: { handler?: RotationHandler; timeoutMs?: number },
  ) {
    this.handler = options.handler;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ROTATION_TIMEOUT_MS;
  }

  setHandler(handler: RotationHandler, timeoutMs?: number): void {
    this.handler = handler;
    if (timeoutMs !== undefined) {
      this.timeoutMs = timeoutMs;
    }
  }

  hasHandler(): boolean {
    return this.handler !== undefined;
  }

  start(request: RotationRequest): RotationRecord {
    const steps: RotationStepOutcome[] = [];
    const done = new Promise<void>((resolve) => {
      // Starts on the next turn of the event loop, so the RotateSecret response leaves first.
      setImmediate(() => {
        void this.runSteps(request, steps).then(resolve);
      });
    });
    const record: RotationRecord = {
      secretArn: request.secretArn,
      token: request.token,
      rotateImmediately: request.rotateImmediately,
      steps,
      done,
    };
    this.records.push(record);

    return record;
  }

  async waitForAll(): Promise<void> {
    let settledCount = -1;
    while (settledCount !== this.records.length) {
      settledCount = this.records.length;
      await Promise.all(this.records.map((record) => record.done));
    }
  }

  private async runSteps(request: RotationRequest, outcomes: RotationStepOutcome[]): Promise<void> {
    const rotationToken = randomUUID();
    let succeeded = true;
    for (const step of request.steps) {
      const outcome = await this.invokeStep(request, step, rotationToken);
      outcomes.push(outcome);
      if (!outcome.ok) {
        reportStepFailed(request.secretArn, outcome);
        succeeded = false;
        break;
      }
    }

    try {
      request.onSettled(succeeded);
    } catch (error) {
      outcomes.push({ step: 'onSettled', ok: false, error: describeError(error) });
    }
  }

  private async invokeStep(request: RotationRequest, step: RotationStepName, rotationToken: string): Promise<RotationStepOutcome> {
    const handler = this.handler;
    if (handler === undefined) {
      return { step, ok: false, error: { name: 'ResourceNotFoundException', message: 'No rotation handler is set: call setRotationHandler().' } };
    }

    const timeoutMs = this.timeoutMs;
    const context = createLambdaContext({
      functionName: functionNameFromArn(request.rotationLambdaArn),
      timeoutMs,
      region: this.region,
      accountId: this.accountId,
    });
    const event = { SecretId: request.secretArn, ClientRequestToken: request.token, Step: step, RotationToken: rotationToken };

    // Promise.resolve().then() turns a synchronous throw into a rejection, and the
    // second callback turns every rejection into an outcome. So a handler that rejects
    // after its timeout cannot surface as an unhandled rejection.
    const outcome = Promise.resolve()
      .then(() => handler(event, context))
      .then(
        (): RotationStepOutcome => ({ step, ok: true }),
        (error: unknown): RotationStepOutcome => ({ step, ok: false, error: describeError(error) }),
      );

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RotationStepOutcome>((resolve) => {
      // NOTE: unlike Lambda, the emulator cannot stop the handler, so it keeps running
      // and may still call the emulator after the step is recorded as timed out.
      timer = setTimeout(() => {
        resolve({ step, ok: false, error: { name: 'TimeoutError', message: `Task timed out after ${timeoutMs} ms` } });
      }, timeoutMs);
    });
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    return { name: error.name, message: error.message };
  }

  return { name: 'Error', message: String(error) };
}

/** Takes the function name out of `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
function functionNameFromArn(arn: string): string | undefined {
  const parts = arn.split(':');

  return parts[5] === 'function' ? parts[6] : undefined;
}
