import { randomUUID, type KeyObject } from 'node:crypto';
import { buildCsr } from '../../src/lib/certificates/csr.js';
import { generateKey, toPkcs8Pem } from '../../src/lib/certificates/keys.js';
import { parseRotationConfig } from '../../src/lib/config/rotation-config.js';
import type { IssueRequest, ProviderContext } from '../../src/lib/providers/index.js';
import { registerPrivateKey } from './key-material.js';

export const TEST_SUBJECT = { commonName: 'payments-client.example.test', organization: 'Example Org' };
export const TEST_SUBJECT_ALT_NAMES = { dns: ['payments-client.example.test'] };

/**
 * Builds what createSecret hands a provider: a fresh P-256 key, its CSR for TEST_SUBJECT and the
 * parsed rotation block around `provider`. The key is registered with the leak guard.
 */
export async function newIssueRequest(
  provider: Record<string, unknown>,
  context: ProviderContext,
  rotation: Record<string, unknown> = {},
): Promise<{ request: IssueRequest; privateKey: KeyObject; privateKeyPem: string }> {
  const config = parseRotationConfig({ provider, subject: TEST_SUBJECT, subjectAltNames: TEST_SUBJECT_ALT_NAMES, ...rotation });
  const key = await generateKey(config.key);
  const privateKeyPem = toPkcs8Pem(key.privateKey);
  registerPrivateKey(privateKeyPem);
  const csrPem = buildCsr({ subject: config.subject, subjectAltNames: config.subjectAltNames, privateKey: key.privateKey });

  return { request: { csrPem, config, clientRequestToken: randomUUID(), context }, privateKey: key.privateKey, privateKeyPem };
}
