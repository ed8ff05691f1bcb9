import { AwsJsonProtocol } from './aws-json-protocol.js';
import { AwsQueryProtocol } from './aws-query-protocol.js';
import type { AwsEmulator, PublishedMessage, RotationHandler } from './emulator-types.js';
import { FaultInjector } from './fault-injector.js';
import { startHttpServer } from './http-server.js';
import { RotationRunner } from './rotation-runner.js';
import { SecretRotationApi } from './secret-rotation-api.js';
import { SecretStore } from './secret-store.js';
import { SecretsManagerApi } from './secrets-manager-api.js';
import { SnsApi } from './sns-api.js';

export type {
  AwsEmulator,
  FaultSpec,
  PublishedMessage,
  RotationHandler,
  RotationInvocation,
  RotationRecord,
  RotationStepName,
  RotationStepOutcome,
} from './emulator-types.js';
export { RotationStep } from './emulator-types.js';

export interface AwsEmulatorOptions {
  rotationHandler?: RotationHandler;
  /** The emulated rotation function's timeout per step, default 30,000 ms. */
  rotationTimeoutMs?: number;
}

const REGION = 'us-east-1';
const ACCOUNT_ID = '123456789012';

/**
 * Starts an in-process Secrets Manager and SNS endpoint on 127.0.0.1 with an
 * ephemeral port. The unmodified AWS SDK v3 clients work against it when given
 * `endpoint` (or AWS_ENDPOINT_URL) and any static credentials, because signatures are not checked.
 */
export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const snsMessages: PublishedMessage[] = [];
  const store = new SecretStore(REGION, ACCOUNT_ID);
  const runner = new RotationRunner(REGION, ACCOUNT_ID, { handler: options.rotationHandler, timeoutMs: options.rotationTimeoutMs });
  const secretsManager = new SecretsManagerApi(store, new SecretRotationApi(store, runner));
  const sns = new SnsApi(REGION, ACCOUNT_ID, snsMessages);
  const faults = new FaultInjector();
  const server = await startHttpServer([new AwsJsonProtocol(secretsManager), new AwsQueryProtocol(sns)], faults);
  let closing: Promise<void> | undefined;

  return {
    endpoint: server.endpoint,
    region: REGION,
    accountId: ACCOUNT_ID,
    snsMessages,
    rotations: runner.records,
    setRotationHandler: (handler, handlerOptions) => runner.setHandler(handler, handlerOptions?.timeoutMs),
    waitForRotations: () => runner.waitForAll(),
    injectFault: (fault) => faults.add(fault),
    close: () => {
      closing ??= (async () => {
        // Rotations call back into the server, so it stays up until they settle.
        await runner.waitForAll();
        await server.close();
      })();

      return closing;
    },
  };
}
