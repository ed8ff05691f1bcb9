import { z } from 'zod';
import { addHttpEndpointIssues, httpAuthConfig, httpContentType, httpHeaders, httpMethod, httpTimeoutMs } from '../config/http-endpoint-config.js';
import { pemCertificates } from '../config/schema-parts.js';
import { jsonStringContent, MAX_BODY_TEMPLATE_LENGTH } from '../net/body-template.js';
import { parseJsonPath } from '../net/json-path.js';

/** Placeholders of the `http` provider's body template; the CSR ones are the reason for the request. */
export const CSR_PLACEHOLDERS = ['csrPem', 'csrPemJson', 'csrBase64Der'] as const;
export const HTTP_PROVIDER_PLACEHOLDERS = [...CSR_PLACEHOLDERS, 'commonName', 'commonNameJson'] as const;

export const DEFAULT_HTTP_CONTENT_TYPE = 'application/json';

const SAMPLE_CSR_PEM = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
const SAMPLE_COMMON_NAME = 'svc "a".example.com';
const SAMPLE_VALUES = {
  csrPem: SAMPLE_CSR_PEM,
  csrPemJson: jsonStringContent(SAMPLE_CSR_PEM),
  csrBase64Der: 'MIIB',
  commonName: SAMPLE_COMMON_NAME,
  commonNameJson: jsonStringContent(SAMPLE_COMMON_NAME),
};

const jsonPath = z
  .string()
  .refine((path) => parseJsonPath(path) !== undefined, 'must be a dot path such as "data.certificate" or "items[0].pem"');

const responseConfig = z.discriminatedUnion('format', [
  z.strictObject({ format: z.literal('pem') }),
  z.strictObject({ format: z.literal('json'), certificatePath: jsonPath, chainPath: jsonPath.optional() }),
]);

/** `rotation.provider` for a CA with its own REST API: a templated request and a declared response format. */
export const httpProviderSchema = z
  .strictObject({
    type: z.literal('http'),
    url: z.string().min(1),
    method: httpMethod.default('POST'),
    headers: httpHeaders.optional(),
    body: z.string().min(1).max(MAX_BODY_TEMPLATE_LENGTH),
    contentType: httpContentType.default(DEFAULT_HTTP_CONTENT_TYPE),
    response: responseConfig,
    auth: httpAuthConfig.optional(),
    caCertificates: pemCertificates.optional(),
    allowInsecureHttp: z.boolean().optional(),
    timeoutMs: httpTimeoutMs.optional(),
  })
  .superRefine((provider, context) =>
    addHttpEndpointIssues(provider, context, { known: HTTP_PROVIDER_PLACEHOLDERS, requireOneOf: CSR_PLACEHOLDERS, requiredContent: 'the CSR', samples: SAMPLE_VALUES }),
  );

export type HttpProviderConfig = z.output<typeof httpProviderSchema>;
