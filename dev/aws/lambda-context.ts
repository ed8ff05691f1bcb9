import { randomUUID } from 'node:crypto';

import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  functionName?: string;
  /** The function timeout. getRemainingTimeInMillis counts down from it, starting now. */
  timeoutMs: number;
  region?: string;
  accountId?: string;
}

const DEFAULT_FUNCTION_NAME = 'mtls-cert-rotator';
const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ACCOUNT_ID = '123456789012';
const MEMORY_LIMIT_MB = '128';

/**
 * Creates the context object the Lambda Node.js runtime passes to a handler. The
 * deprecated callback methods (done, fail, succeed) throw, because an async
 * handler reports its outcome through the returned promise.
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const functionName = options.functionName ?? DEFAULT_FUNCTION_NAME;
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const deadline = Date.now() + options.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');

  const rejectCallbackApi = (method: string) => (): never => {
    throw new Error(`context.${method}() is not supported by the emulated Lambda context: return a promise from the handler instead.`);
  };

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: MEMORY_LIMIT_MB,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: rejectCallbackApi('done'),
    fail: rejectCallbackApi('fail'),
    succeed: rejectCallbackApi('succeed'),
  };
}
