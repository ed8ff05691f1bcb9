import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/lib/errors.js';
import { CfsslProvider } from '../../src/lib/providers/cfssl.js';
import type { CfsslProviderConfig } from '../../src/lib/providers/cfssl-config.js';
import { newIssueRequest } from '../support/issue-request.js';
import { testProviderContext } from '../support/provider-context.js';
import { CFSSL_CLIENT_PROFILE, startCfsslServe, type CfsslServe } from './peers/cfssl-serve.js';

const AUTH_KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

let cfssl: CfsslServe;

beforeAll(async () => {
  cfssl = await startCfsslServe({ clientProfileAuthKeyHex: AUTH_KEY_HEX });
});
afterAll(() => cfssl?.close());

async function issue(keyHex: string | undefined) {
  const provider = {
    type: 'cfssl',
    url: `${cfssl.url}/api/v1/cfssl/sign`,
    profile: CFSSL_CLIENT_PROFILE,
    allowInsecureHttp: true,
    ...(keyHex === undefined ? {} : { credentialsSecretId: 'cfssl/auth' }),
  };
  const { request, privateKey } = await newIssueRequest(provider, testProviderContext({ credentials: { 'cfssl/auth': { key: keyHex } } }));
  const result = await new CfsslProvider(request.config.provider as CfsslProviderConfig).issue(request);

  return { result, privateKey };
}

async function issueError(keyHex: string | undefined): Promise<ProviderError> {
  const error = await issue(keyHex).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, cfssl.log()).toBeInstanceOf(ProviderError);

  return error as ProviderError;
}

describe('CfsslProvider against cfssl serve with an auth_key', () => {
  it('signs through authsign', async () => {
    const { result, privateKey } = await issue(AUTH_KEY_HEX);

    const [leaf, signer] = result.certificates as [X509Certificate, X509Certificate];
    expect(leaf.checkPrivateKey(privateKey)).toBe(true);
    expect(leaf.checkIssued(signer)).toBe(true);
    expect(leaf.toLegacyObject().ext_key_usage).toContain(CLIENT_AUTH_OID);
  });

  it('reports a wrong key', async () => {
    const error = await issueError('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100');

    expect(error.message).toContain("provider 'cfssl' authsign rejected the request with HTTP 400: 400: \"invalid token\"");
    expect(error.retryable).toBe(false);
  });

  it('reports that sign needs authentication', async () => {
    const error = await issueError(undefined);

    expect(error.message).toContain("provider 'cfssl' sign rejected the request with HTTP 400");
    expect(error.message).toContain('authentication required');
  });
});
