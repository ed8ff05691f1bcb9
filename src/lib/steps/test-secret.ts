import { testHandshake } from '../handshake.js';
import { toPkcs8Pem } from '../certificates/keys.js';
import { toPem, toPemBundle } from '../certificates/pem.js';
import { OPERATION_MIN_MS } from '../time-budget.js';
import { loadPendingCredentials, type PendingCredentials } from './pending-credentials.js';
import type { StepContext } from './step-context.js';

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

  await proveWithPartner(context, pending);
}

/**
 * Sends a live mTLS request to the partner with the pending certificate; logs a warning instead
 * when `rotation.handshake` is not set.
 */
export async function proveWithPartner(context: StepContext, pending: PendingCredentials): Promise<void> {
  const { logger } = context;
  const handshake = pending.config.handshake;
  if (handshake === undefined) {
    logger.warn('rotation.handshake is not set, so the pending certificate was not tested against a live partner endpoint');

    return;
  }

  // Each attempt's timeout is cut to the time left, so a slow partner cannot make Lambda stop the step mid-request.
  context.budget.require('the mTLS handshake test', OPERATION_MIN_MS.handshake);
  const result = await testHandshake(
    handshake,
    {
      certificateChainPem: toPem(pending.validated.leaf) + toPemBundle(pending.validated.chain),
      privateKeyPem: toPkcs8Pem(pending.privateKey),
    },
    { logger, retryPolicy: context.dependencies.retryPolicy, remainingTimeMs: () => context.budget.remainingMs() },
  );
  logger.info('mTLS test against the partner passed', { url: handshake.url, status: result.status, tlsProtocol: result.tlsProtocol, durationMs: result.durationMs });
}
