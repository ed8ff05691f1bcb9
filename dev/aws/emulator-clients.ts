import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

import type { AwsEmulator } from './emulator-types.js';

export interface EmulatorClientOptions {
  /** The SDK's attempts per call, including the first. 1 turns retries off, so an injected fault reaches the test. */
  maxAttempts?: number;
}

// Static credentials keep the SDK from searching the environment, profiles and the
// instance metadata endpoint. The emulator does not check signatures.
const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export function createSecretsManagerClient(emulator: AwsEmulator, options: EmulatorClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: EMULATOR_CREDENTIALS,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}

export function createSnsClient(emulator: AwsEmulator, options: EmulatorClientOptions = {}): SNSClient {
  return new SNSClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: EMULATOR_CREDENTIALS,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}
