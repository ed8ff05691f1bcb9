/**
 * Runs a real rotation end to end on this machine, with no AWS account: a local Secrets Manager and
 * SNS endpoint, a CA speaking CFSSL's API and a partner that requires client certificates, all on
 * 127.0.0.1. Usage: npm run demo [-- --verbose] [-- --provider cfssl|acm-pca|vault]
 */
import { X509Certificate } from 'node:crypto';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run demo [-- --verbose] [-- --provider cfssl|acm-pca|vault]
  --verbose   also print the rotation function's JSON log lines
  --provider  the CA to rotate with: cfssl (default), acm-pca (an AWS Private CA stand-in) or
              vault (a Vault PKI stand-in); acm-pca and vault also revoke the superseded certificate
  --help      print this text`;
const PROVIDERS = ['cfssl', 'acm-pca', 'vault'] as const;

let options: { verbose: boolean; help: boolean; provider: string };
try {
  options = parseArgs({
    options: { verbose: { type: 'boolean', default: false }, help: { type: 'boolean', default: false }, provider: { type: 'string', default: 'cfssl' } },
  }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!(PROVIDERS as readonly string[]).includes(options.provider)) {
  console.error(`unknown --provider ${JSON.stringify(options.provider)}\n${USAGE}`);
  process.exit(2);
}
// The rotation function logs JSON lines; the demo shows a summary instead unless asked.
process.env.POWERTOOLS_LOG_LEVEL ??= options.verbose ? 'INFO' : 'SILENT';

const { startLocalEnvironment } = await import('./local-environment.js');
const { fetchWithClientCertificate } = await import('./partner/fetch-with-client-certificate.js');
const { issueFromCsr } = await import('./pki/index.js');

const { startAcmPcaStandIn, startVaultStandIn } = await import('./provider-stand-ins.js');

const started = Date.now();
const env = await startLocalEnvironment();
const acmPca = options.provider === 'acm-pca' ? await startAcmPcaStandIn(env) : undefined;
const vault = options.provider === 'vault' ? await startVaultStandIn(env, { secretName: 'mtls-credentials/vault-token' }) : undefined;
// The stand-in providers also show revocation of the certificate each rotation supersedes.
const bootstrapOverrides = acmPca
  ? { provider: acmPca.providerBlock(), revokePrevious: 'afterRotation' }
  : vault
    ? { provider: vault.providerBlock(), revokePrevious: 'afterRotation' }
    : undefined;
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

async function rotateAndReport(secretId: string): Promise<boolean> {
  const record = await env.rotateSecret(secretId);
  for (const step of record.steps) {
    console.log(`  ${step.ok ? 'ok  ' : 'FAIL'} ${step.step}${step.error ? `: ${step.error.name}: ${step.error.message}` : ''}`);
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
  if (acmPca) console.log(`  AWS Private CA         ${acmPca.server.endpoint} (AWS_ENDPOINT_URL_ACM_PCA)`);
  else if (vault) console.log(`  Vault PKI              ${vault.server.url}/v1/${vault.server.mount}`);
  else console.log(`  CFSSL-compatible CA    ${env.cfssl.signUrl}`);
  console.log(`  partner (mTLS)         ${env.partner.url}`);

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
  const revoked = acmPca ? acmPca.server.revocations.map((entry) => entry.certificateSerial) : (vault?.server.revokedSerials() ?? []);
  if (bootstrapOverrides) {
    const isRevoked = revoked.some((serial) => serial.replaceAll(':', '').toUpperCase().replace(/^0+/, '') === previousSerial.replace(/^0+/, ''));
    console.log(`  revokePrevious=afterRotation: the CA recorded the revocation of that certificate: ${isRevoked ? 'yes' : 'NO'}`);
  }

  if (acmPca) {
    heading('5. A bad day: the rotation function\'s role lost acm-pca:IssueCertificate');
    acmPca.server.injectError({ operation: 'IssueCertificate', exception: 'AccessDeniedException', message: 'User is not authorized to perform: acm-pca:IssueCertificate' });
  } else if (vault) {
    heading('5. A bad day: the Vault token in the credentials secret was revoked');
    vault.server.setResponder((path) => (path.includes('/sign/') ? { status: 403, body: JSON.stringify({ errors: ['permission denied'] }) } : undefined));
  } else {
    heading('5. A bad day: the CA now issues serverAuth-only certificates, which a partner would reject');
    env.cfssl.setResponder(async (path, body) => {
      if (!path.endsWith('/sign')) return undefined;
      const certificate = await issueFromCsr(env.pki.intermediate, (body as { certificate_request: string }).certificate_request, { extendedKeyUsages: ['serverAuth'] });

      return { status: 200, body: JSON.stringify({ success: true, result: { certificate }, errors: [], messages: [] }) };
    });
  }
  const currentBefore = (await env.versionStages(secretArn));
  await rotateAndReport(secretArn);
  const unchanged = JSON.stringify(Object.entries(currentBefore).find(([, labels]) => labels.includes('AWSCURRENT'))) ===
    JSON.stringify(Object.entries(await env.versionStages(secretArn)).find(([, labels]) => labels.includes('AWSCURRENT')));
  console.log(`  AWSCURRENT still holds the certificate from step 4: ${unchanged ? 'yes' : 'NO'}. AWSPENDING stays on the failed version until an operator removes it.`);
  env.cfssl.setResponder(undefined);
  acmPca?.server.reset();
  vault?.server.setResponder(undefined);

  heading(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; private keys stayed in the secret and were never printed`);
} finally {
  await Promise.all([acmPca?.close(), vault?.close()]);
  await env.close();
}
