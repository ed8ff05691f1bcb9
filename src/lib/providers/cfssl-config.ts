import { z } from 'zod';
import { checkUrlField, credentialsSecretId, httpTimeoutMs } from '../config/http-endpoint-config.js';
import { pemCertificates } from '../config/schema-parts.js';

/**
 * `rotation.provider` for CloudFlare CFSSL. `url` is always the `sign` endpoint; with
 * `credentialsSecretId` the request goes to `authsign` beside it, signed with the secret's key.
 */
export const cfsslProviderSchema = z
  .strictObject({
    type: z.literal('cfssl'),
    url: z.string().min(1),
    profile: z.string().min(1).max(128).optional(),
    label: z.string().min(1).max(128).optional(),
    caCertificates: pemCertificates.optional(),
    allowInsecureHttp: z.boolean().optional(),
    timeoutMs: httpTimeoutMs.optional(),
    /** Secret `{"key": "<hex>"}` holding the profile's auth_key, for CFSSL's authenticated signing. */
    credentialsSecretId: credentialsSecretId.optional(),
  })
  .superRefine((provider, context) => {
    const url = checkUrlField(provider.url, provider.allowInsecureHttp === true, context);
    if (url !== undefined && !/\/api\/v1\/cfssl\/sign$/.test(url.pathname)) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'must be the CFSSL sign endpoint, ending in /api/v1/cfssl/sign; with credentialsSecretId the authsign endpoint is derived from it',
      });
    }
  });

export type CfsslProviderConfig = z.output<typeof cfsslProviderSchema>;
