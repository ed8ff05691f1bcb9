/**
 * Checks a secret value before it is stored: the JSON document, the rotation block, and any
 * certificate and key it already contains, with the same code the rotation function runs. It makes
 * no network call and never prints key material.
 * Usage: npm run check-secret -- secret.json   (or - for standard input)
 */
import { readFileSync } from 'node:fs';
import { readPrivateKey } from '../src/lib/certificates/keys.js';
import { parseCertificates } from '../src/lib/certificates/pem.js';
import { validateIssuedCertificate } from '../src/lib/certificates/validate.js';
import { parseRotationConfig } from '../src/lib/config/rotation-config.js';
import { ConfigurationError, RotationError } from '../src/lib/errors.js';
import { parseCredentialDocument } from '../src/lib/secret-value.js';
import { validationPolicy, verifyWithTrustAnchors } from '../src/lib/steps/pending-credentials.js';

const USAGE = 'Usage: npm run check-secret -- FILE   (FILE is the secret value as JSON, or - for standard input)';
const path = process.argv[2];
if (path === undefined || path === '--help') {
  console.log(USAGE);
  process.exit(path === undefined ? 2 : 0);
}

try {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  const document = parseCredentialDocument({ SecretString: text }, `secret value in ${path}`);
  const config = parseRotationConfig(document.rotation);
  console.log(`rotation block is valid: provider ${config.provider.type}, key ${config.key.algorithm}, commonName ${JSON.stringify(config.subject.commonName)}`);

  if (typeof document.certificate === 'string' && document.certificate.trim() !== '' && typeof document.privateKey === 'string') {
    const certificates = [
      ...parseCertificates(document.certificate, 'certificate'),
      ...(document.certificateChain?.trim() ? parseCertificates(document.certificateChain, 'certificateChain') : []),
    ];
    const privateKey = readPrivateKey(document.privateKey, 'privateKey');
    const validated = validateIssuedCertificate(certificates, privateKey, { ...validationPolicy(config), keyOrigin: 'stored' }, new Date(), 'stored certificate');
    await verifyWithTrustAnchors(validated, document.privateKey, config, 'stored certificate');
    for (const warning of validated.warnings) console.log(`warning: ${warning}`);
    console.log(`stored certificate is valid: serial ${validated.summary.serialNumber}, notAfter ${validated.summary.notAfter}, chain of ${validated.chain.length}`);
  } else {
    console.log('no certificate yet: the first rotation issues one');
  }
} catch (error) {
  if (error instanceof ConfigurationError) {
    console.error(`invalid rotation block:\n${error.issues.map((issue) => `  ${issue}`).join('\n')}`);
  } else if (error instanceof RotationError) {
    console.error(`${error.name}: ${error.message}`);
  } else {
    console.error(`cannot read ${path}: ${(error as Error).message}`);
  }
  process.exit(1);
}
