/**
 * Runs a real rotation end to end on this machine, with no AWS account: a local Secrets Manager and
 * SNS endpoint, a CA speaking CFSSL's API and a partner that requires client certificates, all on
 * 127.0.0.1. Usage: npm run demo [-- --verbose]
 */
import { X509Certificate } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({ options: { verbose: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
if (options.help) {
  console.log('Usage: npm run demo [-- --verbose]\n  --verbose  also print the rotation function\'s JSON log lines');
  process.exit(0);
}
// The rotation function logs JSON lines; the demo shows a summary instead unless asked.
process.env.POWERTOOLS_LOG_LEVEL ??= options.verbose ? 'INFO' : 'ERROR';

const { startLocalEnvironment } = await import('./local-environment.js');
const { fetchWithClientCertificate } = await import('./partner/fetch-with-client-certificate.js');

const started = Date.now();
const env = await startLocalEnvironment();
const printed = new Set<string>();

function heading(text: string): void {
  console.log(`\n== ${text}`);
}

function shortId(versionId: string): string {
  return `${versionId.slice(0, 8)}…`;
}

async function printVersions(secretId: string): Promise<void> {
  const stages = await env.versionStages(secretId);
  for (const [versionId, labels] of Object.entries(stages)) {
    const document = await env.readDocument(secretId, { versionId });
    const certificate = typeof document.certificate === 'string' ? new X509Certificate(document.certificate) : undefined;
    const detail = certificate ? `serial ${certificate.serialNumber}, notAfter ${new Date(certificate.validTo).toISOString()}` : 'no certificate yet (bootstrap)';
    console.log(`  ${labels.join(',').padEnd(12)} ${shortId(versionId)}  ${detail}`);
  }
}

function printNewNotifications(): void {
  for (const message of env.aws.snsMessages) {
    if (printed.has(message.messageId)) continue;
    printed.add(message.messageId);
    const body = JSON.parse(message.message) as Record<string, unknown>;
    console.log(`  SNS ${String(body.event)} (attributes event=${message.messageAttributes.event?.stringValue})`);
    console.log(`    ${JSON.stringify(body, null, 2).replaceAll('\n', '\n    ')}`);
  }
}

async function rotateAndReport(secretId: string, label: string): Promise<void> {
  const record = await env.rotateSecret(secretId);
  for (const step of record.steps) {
    console.log(`  ${step.ok ? 'ok  ' : 'FAIL'} ${step.step}${step.error ? `: ${step.error.name}: ${step.error.message}` : ''}`);
  }
  if (record.steps.some((step) => !step.ok)) throw new Error(`${label} failed; run with --verbose for the function's log`);
  console.log('  versions:');
  await printVersions(secretId);
  printNewNotifications();
}

try {
  heading('Local environment (127.0.0.1)');
  console.log(`  Secrets Manager + SNS  ${env.aws.endpoint}`);
  console.log(`  CFSSL-compatible CA    ${env.cfssl.signUrl}`);
  console.log(`  partner (mTLS)         ${env.partner.url}`);

  heading('1. Create a bootstrap secret: AWSCURRENT holds only the rotation block');
  const secretArn = await env.createBootstrapSecret('mtls/payments-partner');
  console.log(`  ${secretArn}`);
  const rotation = (await env.readDocument(secretArn, { stage: 'AWSCURRENT' })).rotation as Record<string, unknown>;
  console.log(`  rotation.provider  ${JSON.stringify(rotation.provider)}`);
  console.log(`  rotation.subject   ${JSON.stringify(rotation.subject)}`);
  console.log(`  rotation.handshake.url ${(rotation.handshake as { url: string }).url}`);

  heading('2. Scheduled rotation (RotateSecret): createSecret, setSecret, testSecret, finishSecret');
  await rotateAndReport(secretArn, 'scheduled rotation');

  heading('3. A consumer calls the partner with the AWSCURRENT certificate');
  const current = await env.readDocument(secretArn, { stage: 'AWSCURRENT' });
  const response = await fetchWithClientCertificate(env.partner.url, {
    certificatePem: current.certificate as string,
    chainPem: current.certificateChain as string,
    privateKeyPem: current.privateKey as string,
    caPem: env.pki.serverRoot.certificatePem,
  });
  console.log(`  GET ${env.partner.url} -> HTTP ${response.status} ${response.body.trim()}`);
  const currentCertificate = new X509Certificate(current.certificate as string);
  console.log(`  fingerprint SHA-256 ${currentCertificate.fingerprint256}`);

  heading('4. Emergency rotation (RotateSecret, RotateImmediately=true)');
  await rotateAndReport(secretArn, 'emergency rotation');
  const previous = await env.readDocument(secretArn, { stage: 'AWSPREVIOUS' });
  const previousSerial = new X509Certificate(previous.certificate as string).serialNumber;
  console.log(`  the certificate from step 2 (serial ${previousSerial}) is now AWSPREVIOUS: ${previousSerial === currentCertificate.serialNumber ? 'yes' : 'NO'}`);

  heading(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; private keys stayed in the secret and were never printed`);
} finally {
  await env.close();
}
