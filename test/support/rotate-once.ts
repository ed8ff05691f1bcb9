import type { LocalEnvironment } from '../../dev/local-environment.js';
import { rotate } from '../../src/lib/rotation.js';
import { issueFromCsr, type CertificateAuthority, type IssueOptions } from '../../dev/pki/index.js';
import type { CfsslResponder } from '../../dev/ca/cfssl-server.js';
import { cfsslSuccess } from './cfssl-answers.js';

let counter = 0;

/** Creates a bootstrap secret (rotation block only) with `overrides` and runs one full rotation. */
export async function rotateOnce(env: LocalEnvironment, overrides: Record<string, unknown> = {}, responder?: CfsslResponder) {
  counter += 1;
  const name = `mtls/hostile-${counter}-${Date.now()}`;
  const arn = await env.createBootstrapSecret(name, overrides);
  env.cfssl.setResponder(responder);
  const record = await env.rotateSecret(arn);
  const stages = await env.versionStages(arn);
  const currentVersionId = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
  const failed = record.steps.find((step) => !step.ok);
  const notices = env.aws.snsMessages
    .map((message) => JSON.parse(message.message) as Record<string, unknown>)
    .filter((body) => body.versionId === record.token);

  return { arn, name, record, stages, failed, promoted: currentVersionId === record.token, notices };
}

/** Returns a responder that signs the CSR's key, applies `transform` to the leaf and appends `extraPem`. */
export function signAndTransform(
  signer: CertificateAuthority,
  options: IssueOptions,
  transform: (leafPem: string) => string = (pem) => pem,
  extraPem = '',
): CfsslResponder {
  return async (path, body) => {
    if (!path.endsWith('/sign')) return undefined;
    const csr = (body as { certificate_request: string }).certificate_request;

    return cfsslSuccess(transform(await issueFromCsr(signer, csr, options)) + extraPem);
  };
}

/** Reinstalls the local environment's rotation handler with another step timeout. */
export function useStepTimeout(env: LocalEnvironment, timeoutMs: number): void {
  env.aws.setRotationHandler((event, context) => rotate(event, context, env.dependencies), { timeoutMs });
}
