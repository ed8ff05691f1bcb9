import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../dev/local-environment.js';
import { findPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';

const run = promisify(execFile);
const workDir = mkdtempSync(join(tmpdir(), 'check-secret-'));
let env: LocalEnvironment;

beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterAll(async () => {
  await env.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs `npm run check-secret` on `value` and returns its exit code and combined output. */
async function checkSecret(value: unknown): Promise<{ code: number; output: string }> {
  const path = join(workDir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'dev/check-secret.ts', path]);

    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };

    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

describe('check-secret', () => {
  it('accepts a rotated secret', async () => {
    const arn = await env.createBootstrapSecret('mtls/check-secret');
    await env.rotateSecret(arn);
    const document = await env.readDocument(arn, { stage: 'AWSCURRENT' });
    registerPrivateKey(document.privateKey as string);

    const result = await checkSecret(document);

    expect(result.code).toBe(0);
    expect(result.output).toContain('rotation block is valid: provider cfssl');
    expect(result.output).toMatch(/stored certificate is valid: serial [0-9A-F]+, notAfter \d{4}-/);
    expect(findPrivateKeyMaterial(result.output)).toBeUndefined();
  });

  it('lists every bad field', async () => {
    const result = await checkSecret({ rotation: { ...env.rotationBlock(), minValidityDays: 0, extra: true } });

    expect(result.code).toBe(1);
    expect(result.output).toContain('rotation.minValidityDays: must be more than 0');
    expect(result.output).toContain('rotation: unknown field "extra"');
  });

  it('rejects a key of another certificate', async () => {
    const first = await env.readDocument(await env.createBootstrapSecret('mtls/check-a').then(async (arn) => (await env.rotateSecret(arn), arn)), { stage: 'AWSCURRENT' });
    const second = await env.readDocument(await env.createBootstrapSecret('mtls/check-b').then(async (arn) => (await env.rotateSecret(arn), arn)), { stage: 'AWSCURRENT' });
    registerPrivateKey(first.privateKey as string);
    registerPrivateKey(second.privateKey as string);

    const result = await checkSecret({ ...first, privateKey: second.privateKey });

    expect(result.code).toBe(1);
    expect(result.output).toContain('does not match the stored private key');
    expect(findPrivateKeyMaterial(result.output)).toBeUndefined();
  });

  it('rejects text that is not JSON', async () => {
    const result = await checkSecret('not json');

    expect(result.code).toBe(1);
    expect(result.output).toContain('is not valid JSON');
  });
});
