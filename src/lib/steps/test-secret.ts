import { testHandshake, HANDSHAKE_TIMEOUT_MS } from '../handshake.js';
import { toPem, toPemBundle } from '../certificates/pem.js';
import { loadPendingCredentials } from './pending-credentials.js';
import type { StepContext } from './step-context.js';

// Time kept back from the Lambda's remaining time so a slow partner cannot make the function time out mid-step.
const HANDSHAKE_TIME_RESERVE_MS = 2_000;

/**
 * testSecret: validate the pending certificate again as stored, then prove it with a live mTLS
 * request to the partner. Also runs alone against a temporary copy of AWSCURRENT when rotation is
 * configured with RotateImmediately=false.
 */
export async function testSecret(context: StepContext): Promise<void> {
  const { logger } = context;
  const pending = await loadPendingCredentials(context);
  for (const warning of pending.validated.warnings) logger.warn(warning);
  logger.info('pending certificate passed validation', { certificate: pending.validated.summary });

  const handshake = pending.config.handshake;
  if (handshake === undefined) {
    logger.warn('rotation.handshake is not set, so the pending certificate was not tested against a live partner endpoint');

    return;
  }

  const remaining = context.lambdaContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
  const timeoutMs = Math.max(1_000, Math.min(handshake.timeoutMs ?? HANDSHAKE_TIMEOUT_MS, remaining - HANDSHAKE_TIME_RESERVE_MS));
  const result = await testHandshake(
    handshake,
    {
      certificateChainPem: toPem(pending.validated.leaf) + toPemBundle(pending.validated.chain),
      privateKeyPem: pending.privateKeyPem,
    },
    timeoutMs,
  );
  logger.info('mTLS test against the partner passed', { url: handshake.url, status: result.status, tlsProtocol: result.tlsProtocol, durationMs: result.durationMs });
}
