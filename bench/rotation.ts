/**
 * Measures one full rotation (createSecret, setSecret, testSecret, finishSecret) through the local
 * environment: key and CSR, the CFSSL-compatible CA, validation with the OpenSSL path check, the
 * mTLS request to the partner, and the Secrets Manager and SNS calls over loopback. The baseline in
 * the same run is a bare `node -e 0` process start, the floor of a Lambda cold start's own work.
 * Writes the figures to docs/benchmarks.md. Usage: npm run bench:rotation [-- --iterations 20]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' } } });
const iterations = Number.parseInt(values.iterations, 10);
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const { startLocalEnvironment } = await import('../dev/local-environment.js');

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);

  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const env = await startLocalEnvironment();
const rows: string[] = [];
try {
  for (const [name, key] of [
    ['EC P-256', { algorithm: 'EC', curve: 'P-256' }],
    ['RSA 2048', { algorithm: 'RSA', size: 2048 }],
  ] as const) {
    const samples: number[] = [];
    const arn = await env.createBootstrapSecret(`mtls/bench-${name.replace(' ', '-')}`, { key });
    for (let index = 0; index < iterations; index += 1) {
      const started = performance.now();
      const record = await env.rotateSecret(arn);
      samples.push(performance.now() - started);
      if (!record.steps.every((step) => step.ok)) throw new Error(`rotation failed: ${JSON.stringify(record.steps)}`);
    }
    rows.push(`| full rotation, ${name} key | ${median(samples).toFixed(1)} |`);
    console.log(`${name}: ${median(samples).toFixed(1)} ms per rotation (median of ${iterations})`);
  }
} finally {
  await env.close();
}

const nodeStarts: number[] = [];
for (let index = 0; index < iterations; index += 1) {
  const started = performance.now();
  execFileSync(process.execPath, ['-e', '0']);
  nodeStarts.push(performance.now() - started);
}
rows.push(`| baseline: \`node -e 0\` process start | ${median(nodeStarts).toFixed(1)} |`);
console.log(`node -e 0: ${median(nodeStarts).toFixed(1)} ms (median of ${iterations})`);

const section = [
  '## Full rotation through the local environment',
  '',
  `Command: \`npm run bench:rotation -- --iterations ${iterations}\`, on ${cpus().length} vCPUs (${cpus()[0]?.model ?? 'model not reported'}), ${process.arch}, Node.js ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `Median wall time of ${iterations} rotations, in milliseconds, from RotateSecret until the last step settled. Everything runs in one process on loopback, so this is the function's own work plus local round trips; a real CA, partner and AWS add their network latency. The baseline row is the start of a bare Node.js process, the floor under any Lambda cold start, to set the rotation time in proportion. Lambda runs Node.js 22 on arm64, so expect other figures there.`,
  '',
  '| Measurement | ms |',
  '| --- | ---: |',
  ...rows,
  '',
].join('\n');

const path = 'docs/benchmarks.md';
const existing = readFileSync(path, 'utf8');
const marker = '## Full rotation through the local environment';
const start = existing.indexOf(marker);
const before = start === -1 ? `${existing.trimEnd()}\n\n` : existing.slice(0, start);
const after = start === -1 ? '' : existing.slice(start).replace(/^## Full rotation through the local environment[\s\S]*?(?=\n## |$)/, '');
writeFileSync(path, before + section + after.replace(/^\n+/, '\n'));
console.log(`wrote ${path}`);
