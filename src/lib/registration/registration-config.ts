import { z } from 'zod';
import { addHttpEndpointIssues, httpAuthConfig, httpContentType, httpHeaders, httpMethod, httpTimeoutMs } from '../config/http-endpoint-config.js';
import { pemCertificates } from '../config/schema-parts.js';
import { jsonStringContent, MAX_BODY_TEMPLATE_LENGTH } from '../net/body-template.js';

/** Placeholders that carry the certificate itself; a registration body must use one of them. */
export const CERTIFICATE_PLACEHOLDERS = ['certificatePem', 'certificatePemJson'] as const;
/** Every placeholder of a registration body. None of them can carry the private key. */
export const REGISTRATION_PLACEHOLDERS = [...CERTIFICATE_PLACEHOLDERS, 'chainPem', 'chainPemJson', 'serialNumber', 'fingerprintSha256'] as const;

const SAMPLE_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const SAMPLE_VALUES = {
  certificatePem: SAMPLE_PEM,
  certificatePemJson: jsonStringContent(SAMPLE_PEM),
  chainPem: SAMPLE_PEM,
  chainPemJson: jsonStringContent(SAMPLE_PEM),
  serialNumber: '0A1B',
  fingerprintSha256: 'ab'.repeat(32),
};

/**
 * `rotation.registration`: an HTTP call in setSecret that hands the pending certificate (never its
 * key) to the partner, so the partner trusts it before testSecret's handshake and the promotion.
 */
export const registrationConfigSchema = z
  .strictObject({
    url: z.string().min(1),
    method: httpMethod.default('POST'),
    headers: httpHeaders.optional(),
    body: z.string().min(1).max(MAX_BODY_TEMPLATE_LENGTH),
    contentType: httpContentType.default('application/json'),
    auth: httpAuthConfig.optional(),
    caCertificates: pemCertificates.optional(),
    allowInsecureHttp: z.boolean().optional(),
    /** A status the partner returns for a certificate it already has, such as 409; treated as success so a retried setSecret passes. */
    alreadyRegisteredStatus: z.number().int().min(400).max(499).optional(),
    timeoutMs: httpTimeoutMs.optional(),
  })
  .superRefine((registration, context) =>
    addHttpEndpointIssues(registration, context, { known: REGISTRATION_PLACEHOLDERS, requireOneOf: CERTIFICATE_PLACEHOLDERS, requiredContent: 'the certificate', samples: SAMPLE_VALUES }),
  );

export type RegistrationConfig = z.output<typeof registrationConfigSchema>;
