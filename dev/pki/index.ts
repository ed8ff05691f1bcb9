// Certificate fabrication for the dev servers, the demo and the tests. Everything here is for local
// use only: keys are generated per run and never persisted.
export {
  certificateChainPem,
  createIntermediateCa,
  createRootCa,
  type CertificateAuthority,
  type CertificateAuthorityOptions,
} from './certificate-authority.js';
export { InvalidCsrError, PkiError, type InvalidCsrReason } from './errors.js';
export {
  issueCertificate,
  issueFromCsr,
  type DistinguishedName,
  type ExtendedKeyUsageName,
  type IssueOptions,
  type KeyUsageName,
} from './issue.js';
export { generateKeyPair, type GeneratedKeyPair, type KeySpec } from './keys.js';
export {
  createServerCertificate,
  createTestPki,
  type ServerCertificate,
  type ServerCertificateOptions,
  type TestPki,
} from './test-pki.js';
