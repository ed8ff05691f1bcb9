import { Logger } from '@aws-lambda-powertools/logger';

export const SERVICE_NAME = 'mtls-cert-rotator';

export type RotationLogger = Logger;

/** Creates the service logger; the level comes from `POWERTOOLS_LOG_LEVEL` or `LOG_LEVEL`. */
export function createLogger(): RotationLogger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
}
