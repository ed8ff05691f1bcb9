import { randomBytes } from 'node:crypto';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { startAcmPcaServer, type AcmPcaServer } from './acm-pca/acm-pca-server.js';
import { startEstServer, type EstServer, type EstServerOptions } from './est/est-server.js';
import { startHttpCaServer, type HttpCaServer, type HttpCaServerOptions } from './http-ca/http-ca-server.js';
import type { LocalEnvironment } from './local-environment.js';
import { startRegistrationServer, type RegistrationServer, type RegistrationServerOptions } from './registration/registration-server.js';
import { startVaultServer, type VaultServer } from './vault/vault-server.js';

/*
 * Stand-ins for the CAs and partner APIs that a rotation can call besides CFSSL, started beside a
 * local environment and wired to its PKI. The issuing CA is the environment's intermediate, the
 * HTTPS certificate is its loopback server certificate, and client certificates are trusted up to
 * its client root. The demo and the integration tests share them.
 */

/** A local AWS Private CA, reached by the rotation function's SDK client through AWS_ENDPOINT_URL_ACM_PCA. */
export interface AcmPcaStandIn {
  server: AcmPcaServer;
  /** A valid `rotation.provider` block for this CA, with `overrides` merged in. */
  providerBlock(overrides?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

/** A local Vault PKI mount over HTTPS, with its token stored in a credentials secret. */
export interface VaultStandIn {
  server: VaultServer;
  /** The token the server accepts; random per start, so tests can search output for it. */
  token: string;
  credentialsSecretArn: string;
  providerBlock(overrides?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Starts the AWS Private CA stand-in beside a local environment, signing with the environment's
 * issuing CA, and points the AWS SDK's ACM PCA endpoint variable at it for this process.
 */
export async function startAcmPcaStandIn(env: LocalEnvironment, options: { pendingPolls?: number } = {}): Promise<AcmPcaStandIn> {
  const server = await startAcmPcaServer({
    signer: env.pki.intermediate,
    region: env.aws.region,
    accountId: env.aws.accountId,
    ...(options.pendingPolls === undefined ? {} : { pendingPolls: options.pendingPolls }),
  });
  process.env.AWS_ENDPOINT_URL_ACM_PCA = server.endpoint;

  return {
    server,
    providerBlock: (overrides = {}) => ({ type: 'acm-pca', certificateAuthorityArn: server.certificateAuthorityArn, validityDays: 30, ...overrides }),
    close: async () => {
      delete process.env.AWS_ENDPOINT_URL_ACM_PCA;
      await server.close();
    },
  };
}

/**
 * Starts the Vault stand-in beside a local environment: HTTPS with the environment's server
 * certificate, signing with its issuing CA, and a credentials secret `{ "token": ... }` in the
 * emulated Secrets Manager.
 */
export async function startVaultStandIn(env: LocalEnvironment, options: { namespace?: string; secretName?: string } = {}): Promise<VaultStandIn> {
  const token = `hvs.${randomBytes(24).toString('base64url')}`;
  const server = await startVaultServer({
    signer: env.pki.intermediate,
    token,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    tls: { certificatePem: env.pki.server.certificateChainPem, privateKeyPem: env.pki.server.privateKeyPem },
  });
  const credentialsSecretArn = await createCredentialsSecret(env, options.secretName ?? `mtls-credentials/vault-token-${randomBytes(4).toString('hex')}`, { token });

  return {
    server,
    token,
    credentialsSecretArn,
    providerBlock: (overrides = {}) => ({
      type: 'vault',
      url: server.url,
      mount: server.mount,
      role: 'mtls-client',
      ttl: '720h',
      credentialsSecretId: credentialsSecretArn,
      caCertificates: env.pki.serverRoot.certificatePem,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      ...overrides,
    }),
    close: () => server.close(),
  };
}

/** Stores a JSON credentials secret in the environment's Secrets Manager and returns its ARN. */
export async function createCredentialsSecret(env: LocalEnvironment, name: string, value: Record<string, unknown>): Promise<string> {
  const created = await env.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));

  return created.ARN ?? name;
}

export function startEstStandIn(env: LocalEnvironment, options: Partial<EstServerOptions> = {}): Promise<EstServer> {
  return startEstServer({ issuer: env.pki.intermediate, tls: serverTls(env), clientCaPem: env.pki.root.certificatePem, ...options });
}

export function startHttpCaStandIn(env: LocalEnvironment, options: Partial<HttpCaServerOptions> = {}): Promise<HttpCaServer> {
  return startHttpCaServer({ issuer: env.pki.intermediate, tls: serverTls(env), clientCaPem: env.pki.root.certificatePem, ...options });
}

export function startRegistrationStandIn(env: LocalEnvironment, options: Partial<RegistrationServerOptions> = {}): Promise<RegistrationServer> {
  return startRegistrationServer({ tls: serverTls(env), clientCaPem: env.pki.root.certificatePem, ...options });
}

function serverTls(env: LocalEnvironment) {
  return { certificatePem: env.pki.server.certificateChainPem, privateKeyPem: env.pki.server.privateKeyPem };
}
