import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PeerError } from './errors.js';
import { findExecutable } from './find-executable.js';
import { spawnPeer, startOnFreePort, waitUntilReady, type PeerProcess } from './peer-process.js';
import { runCommand } from './run-command.js';

/** Signing profile for mTLS client certificates: extKeyUsage clientAuth only. */
export const CFSSL_CLIENT_PROFILE = 'client';
export const CFSSL_CLIENT_EXPIRY_HOURS = 720;
/** Validity of certificates signed without a profile, which get both serverAuth and clientAuth. */
export const CFSSL_DEFAULT_EXPIRY_HOURS = 168;
/**
 * Validity of the root and intermediate CA certificates. It exceeds every
 * profile's expiry so that no issued certificate outlives its issuer, which
 * cfssl 1.2 does not prevent by itself.
 */
const CA_EXPIRY_HOURS = 8_760;
/** Limit for the wait until the API responds. A whole start, CA creation included, took 0.25 to 0.4 s on a 2-core machine. */
const READY_TIMEOUT_MS = 15_000;
const READY_PROBE_TIMEOUT_MS = 1_000;

/** A running `cfssl serve` whose signer is an intermediate CA under a fresh root CA. */
export interface CfsslServe {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234. The API is under /api/v1/cfssl/. */
  url: string;
  rootPem: string;
  /** The signer: issuer of every certificate from /api/v1/cfssl/sign, signed by the root. */
  intermediatePem?: string;
  /** Returns the recent output of cfssl serve, for failure messages. */
  log(): string;
  /** Stops cfssl serve and deletes the CA keys. Safe to call twice. */
  close(): Promise<void>;
}

interface CertificateAuthority {
  rootPem: string;
  intermediatePem: string;
  intermediatePath: string;
  intermediateKeyPath: string;
  signingConfigPath: string;
}

export interface CfsslServeOptions {
  /**
   * Hex HMAC key that the client profile requires (cfssl's auth_key, type
   * "standard"), so that profile signs only through /api/v1/cfssl/authsign.
   * The default profile stays unauthenticated.
   */
  clientProfileAuthKeyHex?: string;
}

/**
 * Starts `cfssl serve` on 127.0.0.1 with a two-level CA made by the cfssl CLI
 * in a new temporary directory. Without options the API needs no
 * authentication key.
 */
export async function startCfsslServe(options: CfsslServeOptions = {}): Promise<CfsslServe> {
  const cfssl = await findExecutable('cfssl', {
    installHint: 'install the Debian package golang-cfssl (apt-get install -y golang-cfssl)',
  });
  const directory = await mkdtemp(join(tmpdir(), 'cfssl-serve-'));

  try {
    const authority = await createCertificateAuthority(cfssl, directory, options);
    const { url, peer } = await startOnFreePort((port) => startServer(cfssl, directory, authority, port));
    let closing: Promise<void> | undefined;

    return {
      url,
      rootPem: authority.rootPem,
      intermediatePem: authority.intermediatePem,
      log: () => peer.output(),
      close: () => (closing ??= stopAndRemove(peer, directory)),
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

async function createCertificateAuthority(cfssl: string, directory: string, options: CfsslServeOptions): Promise<CertificateAuthority> {
  // RSA keys, because node-forge, which the rotator uses, reads only RSA
  // public keys from certificates.
  const subjectNames = [{ O: 'mtls-cert-rotator interop tests' }];
  const rootRequestPath = await writeJson(directory, 'root-ca-csr.json', {
    CN: 'mtls-cert-rotator interop root CA',
    key: { algo: 'rsa', size: 2048 },
    names: subjectNames,
    ca: { expiry: `${CA_EXPIRY_HOURS}h` },
  });
  const intermediateRequestPath = await writeJson(directory, 'intermediate-ca-csr.json', {
    CN: 'mtls-cert-rotator interop intermediate CA',
    key: { algo: 'rsa', size: 2048 },
    names: subjectNames,
  });
  // Used only here, so the CA-signing profile is never reachable through the API.
  const rootSigningConfigPath = await writeJson(directory, 'root-signing.json', {
    signing: {
      default: { expiry: `${CA_EXPIRY_HOURS}h`, usages: ['cert sign', 'crl sign'] },
      profiles: {
        intermediate: {
          expiry: `${CA_EXPIRY_HOURS}h`,
          usages: ['cert sign', 'crl sign'],
          ca_constraint: { is_ca: true, max_path_len: 0, max_path_len_zero: true },
        },
      },
    },
  });
  const authKeyName = 'rotator';
  const signingConfigPath = await writeJson(directory, 'serve-signing.json', {
    ...(options.clientProfileAuthKeyHex === undefined ? {} : { auth_keys: { [authKeyName]: { type: 'standard', key: options.clientProfileAuthKeyHex } } }),
    signing: {
      default: {
        expiry: `${CFSSL_DEFAULT_EXPIRY_HOURS}h`,
        usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
      },
      profiles: {
        [CFSSL_CLIENT_PROFILE]: {
          expiry: `${CFSSL_CLIENT_EXPIRY_HOURS}h`,
          usages: ['digital signature', 'key encipherment', 'client auth'],
          ...(options.clientProfileAuthKeyHex === undefined ? {} : { auth_key: authKeyName }),
        },
      },
    },
  });

  const root = parseCfsslJson(await runCommand(cfssl, ['gencert', '-initca', rootRequestPath], { cwd: directory }), [
    'cert',
    'key',
  ]);
  const rootPath = await writeText(directory, 'root-ca.pem', root.cert);
  const rootKeyPath = await writeText(directory, 'root-ca-key.pem', root.key);

  const intermediateRequest = parseCfsslJson(
    await runCommand(cfssl, ['genkey', intermediateRequestPath], { cwd: directory }),
    ['csr', 'key'],
  );
  const intermediateCsrPath = await writeText(directory, 'intermediate-ca.csr', intermediateRequest.csr);
  const intermediateKeyPath = await writeText(directory, 'intermediate-ca-key.pem', intermediateRequest.key);
  const intermediate = parseCfsslJson(
    await runCommand(
      cfssl,
      [
        'sign',
        '-ca',
        rootPath,
        '-ca-key',
        rootKeyPath,
        '-config',
        rootSigningConfigPath,
        '-profile',
        'intermediate',
        intermediateCsrPath,
      ],
      { cwd: directory },
    ),
    ['cert'],
  );
  const intermediatePath = await writeText(directory, 'intermediate-ca.pem', intermediate.cert);

  // Only the intermediate signs from here on.
  await rm(rootKeyPath);

  return {
    rootPem: root.cert,
    intermediatePem: intermediate.cert,
    intermediatePath,
    intermediateKeyPath,
    signingConfigPath,
  };
}

async function startServer(
  cfssl: string,
  directory: string,
  authority: CertificateAuthority,
  port: number,
): Promise<{ url: string; peer: PeerProcess }> {
  const url = `http://127.0.0.1:${port}`;
  const peer = spawnPeer(
    'cfssl serve',
    cfssl,
    [
      'serve',
      '-address',
      '127.0.0.1',
      '-port',
      String(port),
      '-ca',
      authority.intermediatePath,
      '-ca-key',
      authority.intermediateKeyPath,
      '-config',
      authority.signingConfigPath,
    ],
    directory,
  );
  await waitUntilReady(peer, () => answersInfo(url), READY_TIMEOUT_MS);

  return { url, peer };
}

async function answersInfo(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v1/cfssl/info`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS),
    });
    const body = (await response.json()) as { success?: unknown };

    return response.ok && body.success === true;
  } catch {
    // cfssl is not listening yet or still starting, so the caller polls again.
    return false;
  }
}

async function stopAndRemove(peer: PeerProcess, directory: string): Promise<void> {
  await peer.stop();
  await rm(directory, { recursive: true, force: true });
}

function parseCfsslJson<Field extends string>(stdout: string, fields: readonly Field[]): Record<Field, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (error) {
    throw new PeerError(`cfssl printed invalid JSON, expected an object with ${fields.join(', ')}`, { cause: error });
  }

  const result = {} as Record<Field, string>;
  for (const field of fields) {
    const value = (parsed as Record<string, unknown> | null)?.[field];
    if (typeof value !== 'string' || value === '') {
      throw new PeerError(`cfssl output is missing the string field '${field}'`);
    }
    result[field] = value;
  }

  return result;
}

async function writeJson(directory: string, name: string, value: unknown): Promise<string> {
  return writeText(directory, name, JSON.stringify(value, null, 2));
}

async function writeText(directory: string, name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text, { mode: 0o600 });

  return path;
}
