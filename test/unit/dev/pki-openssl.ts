import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// OpenSSL is the independent encoder and verifier for the dev PKI tests: certificates built with
// @peculiar/x509 are checked with `openssl verify`, and CSRs sent to the dev CA are built by `openssl req`.

export interface OpensslResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface OpensslVerifyInput {
  rootPem: string;
  untrustedPem?: string;
  leafPem: string;
  /** Extra flags such as ['-x509_strict', '-purpose', 'sslclient']. */
  flags?: string[];
}

const OPENSSL_TIMEOUT_MS = 20_000;

/** Runs `openssl` with the given arguments and returns the exit code instead of throwing. */
export function runOpenssl(args: string[]): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: OPENSSL_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`openssl ${args[0] ?? ''} failed to run: ${error.message}`, { cause: error }));
        return;
      }

      resolve({ exitCode: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** Runs `fn` with a new directory under os.tmpdir() and removes it afterwards, also on failure. */
export async function withTempDir<T>(fn: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), 'dev-pki-'));
  try {
    return await fn(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Runs `openssl verify -CAfile root -untrusted intermediates leaf` and returns its result. */
export function opensslVerify(input: OpensslVerifyInput): Promise<OpensslResult> {
  return withTempDir(async (directory) => {
    const rootPath = join(directory, 'root.pem');
    const leafPath = join(directory, 'leaf.pem');
    await writeFile(rootPath, input.rootPem);
    await writeFile(leafPath, input.leafPem);

    const args = ['verify', ...(input.flags ?? []), '-CAfile', rootPath];
    if (input.untrustedPem !== undefined) {
      const untrustedPath = join(directory, 'untrusted.pem');
      await writeFile(untrustedPath, input.untrustedPem);
      args.push('-untrusted', untrustedPath);
    }

    return runOpenssl([...args, leafPath]);
  });
}

/**
 * Builds a PEM CSR with `openssl req`. The key is written to a mode 0600 file in a temporary
 * directory that is removed afterwards; only the CSR is returned.
 */
export function opensslCsr(privateKeyPem: string, subject: string, subjectAltName?: string): Promise<string> {
  return withTempDir(async (directory) => {
    const keyPath = join(directory, 'key.pem');
    await writeFile(keyPath, privateKeyPem, { mode: 0o600 });

    const args = ['req', '-new', '-key', keyPath, '-subj', subject, '-sha256'];
    if (subjectAltName !== undefined) {
      args.push('-addext', `subjectAltName=${subjectAltName}`);
    }
    const result = await runOpenssl(args);
    if (result.exitCode !== 0) {
      throw new Error(`openssl req exited with ${result.exitCode}: ${result.stderr}`);
    }

    return result.stdout;
  });
}

/** Returns the text of the named extensions, as printed by `openssl x509 -noout -ext`. */
export function opensslExtensions(certificatePem: string, names: string[]): Promise<string> {
  return withTempDir(async (directory) => {
    const certificatePath = join(directory, 'certificate.pem');
    await writeFile(certificatePath, certificatePem);

    const result = await runOpenssl(['x509', '-in', certificatePath, '-noout', '-ext', names.join(',')]);
    if (result.exitCode !== 0) {
      throw new Error(`openssl x509 -ext exited with ${result.exitCode}: ${result.stderr}`);
    }

    return result.stdout;
  });
}
