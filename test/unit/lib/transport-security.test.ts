import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Tripwires over the source: TLS verification stays on everywhere, and every configurable endpoint
 * URL goes through the URL policy (https, or http to loopback only with allowInsecureHttp).
 */

const SOURCE_ROOT = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(directory = SOURCE_ROOT): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);

    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('production source', () => {
  const files = sourceFiles().map((path) => ({ name: relative(SOURCE_ROOT, path), text: readFileSync(path, 'utf8') }));

  it('turns verification off only for the in-memory chain check', () => {
    // path-validation.ts connects a TLS client and server over an in-memory stream to read OpenSSL's
    // verdict on a chain. It uses the server's verdict only, and no byte leaves the process.
    const offenders = files.filter((file) => /rejectUnauthorized\s*:\s*false/.test(file.text)).map((file) => file.name);

    expect(offenders.filter((name) => name !== join('lib', 'certificates', 'path-validation.ts'))).toEqual([]);
  });

  it.each([
    ['NODE_TLS_REJECT_UNAUTHORIZED', /NODE_TLS_REJECT_UNAUTHORIZED/],
    ['a custom checkServerIdentity', /checkServerIdentity/],
    ['an insecure TLS agent option', /insecure\s*:\s*true|strictSSL\s*:\s*false/],
  ])('never contains %s', (_name, pattern) => {
    expect(files.filter((file) => pattern.test(file.text)).map((file) => file.name)).toEqual([]);
  });

  it('checks every configured URL with the URL policy', () => {
    const schemas = files.filter((file) => /-config\.ts$/.test(file.name) && /\burl\s*:\s*z\./.test(file.text));

    expect(schemas.length).toBeGreaterThan(0);
    for (const schema of schemas) {
      expect(
        /check(Endpoint|Https)Url\(|addHttpEndpointIssues\(|checkUrlField\(/.test(schema.text),
        `${schema.name} declares a url without checkEndpointUrl, checkHttpsUrl, checkUrlField or addHttpEndpointIssues`,
      ).toBe(true);
    }
  });
});
