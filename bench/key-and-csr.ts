/**
 * Measures the createSecret work done inside the Lambda: key generation (node:crypto) plus the
 * PKCS#10 CSR (node-forge ASN.1, signed by node:crypto), against `openssl req -new -newkey` doing
 * the same in one process as the baseline. Writes the figures to docs/benchmarks.md.
 * Usage: npm run bench [-- --iterations 20]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCsr } from '../src/lib/certificates/csr.js';
import { generateKey } from '../src/lib/certificates/keys.js';
import type { KeySpec } from '../src/lib/config/rotation-config.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' } } });
const iterations = Number.parseInt(values.iterations, 10);
const workDir = mkdtempSync(join(tmpdir(), 'bench-'));

const cases: [string, KeySpec, string[]][] = [
  ['EC P-256', { algorithm: 'EC', curve: 'P-256' }, ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ['EC P-384', { algorithm: 'EC', curve: 'P-384' }, ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
  ['RSA 2048', { algorithm: 'RSA', size: 2048 }, ['-newkey', 'rsa:2048']],
  ['RSA 3072', { algorithm: 'RSA', size: 3072 }, ['-newkey', 'rsa:3072']],
  ['RSA 4096', { algorithm: 'RSA', size: 4096 }, ['-newkey', 'rsa:4096']],
];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);

  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function measureService(spec: KeySpec): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    const key = await generateKey(spec);
    buildCsr({ subject: { commonName: 'bench.example.test' }, subjectAltNames: { dns: ['bench.example.test'] }, privateKey: key.privateKey });
    samples.push(performance.now() - started);
  }

  return samples;
}

function measureOpenssl(newKeyArguments: string[]): number[] {
  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    execFileSync('openssl', ['req', '-new', ...newKeyArguments, '-nodes', '-subj', '/CN=bench.example.test', '-addext', 'subjectAltName=DNS:bench.example.test', '-keyout', join(workDir, 'key.pem'), '-out', join(workDir, 'csr.pem')], { stdio: 'ignore' });
    samples.push(performance.now() - started);
  }

  return samples;
}

const rows: string[] = [];
for (const [name, spec, opensslArguments] of cases) {
  const service = median(await measureService(spec));
  const openssl = median(measureOpenssl(opensslArguments));
  rows.push(`| ${name} | ${service.toFixed(1)} | ${openssl.toFixed(1)} |`);
  console.log(`${name}: service ${service.toFixed(1)} ms, openssl req ${openssl.toFixed(1)} ms (median of ${iterations})`);
}
rmSync(workDir, { recursive: true, force: true });

const openssl = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
const section = [
  '## Key generation and CSR (createSecret, before the CA request)',
  '',
  `Command: \`npm run bench -- --iterations ${iterations}\`, on ${cpus().length} vCPUs (${cpus()[0]?.model ?? 'model not reported'}), ${process.arch}, Node.js ${process.version}, ${openssl}, ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `Median wall time of ${iterations} runs, in milliseconds. The service column is one \`generateKey\` plus \`buildCsr\` in this process; the baseline is one \`openssl req -new -newkey … -nodes\` process, which includes its process start-up: the EC rows, where key generation is cheap, show that cost. RSA key generation time varies widely from run to run, because it searches for primes.`,
  '',
  '| Key | service (ms) | openssl req (ms) |',
  '| --- | ---: | ---: |',
  ...rows,
  '',
].join('\n');

const path = 'docs/benchmarks.md';
let existing = '';
try {
  existing = readFileSync(path, 'utf8');
} catch {
  existing = '# Benchmarks\n\nFigures measured by the scripts in `bench/`, each with the command that produced it. Each command rewrites its own section of this page.\n\n';
}
const marker = '## Key generation and CSR';
const start = existing.indexOf(marker);
const rest = start === -1 ? '' : existing.slice(start).replace(/^## Key generation and CSR[\s\S]*?(?=\n## |$)/, '');
writeFileSync(path, (start === -1 ? existing : existing.slice(0, start)) + section + rest.replace(/^\n+/, '\n'));
console.log(`wrote ${path}`);
