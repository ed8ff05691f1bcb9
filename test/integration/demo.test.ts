import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { findPrivateKeyMaterial } from '../support/key-material.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
// One run took 2 to 3 s alone and 6 to 7 s with five in parallel on a 2-core machine. The limit leaves room for a loaded CI runner.
const DEMO_TIMEOUT_MS = 25_000;

interface DemoRun {
  exitCode: number | string | undefined;
  output: string;
}

/**
 * Runs `npx tsx dev/demo.ts` with `args` as a new user would, with --verbose, so the leak check
 * also covers the rotation function's JSON log lines.
 */
function runDemo(args: string[]): Promise<DemoRun> {
  const env = { ...process.env };
  delete env.POWERTOOLS_LOG_LEVEL;

  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'dev/demo.ts', '--verbose', ...args], { cwd: REPOSITORY_ROOT, env, timeout: DEMO_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : (error.code ?? error.signal ?? undefined), output: `${stdout}${stderr}` });
    });
  });
}

function countLines(output: string, pattern: RegExp): number {
  return output.split('\n').filter((line) => pattern.test(line)).length;
}

describe('npm run demo', () => {
  it.concurrent.for<[string, string[]]>([
    ['cfssl', ['FAIL createSecret: CertificateValidationError']],
    ['acm-pca', ['the CA recorded the revocation of that certificate: yes', 'FAIL createSecret: ProviderError']],
    ['vault', ['the CA recorded the revocation of that certificate: yes', 'FAIL createSecret: ProviderError']],
    ['est', ['authenticated simplereenroll with that certificate: yes', 'FAIL createSecret: ProviderError', 'HTTP 401']],
    ['http', ['FAIL createSecret: ProviderError', 'HTTP 503']],
  ])('rotates with provider %s', async ([provider, expectedTexts], { expect }) => {
    const run = await runDemo(['--provider', provider]);

    expect(run.exitCode, run.output).toBe(0);
    for (const step of STEPS) {
      expect(countLines(run.output, new RegExp(`^  ok {3}${step}$`)), `ok lines of ${step}`).toBe(2);
    }
    expect(countLines(run.output, /^ {2}FAIL /)).toBe(1);
    expect(run.output).toContain('"event": "CertificateRotationFailed"');
    expect(run.output).toContain('AWSCURRENT still contains the certificate from step 4: yes');
    for (const text of expectedTexts) expect(run.output).toContain(text);
    expect(findPrivateKeyMaterial(run.output)).toBeUndefined();
  });

  it.concurrent('uploads to the registration stand-in', async ({ expect }) => {
    const run = await runDemo(['--provider', 'est', '--registration']);

    expect(run.exitCode, run.output).toBe(0);
    for (const step of STEPS) {
      expect(countLines(run.output, new RegExp(`^  ok {3}${step}$`)), `ok lines of ${step}`).toBe(2);
    }
    const uploads = run.output.split('\n').filter((line) => line.includes('POST /v1/client-certificates'));
    expect(uploads).toHaveLength(2);
    for (const upload of uploads) expect(upload).toMatch(/-> HTTP 201: subject .*CN=payments-client\.example\.test, serial [0-9A-F]+$/);
    expect(run.output).toContain('"registration": {');
    expect(run.output).toContain('AWSCURRENT still contains the certificate from step 4: yes');
    expect(findPrivateKeyMaterial(run.output)).toBeUndefined();
  });

  it('rejects an unknown provider', async ({ expect }) => {
    const run = await runDemo(['--provider', 'scep']);

    expect(run.exitCode).toBe(2);
    expect(run.output).toContain('invalid --provider "scep": use one of cfssl, acm-pca, vault, est, http');
    expect(run.output).toContain('--registration');
  });
});
