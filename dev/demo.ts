/**
 * Runs a real rotation end to end on this machine, with no AWS account: a local Secrets Manager and
 * SNS endpoint, a CA stand-in and a partner that requires client certificates, all on 127.0.0.1.
 * Usage: npm run demo -- [--provider cfssl|acm-pca|vault|est|http] [--registration] [--verbose]
 */
import { X509Certificate } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEMO_PROVIDERS, type DemoProviderName } from './demo/demo-providers.js';

const USAGE = `Usage: npm run demo -- [--provider cfssl|acm-pca|vault|est|http] [--registration] [--verbose]
  --provider      the CA to rotate with: cfssl (default, a CFSSL-compatible CA), acm-pca (an AWS
                  Private CA stand-in), vault (a Vault PKI stand-in), est (an EST server, RFC 7030)
                  or http (a CA with its own REST API); acm-pca and vault also revoke the
                  superseded certificate
  --registration  add a rotation.registration block, so setSecret uploads each new certificate to
                  a partner registration API, and print the subject and serial the partner received
  --verbose       also print the rotation function's JSON log lines
  --help          print this text`;

let options: { verbose: boolean; help: boolean; registration: boolean; provider: string };
try {
  options = parseArgs({
    options: {
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      registration: { type: 'boolean', default: false },
      provider: { type: 'string', default: 'cfssl' },
    },
  }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!(DEMO_PROVIDERS as readonly string[]).includes(options.provider)) {
  console.error(`invalid --provider ${JSON.stringify(options.provider)}: use one of ${DEMO_PROVIDERS.join(', ')}\n${USAGE}`);
  process.exit(2);
}
// The rotation function logs JSON lines; the demo shows a summary instead unless asked.
process.env.POWERTOOLS_LOG_LEVEL ??= options.verbose ? 'INFO' : 'SILENT';

const { startLocalEnvironment } = await import('./local-environment.js');
const { fetchWithClientCertificate } = await import('./partner/fetch-with-client-certificate.js');
const { startDemoProvider } = await import('./demo/demo-providers.js');
const { startDemoRegistration } = await import('./demo/demo-registration.js');

const started = Date.now();
const env = await startLocalEnvironment();
const provider = await startDemoProvider(options.provider as DemoProviderName, env);
const registration = options.registration ? await startDemoRegistration(env) : undefined;
const bootstrapOverrides = { ...provider.rotationOverrides, ...registration?.rotationOverrides };
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
    const document = await env.readDocument(secretId, { versionId }).catch(() => undefined);
    if (document === undefined) {
      console.log(`  ${labels.join(',').padEnd(12)} ${shortId(versionId)}  no value: the placeholder RotateSecret created, never filled`);
      continue;
    }
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
    console.log(`  SNS ${String(body.event)} (message attributes: event, secretArn)`);
    console.log(`    ${JSON.stringify(body, null, 2).replaceAll('\n', '\n    ')}`);
  }
}

function printLines(title: string, lines: string[]): void {
  console.log(`  ${title}:`);
  for (const line of lines) console.log(`    ${line}`);
}

async function rotateAndReport(secretId: string): Promise<boolean> {
  const record = await env.rotateSecret(secretId);
  for (const step of record.steps) {
    console.log(`  ${step.ok ? 'ok  ' : 'FAIL'} ${step.step}${step.error ? `: ${step.error.name}: ${step.error.message}` : ''}`);
  }
  const caRequests = provider.takeRequestLines();
  if (caRequests.length > 0) printLines('requests the CA received', caRequests);
  if (registration) {
    const uploads = registration.takeUploadLines();
    printLines('uploads the partner registration API received', uploads.length > 0 ? uploads : ['none']);
  }
  console.log('  versions:');
  await printVersions(secretId);
  printNewNotifications();

  return record.steps.every((step) => step.ok);
}

/** Shortens PEM values so the rotation block fits on screen; the demo's PEMs are public certificates. */
function shortenPem(key: string, value: unknown): unknown {
  return typeof value === 'string' && value.includes('-----BEGIN') ? `<PEM, ${value.length} characters>` : value;
}

try {
  heading('Local environment (127.0.0.1)');
  console.log(`  Secrets Manager + SNS  ${env.aws.endpoint}`);
  console.log(`  ${provider.endpoint}`);
  console.log(`  partner (mTLS)         ${env.partner.url}`);
  if (registration) console.log(`  ${registration.endpoint}`);

  heading('1. Create a bootstrap secret: AWSCURRENT holds only the rotation block');
  const secretArn = await env.createBootstrapSecret('mtls/payments-partner', bootstrapOverrides);
  console.log(`  ${secretArn}`);
  const rotation = (await env.readDocument(secretArn, { stage: 'AWSCURRENT' })).rotation;
  console.log(`  "rotation": ${JSON.stringify(rotation, shortenPem, 2).replaceAll('\n', '\n  ')}`);

  heading('2. First rotation (RotateSecret, as the schedule triggers it): createSecret, setSecret, testSecret, finishSecret');
  if (!(await rotateAndReport(secretArn))) throw new Error('the first rotation failed; run with --verbose for the function\'s log');

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

  heading('4. Emergency rotation (RotateSecret with RotateImmediately=true, as after a suspected key leak)');
  if (!(await rotateAndReport(secretArn))) throw new Error('the emergency rotation failed; run with --verbose for the function\'s log');
  const previous = await env.readDocument(secretArn, { stage: 'AWSPREVIOUS' });
  const previousSerial = new X509Certificate(previous.certificate as string).serialNumber;
  console.log(`  the certificate from step 2 (serial ${previousSerial}) is now AWSPREVIOUS: ${previousSerial === currentCertificate.serialNumber ? 'yes' : 'NO'}`);
  for (const line of provider.supersededLines(previousSerial)) console.log(`  ${line}`);

  heading(`5. A bad day: ${provider.badDay.heading}`);
  provider.badDay.begin();
  const currentBefore = (await env.versionStages(secretArn));
  await rotateAndReport(secretArn);
  const unchanged = JSON.stringify(Object.entries(currentBefore).find(([, labels]) => labels.includes('AWSCURRENT'))) ===
    JSON.stringify(Object.entries(await env.versionStages(secretArn)).find(([, labels]) => labels.includes('AWSCURRENT')));
  console.log(`  AWSCURRENT still contains the certificate from step 4: ${unchanged ? 'yes' : 'NO'}. AWSPENDING stays on the failed version until an operator removes it.`);
  provider.badDay.end();

  heading(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; private keys stayed in the secret and were never printed`);
} finally {
  await Promise.all([provider.close(), registration?.close()]);
  await env.close();
}
